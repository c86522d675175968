"""The approval queue's SQLite file: schema, safe opening, and short transactions that several users share."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from pathlib import Path

from kit import store
from kit.admin.errors import QueueBusyError, QueueCorruptError

KIND = "fellowship-kit approval queue"
SCHEMA_VERSION = "2"  # 2 added named supervisors, sign-in throttling and the audit of set-up changes
# Version 2's tables, added to a version 1 queue when it is opened (each statement on its own).
SUPERVISOR_TABLES = (
    "CREATE TABLE IF NOT EXISTS supervisors (name TEXT PRIMARY KEY COLLATE NOCASE, record TEXT NOT NULL,"
    " added REAL NOT NULL)",
    "CREATE TABLE IF NOT EXISTS sign_ins (name TEXT PRIMARY KEY COLLATE NOCASE, failures INTEGER NOT NULL,"
    " next_at REAL NOT NULL, locked_until REAL NOT NULL)",
    "CREATE TABLE IF NOT EXISTS audit (id INTEGER PRIMARY KEY AUTOINCREMENT, who TEXT, at REAL NOT NULL,"
    " action TEXT NOT NULL, detail TEXT NOT NULL)",
)
SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS items (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    question TEXT NOT NULL,
    draft TEXT NOT NULL,
    sources TEXT NOT NULL DEFAULT '[]',
    grounded INTEGER,
    status TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'edited', 'rejected')),
    answer TEXT,
    advisor TEXT NOT NULL,
    created REAL NOT NULL,
    decided_by TEXT,
    decided_at REAL,
    comment TEXT
);
CREATE TABLE IF NOT EXISTS transitions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    item_id INTEGER NOT NULL REFERENCES items(id),
    action TEXT NOT NULL,
    who TEXT NOT NULL,
    at REAL NOT NULL,
    before TEXT,
    after TEXT,
    comment TEXT
);
CREATE TABLE IF NOT EXISTS refusals (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    who TEXT,
    at REAL NOT NULL,
    action TEXT NOT NULL,
    reason TEXT NOT NULL
);
"""
_FIX = "It was left as it is. Restore it from a backup, or move it aside to start an empty queue."


def _damaged(path: Path, why: str) -> QueueCorruptError:
    return QueueCorruptError(f"The approval queue at {path} cannot be read: {why}. {_FIX}")


@contextlib.contextmanager
def connect(path: Path, *, write: bool = False) -> Iterator[sqlite3.Connection]:
    """One short connection; ``write=True`` takes the write lock first, so read-check-write steps never interleave."""
    try:
        db = sqlite3.connect(path, timeout=30, isolation_level=None)
    except sqlite3.Error as exc:
        raise _damaged(path, str(exc)) from None
    try:
        db.execute("PRAGMA synchronous=FULL")
        db.execute("BEGIN IMMEDIATE" if write else "BEGIN")
        yield db
        db.execute("COMMIT")
    except sqlite3.OperationalError as exc:
        _rollback(db)
        if "locked" in str(exc) or "busy" in str(exc):
            raise QueueBusyError(f"The approval queue at {path} stayed locked by another user for 30 s. "
                                 "Try again in a moment.") from None
        raise _damaged(path, str(exc)) from None
    except sqlite3.DatabaseError as exc:
        _rollback(db)
        raise _damaged(path, str(exc)) from None
    except BaseException:
        _rollback(db)
        raise
    finally:
        db.close()


def _rollback(db: sqlite3.Connection) -> None:
    with contextlib.suppress(sqlite3.Error):
        db.execute("ROLLBACK")


def open_queue(path: Path) -> None:
    """Create a new queue file (owner-only, WAL), or check an existing one is an intact queue; never reset one."""
    if not path.exists() or path.stat().st_size == 0:
        store.private_file(path)
        db = sqlite3.connect(path, isolation_level=None)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.executescript("BEGIN IMMEDIATE;" + SCHEMA + ";".join(SUPERVISOR_TABLES) + ";COMMIT;")
            db.execute("INSERT OR IGNORE INTO meta VALUES ('kind', ?), ('schema', ?)", (KIND, SCHEMA_VERSION))
        finally:
            db.close()
        return
    with connect(path) as db:
        check = db.execute("PRAGMA quick_check").fetchone()[0]
        if check != "ok":
            raise _damaged(path, f"SQLite's integrity check says {check!r}")
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if "meta" not in tables:
            raise _damaged(path, "it is an SQLite file but not an approval queue")
        meta = dict(db.execute("SELECT key, value FROM meta").fetchall())
    if meta.get("kind") != KIND:
        raise _damaged(path, "it is an SQLite file but not an approval queue")
    missing = {"items", "transitions", "refusals"} - tables
    if meta.get("schema") == SCHEMA_VERSION:
        missing |= {"supervisors", "sign_ins", "audit"} - tables
    if missing:
        raise _damaged(path, f"its tables {sorted(missing)} are missing")
    if meta.get("schema") == "1":
        _upgrade_from_1(path)
    elif meta.get("schema") != SCHEMA_VERSION:
        raise _damaged(path, f"it has schema version {meta.get('schema')}, this kit reads {SCHEMA_VERSION}")


def _upgrade_from_1(path: Path) -> None:
    """Add version 2's tables to a version 1 queue (items, history and its shared passphrase are kept)."""
    with connect(path, write=True) as db:
        for statement in SUPERVISOR_TABLES:
            db.execute(statement)
        db.execute("UPDATE meta SET value = ? WHERE key = 'schema'", (SCHEMA_VERSION,))
