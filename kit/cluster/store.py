"""The client-side resume store: each finished item's result, once, keyed by run, index and item content."""

from __future__ import annotations

import hashlib
import inspect
import json
import pickle
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kit import paths
from kit import store as sqlite_store

_SCHEMA = """
CREATE TABLE IF NOT EXISTS results (
    run_id TEXT NOT NULL, idx INTEGER NOT NULL, item_hash TEXT NOT NULL,
    kind TEXT NOT NULL, value BLOB, session TEXT NOT NULL, worker TEXT, seconds REAL, created REAL,
    PRIMARY KEY (run_id, idx, item_hash)
);
"""


def default_store_path() -> Path:
    """Where distributed ``kit.map`` keeps results for resuming: ``<user_dir>/cluster-runs.sqlite``."""
    return paths.user_dir() / "cluster-runs.sqlite"


def item_hash(item: Any) -> str:
    """A hash of an item's content, so a changed item is redone."""
    text = json.dumps(item, sort_keys=True, default=repr, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def task_identity(fn_or_prompt: str | Callable) -> str:
    """The prompt text; or a function's name, source, compiled code and the plain values it captures.

    The compiled code tells two lambdas apart where Python cannot read the source (a terminal session).
    Captured objects other than plain values do not count: change ``store`` when one of those changes.
    """
    if isinstance(fn_or_prompt, str):
        return "template:" + fn_or_prompt
    name = f"{getattr(fn_or_prompt, '__module__', '')}.{getattr(fn_or_prompt, '__qualname__', repr(fn_or_prompt))}"
    try:
        source = inspect.getsource(fn_or_prompt)
    except (OSError, TypeError):
        source = ""
    code = getattr(fn_or_prompt, "__code__", None)
    compiled = (code.co_code.hex(), repr(code.co_consts), code.co_names) if code else ()
    plain = (str, int, float, bool, type(None))
    captured = [c.cell_contents for c in getattr(fn_or_prompt, "__closure__", None) or ()
                if _filled(c) and isinstance(c.cell_contents, plain)]
    return f"fn:{name}:{source}:{compiled}:{captured!r}"


def _filled(cell) -> bool:
    try:
        cell.cell_contents
    except ValueError:  # an empty cell (a name assigned later)
        return False
    return True


def run_id(fn_or_prompt: str | Callable, model_identity: str, gen: dict[str, Any]) -> str:
    """What a run is: the prompt or function, the model and its settings, and the call's generation settings."""
    data = json.dumps([task_identity(fn_or_prompt), model_identity, gen], sort_keys=True, default=repr)
    return hashlib.sha256(data.encode("utf-8")).hexdigest()[:24]


def _encode(value: Any) -> tuple[str, bytes]:
    try:
        text = json.dumps(value, ensure_ascii=False)
        if json.loads(text) == value:
            return "json", text.encode("utf-8")
    except (TypeError, ValueError):
        pass
    return "pickle", pickle.dumps(value)


def _decode(kind: str, value: bytes) -> Any:
    # pickle only ever reads this user's own private (0600) store, written by this code
    return json.loads(value.decode("utf-8")) if kind == "json" else pickle.loads(value)


class ResumeStore:
    """Results of distributed runs in a private SQLite file; ``session`` tells this call's writes apart."""

    def __init__(self, path: str | Path | None = None):
        self.path = Path(path) if path is not None else default_store_path()
        sqlite_store.create_private(self.path, _SCHEMA)
        self.session = uuid.uuid4().hex

    def done(self, run: str, hashes: list[str]) -> dict[int, Any]:
        """Results already stored for ``run``, by index, where the item there is still the same."""
        wanted = dict(enumerate(hashes))
        with sqlite_store.connect(self.path) as db:
            rows = db.execute("SELECT idx, item_hash, kind, value FROM results WHERE run_id = ?", (run,)).fetchall()
        return {idx: _decode(kind, value) for idx, h, kind, value in rows if wanted.get(idx) == h}

    def write(self, run: str, rows: list[tuple[int, str, Any, str, float]]) -> int:
        """Store ``(index, item hash, result, worker, seconds)`` rows; one already there is kept. Returns how many were new."""
        now = time.time()
        with sqlite_store.connect(self.path) as db:
            before = db.total_changes
            db.executemany(
                "INSERT OR IGNORE INTO results VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [(run, idx, h, *_encode(value), self.session, worker, seconds, now)
                 for idx, h, value, worker, seconds in rows],
            )
            return db.total_changes - before

    def counts(self, run: str) -> dict[str, int]:
        """How many results each call (session) of ``run`` computed, in the order they were made."""
        with sqlite_store.connect(self.path) as db:
            rows = db.execute("SELECT session, COUNT(*), MIN(created) FROM results WHERE run_id = ? "
                              "GROUP BY session ORDER BY MIN(created)", (run,)).fetchall()
        return {session: n for session, n, _ in rows}

    def workers(self, run: str) -> dict[str, int]:
        """How many stored results of ``run`` each worker computed."""
        with sqlite_store.connect(self.path) as db:
            rows = db.execute("SELECT worker, COUNT(*) FROM results WHERE run_id = ? GROUP BY worker", (run,))
            return dict(rows.fetchall())

    def forget(self, run: str) -> None:
        """Drop every stored result of ``run`` (to compute it afresh)."""
        with sqlite_store.connect(self.path) as db:
            db.execute("DELETE FROM results WHERE run_id = ?", (run,))
