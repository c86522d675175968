"""The run log: every model call with its timing, settings, text and token counts, in SQLite."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kit import paths, store

_SCHEMA = """
CREATE TABLE IF NOT EXISTS calls (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    time REAL NOT NULL,
    model TEXT,
    model_sha256 TEXT,
    backend TEXT,
    kind TEXT,
    settings TEXT,
    prompt TEXT,
    response TEXT,
    prompt_tokens INTEGER,
    completion_tokens INTEGER,
    reused_tokens INTEGER,
    latency_s REAL,
    cached INTEGER NOT NULL DEFAULT 0,
    confidential INTEGER NOT NULL DEFAULT 0,
    error TEXT
);
"""

Redactor = Callable[[str], str]
_redactor: Redactor | None = None


def set_redactor(redactor: Redactor | None) -> None:
    """Install a function applied to every prompt and response before they are written to the log.

    ``None`` restores the default: :func:`kit.redaction.scrub` (UK personal data replaced by placeholders),
    unless ``KIT_REDACT=off`` turns redaction off.
    """
    global _redactor
    _redactor = redactor


def _active_redactor() -> Redactor | None:
    if _redactor is not None:
        return _redactor
    from kit.redaction import enabled, scrub

    return scrub if enabled() else None


def enabled_by_env() -> bool:
    """False when ``KIT_LOG`` is ``off`` / ``0`` / ``false``."""
    return os.environ.get("KIT_LOG", "on").strip().lower() not in ("off", "0", "false", "no")


@dataclass
class CallRecord:
    """One model call as the log keeps it."""

    model: str
    model_sha256: str
    backend: str
    kind: str
    settings: dict[str, Any]
    prompt: Any
    response: str | None = None
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    reused_tokens: int | None = None  # prompt tokens from the prefix cache (not evaluated again)
    latency_s: float | None = None
    cached: bool = False
    confidential: bool = False
    error: str | None = None
    time: float = field(default_factory=time.time)


class RunLog:
    """Appends :class:`CallRecord` rows to the owner-only SQLite log."""

    def __init__(self, path: Path | None = None):
        self.path = path or paths.log_path()
        store.create_private(self.path, _SCHEMA)
        with store.connect(self.path) as db:  # a log written before reused_tokens was recorded
            if "reused_tokens" not in {row[1] for row in db.execute("PRAGMA table_info(calls)")}:
                db.execute("ALTER TABLE calls ADD COLUMN reused_tokens INTEGER")

    def write(self, record: CallRecord) -> None:
        """Write one call, personal data redacted; in confidential mode the prompt and response are never stored."""
        from kit.redaction import scrub_strings

        redactor = None if record.confidential else _active_redactor()
        raw_prompt = scrub_strings(record.prompt, redactor) if redactor else record.prompt
        prompt = None if record.confidential else json.dumps(raw_prompt, ensure_ascii=False)
        response = None if record.confidential else record.response
        error = record.error
        if redactor is not None:
            response = redactor(response) if response is not None else None
            error = redactor(error) if error is not None else None
        if record.confidential and error:
            error = error.split(":", 1)[0]  # the error's kind only: its text may quote the input
        with store.connect(self.path) as db:
            db.execute(
                "INSERT INTO calls (time, model, model_sha256, backend, kind, settings, prompt, response,"
                " prompt_tokens, completion_tokens, reused_tokens, latency_s, cached, confidential, error)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    record.time, record.model, record.model_sha256, record.backend, record.kind,
                    json.dumps(record.settings, sort_keys=True), prompt, response,
                    record.prompt_tokens, record.completion_tokens, record.reused_tokens, record.latency_s,
                    int(record.cached), int(record.confidential), error,
                ),
            )


def logs(limit: int | None = 100, path: Path | None = None):
    """The most recent calls, newest first, as a polars DataFrame."""
    import polars as pl

    path = path or paths.log_path()
    columns = [
        "id", "time", "model", "model_sha256", "backend", "kind", "settings", "prompt", "response",
        "prompt_tokens", "completion_tokens", "reused_tokens", "latency_s", "cached", "confidential", "error",
    ]
    if not path.exists():
        return pl.DataFrame({c: [] for c in columns})
    query = f"SELECT {', '.join(columns)} FROM calls ORDER BY id DESC"
    params: tuple = ()
    if limit is not None:
        query += " LIMIT ?"
        params = (int(limit),)
    with store.connect(path) as db:
        rows = db.execute(query, params).fetchall()
    frame = pl.DataFrame(rows, schema=columns, orient="row")
    return frame.with_columns(
        pl.from_epoch(pl.col("time"), time_unit="s").alias("time"),
        pl.col("cached").cast(pl.Boolean),
        pl.col("confidential").cast(pl.Boolean),
    )
