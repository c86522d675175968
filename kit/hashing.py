"""SHA-256 of model files, remembered by path, size and modification time (hashing 5 GB takes a while)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Callable

from kit import paths

_CHUNK = 1 << 20


def sha256_file(path: str | Path, progress: Callable[[int], None] | None = None) -> str:
    """Hash a file; ``progress`` is called with the number of bytes read after each chunk."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
            if progress:
                progress(len(chunk))
    return digest.hexdigest()


def cached_sha256(path: str | Path) -> str:
    """``sha256_file``, remembered in the user folder until the file's size or mtime changes."""
    path = Path(path).resolve()
    stat = path.stat()
    key = f"{path}|{stat.st_size}|{stat.st_mtime_ns}"
    index_file = paths.user_dir() / "hashes.json"
    try:
        index = json.loads(index_file.read_text())
    except (OSError, ValueError):
        index = {}
    if key not in index:
        index = {k: v for k, v in index.items() if not k.startswith(f"{path}|")}
        index[key] = sha256_file(path)
        try:
            paths.write_atomic(index_file, json.dumps(index, indent=1))
        except OSError:  # a read-only or full kit folder: the hash is right, it is just not remembered
            pass
    return index[key]
