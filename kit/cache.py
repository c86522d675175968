"""The response cache: the same model, settings and messages give back the stored answer, in SQLite."""

from __future__ import annotations

import hashlib
import json
import os
import time
from pathlib import Path
from typing import Any

from kit import paths, store

_SCHEMA = """
CREATE TABLE IF NOT EXISTS responses (
    key TEXT PRIMARY KEY,
    model_sha256 TEXT NOT NULL,
    response TEXT NOT NULL,
    prompt_tokens INTEGER,
    completion_tokens INTEGER,
    created REAL NOT NULL
)
"""


def cache_key(model_id: str, settings: dict[str, Any], messages: list[dict], schema: dict | None) -> str:
    """A stable key for one request: model hash, generation settings, messages and schema."""
    payload = json.dumps(
        {"model": model_id, "settings": settings, "messages": messages, "schema": schema},
        sort_keys=True,
        ensure_ascii=False,
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def enabled_by_env() -> bool:
    """False when ``KIT_CACHE`` is ``off`` / ``0`` / ``false``."""
    return os.environ.get("KIT_CACHE", "on").strip().lower() not in ("off", "0", "false", "no")


class ResponseCache:
    """A small SQLite store of responses keyed by :func:`cache_key`."""

    def __init__(self, path: Path | None = None):
        self.path = path or paths.cache_path()
        store.create_private(self.path, _SCHEMA)

    def _connect(self):
        # A connection per operation keeps the cache safe to use from kit.map's worker threads.
        return store.connect(self.path)

    def get(self, key: str) -> tuple[str, int | None, int | None] | None:
        """The stored response and its token counts, or None."""
        with self._connect() as db:
            row = db.execute(
                "SELECT response, prompt_tokens, completion_tokens FROM responses WHERE key = ?", (key,)
            ).fetchone()
        return row

    def put(self, key: str, model_sha256: str, response: str, prompt_tokens: int, completion_tokens: int) -> None:
        """Store a response (replacing any older one under the same key).

        A response holding personal data is not stored while redaction is on (``KIT_REDACT``): the cache
        keeps only a hash of the prompt, but the response is kept as text. Returns without storing then.
        """
        from kit.redaction import contains_personal_data, enabled

        if enabled() and contains_personal_data(response):
            return
        with self._connect() as db:
            db.execute(
                "INSERT OR REPLACE INTO responses VALUES (?, ?, ?, ?, ?, ?)",
                (key, model_sha256, response, prompt_tokens, completion_tokens, time.time()),
            )

    def clear(self) -> int:
        """Delete every stored response; returns how many there were."""
        with self._connect() as db:
            return db.execute("DELETE FROM responses").rowcount

    def __len__(self) -> int:
        with self._connect() as db:
            return db.execute("SELECT COUNT(*) FROM responses").fetchone()[0]
