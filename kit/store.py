"""Files and folders readable by their owner only (0600 and 0700, whatever the umask), and the kit's SQLite stores.

Every file the kit creates that can hold user text goes through here: SQLite stores (SQLite gives their
``-wal``, ``-shm`` and ``-journal`` files the database file's mode), appended JSON lines, the search index.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path

FILE_MODE = 0o600
FOLDER_MODE = 0o700


def private_dir(path: Path) -> Path:
    """Create ``path`` and any missing parents as 0700 folders; a folder that already exists is left as it is."""
    path = Path(path)
    missing, folder = [], path
    while not folder.is_dir() and folder != folder.parent:
        missing.append(folder)
        folder = folder.parent
    for folder in reversed(missing):
        with contextlib.suppress(FileExistsError):  # made meanwhile by another thread or process
            folder.mkdir(mode=FOLDER_MODE)
    return path


def private_file(path: Path) -> Path:
    """Make sure ``path`` exists with mode 0600, created that way (never readable by others, even briefly)."""
    path = Path(path)
    private_dir(path.parent)
    try:
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, FILE_MODE))
    except FileExistsError:  # an older file the kit made before its files were private is tightened
        with contextlib.suppress(PermissionError):  # someone else's file: theirs to set
            os.chmod(path, FILE_MODE)
    return path


def append_private(path: Path, text: str) -> None:
    """Append ``text`` to ``path`` (UTF-8), creating it 0600 (and its folders 0700) if needed."""
    private_dir(Path(path).parent)
    handle = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, FILE_MODE)
    with os.fdopen(handle, "a", encoding="utf-8") as out:
        out.write(text)


def create_private(path: Path, schema: str) -> None:
    """Create the SQLite file ``path`` with mode 0600 (before SQLite writes anything into it) and apply ``schema``."""
    private_file(path)
    with connect(path) as db:
        db.executescript(schema)


@contextlib.contextmanager
def connect(path: Path) -> Iterator[sqlite3.Connection]:
    """A connection that commits on success, rolls back on error, and is always closed."""
    db = sqlite3.connect(path, timeout=30)
    try:
        with db:
            yield db
    finally:
        db.close()
