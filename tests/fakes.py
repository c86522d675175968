"""A scripted stand-in model for unit tests of pure logic (prompt building, parsing, rules) only."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from kit import schemas
from kit.model import ModelInfo, build_messages


@dataclass
class FakeModel:
    """Answers from ``replies`` (a list, or a function of the messages) and records every call."""

    replies: list[str] | Callable[[list[dict]], str] = field(default_factory=list)
    calls: list[list[dict]] = field(default_factory=list)
    info: ModelInfo = field(default_factory=lambda: ModelInfo(
        name="fake", file="", sha256="0" * 64, architecture="fake", context_size=4096,
        trained_context=4096, backend="fake", details={},
    ))
    parallel: int = 1

    def _reply(self, messages: list[dict]) -> str:
        self.calls.append(messages)
        if callable(self.replies):
            return self.replies(messages)
        if not self.replies:
            raise AssertionError("FakeModel ran out of scripted replies")
        return self.replies.pop(0)

    def chat(self, prompt_or_messages, *, system=None, **gen) -> str:
        return self._reply(build_messages(prompt_or_messages, system))

    def stream(self, prompt_or_messages, *, system=None, **gen) -> Iterator[str]:
        yield from self._reply(build_messages(prompt_or_messages, system)).split(" ")

    def json(self, prompt_or_messages, schema, *, system=None, **gen) -> Any:
        """Like ``Model.json``: a validated pydantic instance for a pydantic class, else the parsed JSON."""
        raw = self._reply(build_messages(prompt_or_messages, system))
        return schemas.validate(raw, schema, schemas.to_json_schema(schema))

    def count_tokens(self, text: str) -> int:
        return len(text.split())

    def chunk(self, text: str, max_tokens: int) -> list[str]:
        from kit.chunking import chunk_text

        return chunk_text(text, max_tokens, self.count_tokens)


class SlowEcho:
    """Echoes the prompt after a short pause and records how many calls overlapped."""

    def __init__(self, parallel: int = 1, delay: float = 0.05):
        self.parallel, self.delay = parallel, delay
        self.active = self.max_seen = 0
        self._lock = threading.Lock()

    def chat(self, prompt, **gen):
        with self._lock:
            self.active += 1
            self.max_seen = max(self.max_seen, self.active)
        time.sleep(self.delay)
        with self._lock:
            self.active -= 1
        return prompt
