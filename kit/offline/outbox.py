"""A durable outbox: entries recorded while offline are kept in SQLite and replayed in order later.

Durability: every `put` is one SQLite transaction in WAL mode with `synchronous=FULL`, so once `put`
returns, the entry survives the process being killed (`kill -9`, tested) and, on a disk that honours
fsync, a power cut (not tested). Each entry carries an idempotency key; putting the same key again
returns the stored entry instead of adding a second one.

Delivery boundary (said plainly): `replay` marks an entry delivered only after `send` returns. If the
process dies after the receiver has taken an entry but before the mark is committed, that entry is sent
again on the next replay, with the same key. Delivery is therefore at-least-once; it is exactly-once
only when the receiver honours the key (ignores a key it has already applied).

Privacy: the file (and SQLite's ``-wal``/``-shm`` beside it) is created 0600, a new folder 0700. A pending
entry is kept as it was put, because it is the record the receiver needs (an incident note must name whom it
is about); once delivered, its payload's text is redacted in place (``kit.redaction.scrub``), as the run log
stores it, unless ``redact_delivered=False`` or ``KIT_REDACT=off``.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from kit import store
from kit.errors import InputError, OutboxError

try:  # POSIX advisory locks: one replayer per outbox across processes, released when a process dies
    import fcntl
except ImportError:  # pragma: no cover - Windows: the in-process lock still holds
    fcntl = None

_SCHEMA = """
CREATE TABLE IF NOT EXISTS entries (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    key       TEXT NOT NULL UNIQUE,
    kind      TEXT NOT NULL,
    payload   TEXT NOT NULL,
    created   TEXT NOT NULL,
    delivered TEXT
)
"""
_COLUMNS = "id, key, kind, payload, created, delivered"


@dataclass(frozen=True)
class Entry:
    """One outbox entry; `id` is 0 while the entry is held in memory only (see Outbox.unsaved)."""

    id: int
    key: str
    kind: str
    payload: dict
    created: str
    delivered: str | None = None


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="microseconds")


def _entry(row: tuple) -> Entry:
    return Entry(row[0], row[1], row[2], json.loads(row[3]), row[4], row[5])


@contextmanager
def _exclusive(lock_path: str) -> Iterator[bool]:
    """Hold an exclusive non-blocking lock on `lock_path`; yields False if another process holds it."""
    if fcntl is None:
        yield True
        return
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, store.FILE_MODE)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        got = True
    except BlockingIOError:
        got = False
    try:
        yield got
    finally:
        os.close(fd)  # closing releases the lock; so does the process dying


def _why(exc: sqlite3.Error) -> str:
    """A plain-words reason for a failed SQLite write."""
    name = getattr(exc, "sqlite_errorname", "")
    if name == "SQLITE_FULL" or "full" in str(exc):
        return "the disk is full (SQLite: database or disk is full)"
    if name.startswith("SQLITE_IOERR") or "I/O" in str(exc):
        return f"the disk refused the write ({exc}); the disk may be full or a file-size limit reached"
    if name in ("SQLITE_BUSY", "SQLITE_LOCKED") or "locked" in str(exc):
        return "another process holds the outbox locked"
    if name == "SQLITE_READONLY" or "readonly" in str(exc):
        return "the outbox file or its folder is read-only"
    return f"SQLite error: {exc}"


class Outbox:
    """A SQLite outbox at `path`: put entries while offline, replay them in order when back online."""

    def __init__(self, path: str | Path, *, timeout_s: float = 10.0, redact_delivered: bool | None = None):
        """Open (or create, 0600) the outbox file; raises OutboxError if it cannot be opened as an outbox.

        ``redact_delivered``: redact the text of entries once delivered (default: on unless ``KIT_REDACT=off``).
        """
        from kit import redaction

        self.path = Path(path)
        self.redact_delivered = redaction.enabled() if redact_delivered is None else bool(redact_delivered)
        self._lock = threading.RLock()
        self._replaying = threading.Lock()
        self._unsaved: list[Entry] = []
        self.last_error: str | None = None
        try:
            store.private_file(self.path)  # before SQLite, so neither it nor its -wal/-shm is ever readable by others
            # Autocommit mode: transactions are opened explicitly with BEGIN IMMEDIATE below.
            self._db = sqlite3.connect(
                self.path, timeout=timeout_s, isolation_level=None, check_same_thread=False
            )
            mode = self._db.execute("PRAGMA journal_mode=WAL").fetchone()[0]
            self._db.execute("PRAGMA synchronous=FULL")
            self._db.execute(_SCHEMA)
        except (sqlite3.Error, OSError) as exc:
            reason = "it is not a SQLite outbox file" if "not a database" in str(exc) else str(exc)
            raise OutboxError(
                f"Cannot open the outbox at {self.path}: {reason}. "
                "Pass the path of a new file, or move the damaged file aside and open again."
            ) from exc
        if mode.lower() != "wal":
            self._db.close()
            raise OutboxError(
                f"The outbox at {self.path} could not switch to WAL journaling (got {mode!r}); "
                "put it on a local disk (not a network share)."
            )

    def put(self, kind: str, payload: dict, *, key: str | None = None) -> Entry:
        """Save an entry durably and return it; the same `key` twice gives back the first entry.

        Raises:
            InputError: empty `kind`, a `payload` that is not a JSON object, or a key reused for other data.
            OutboxError: the write failed (disk full...); the entry is kept in memory (`unsaved`) and
                saved before anything else on the next `put`, `flush` or `replay`.
        """
        if not isinstance(kind, str) or not kind.strip():
            raise InputError(f"The outbox entry kind must be a non-empty string, got {kind!r}; "
                             "use a label such as 'incident_log' or 'message'.")
        if not isinstance(payload, dict):
            raise InputError(f"The outbox payload must be a dict (a JSON object), got {type(payload).__name__}.")
        try:
            text = json.dumps(payload, ensure_ascii=False, allow_nan=False)
        except (TypeError, ValueError) as exc:
            raise InputError(
                f"The outbox payload cannot be stored as JSON ({exc}). Use only str, int, float, bool, "
                "None, lists and dicts with string keys; convert dates and other objects to strings first."
            ) from exc
        if key is not None and (not isinstance(key, str) or not key.strip()):
            raise InputError(f"An idempotency key must be a non-empty string or None, got {key!r}.")
        entry = Entry(0, key or uuid.uuid4().hex, kind.strip(), json.loads(text), _now())
        with self._lock:
            self._unsaved.append(entry)
            self.flush()
            return self._by_key(entry.key)

    def flush(self) -> int:
        """Save the entries held in memory, oldest first; returns how many were saved.

        Raises:
            OutboxError: the disk still refuses the write (the entries stay in memory).
        """
        with self._lock:
            saved = 0
            while self._unsaved:
                entry = self._unsaved[0]
                try:
                    self._insert(entry)
                except sqlite3.Error as exc:
                    self.last_error = _why(exc)
                    raise OutboxError(
                        f"Could not save the outbox entry {entry.key!r} ({entry.kind}) to {self.path}: "
                        f"{self.last_error}. The entry is kept in memory ({len(self._unsaved)} unsaved) "
                        "and will be saved on the next put, flush or replay; free disk space and try again. "
                        "Entries in memory are lost if this process ends."
                    ) from exc
                self._unsaved.pop(0)
                saved += 1
            return saved

    def _insert(self, entry: Entry) -> None:
        db = self._db
        db.execute("BEGIN IMMEDIATE")
        try:
            row = db.execute("SELECT kind, payload FROM entries WHERE key = ?", (entry.key,)).fetchone()
            if row is None:
                db.execute(
                    "INSERT INTO entries (key, kind, payload, created) VALUES (?, ?, ?, ?)",
                    (entry.key, entry.kind, json.dumps(entry.payload, ensure_ascii=False), entry.created),
                )
            db.execute("COMMIT")
        except BaseException:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise
        if row is not None and (row[0] != entry.kind or json.loads(row[1]) not in (entry.payload, self._kept(entry))):
            self._unsaved.remove(entry)
            raise InputError(
                f"The idempotency key {entry.key!r} is already used by an outbox entry with different "
                "content; use a new key for new content."
            )

    def _by_key(self, key: str) -> Entry:
        return _entry(self._db.execute(f"SELECT {_COLUMNS} FROM entries WHERE key = ?", (key,)).fetchone())

    def _select(self, where: str, args: tuple = ()) -> list[Entry]:
        with self._lock:
            rows = self._db.execute(f"SELECT {_COLUMNS} FROM entries WHERE {where} ORDER BY id", args)
            return [_entry(r) for r in rows.fetchall()]

    def pending(self) -> list[Entry]:
        """Entries not yet delivered, in the order they were put (unsaved ones last, with id 0)."""
        return self._select("delivered IS NULL") + list(self._unsaved)

    def delivered(self) -> list[Entry]:
        """Entries already delivered, in the order they were put."""
        return self._select("delivered IS NOT NULL")

    @property
    def unsaved(self) -> tuple[Entry, ...]:
        """Entries held in memory because the last write to disk failed."""
        return tuple(self._unsaved)

    def __len__(self) -> int:
        """The queue length: entries not yet delivered, saved or held in memory."""
        with self._lock:
            count = self._db.execute("SELECT COUNT(*) FROM entries WHERE delivered IS NULL").fetchone()[0]
            return count + len(self._unsaved)

    def replay(self, send: Callable[[Entry], None]) -> int:
        """Send pending entries in order with `send(entry)`; returns how many were delivered.

        Each entry is marked delivered only after `send` returns. The first exception from `send`
        stops the replay (the entry stays pending; its message is in `last_error`). Entries added
        while replaying are sent too. Entries held in memory are saved first; if that still fails
        they wait, and the saved ones are sent (they are older, so the order holds).

        One replay at a time: a second call while one runs (another thread or another process)
        returns 0 at once and says why in `last_error`, so two replayers never send the same entry.

        Raises:
            OutboxError: an entry was sent but marking it delivered failed (it will be sent again,
                with the same key, on the next replay).
        """
        if not self._replaying.acquire(blocking=False):
            self.last_error = "a replay of this outbox is already running in this process"
            return 0
        try:
            with _exclusive(f"{self.path}.replay-lock") as locked:
                if not locked:
                    self.last_error = "another process is replaying this outbox"
                    return 0
                return self._replay(send)
        finally:
            self._replaying.release()

    def _replay(self, send: Callable[[Entry], None]) -> int:
        try:
            self.flush()
        except OutboxError:
            pass  # saved entries can still go; the unsaved ones are newer and wait for disk space
        count, last_id = 0, 0
        while True:
            with self._lock:
                row = self._db.execute(
                    f"SELECT {_COLUMNS} FROM entries WHERE delivered IS NULL AND id > ? ORDER BY id LIMIT 1",
                    (last_id,),
                ).fetchone()
            if row is None:
                self.last_error = None
                return count
            entry = _entry(row)
            try:
                send(entry)
            except Exception as exc:  # noqa: BLE001 - any failure of the receiver stops the replay
                self.last_error = f"sending entry {entry.id} ({entry.key}) failed: {exc}"
                return count
            self._mark_delivered(entry)
            count, last_id = count + 1, entry.id

    def _mark_delivered(self, entry: Entry) -> None:
        with self._lock:
            try:
                self._db.execute("BEGIN IMMEDIATE")
                self._db.execute("UPDATE entries SET delivered = ?, payload = ? WHERE id = ?",
                                 (_now(), json.dumps(self._kept(entry), ensure_ascii=False), entry.id))
                self._db.execute("COMMIT")
            except sqlite3.Error as exc:
                if self._db.in_transaction:
                    self._db.execute("ROLLBACK")
                self.last_error = _why(exc)
                raise OutboxError(
                    f"Entry {entry.id} ({entry.key}) was sent but could not be marked delivered in "
                    f"{self.path}: {self.last_error}. It will be sent again with the same key on the next "
                    "replay; a receiver that ignores keys it has seen keeps it exactly-once."
                ) from exc

    def _kept(self, entry: Entry) -> dict:
        """The payload kept once delivered: redacted (personal data as placeholders) unless that was turned off."""
        from kit.redaction import scrub_strings

        return scrub_strings(entry.payload) if self.redact_delivered else entry.payload

    def close(self) -> None:
        """Close the database; entries still in memory (unsaved) are lost, so flush first."""
        with self._lock:
            self._db.close()

    def __enter__(self) -> Outbox:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
