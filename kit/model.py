"""The model interface every notebook and capability uses: chat, stream, json, count_tokens, info."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from kit import chunking, display, privacy, schemas
from kit.cache import ResponseCache, cache_key
from kit.errors import Interrupted, KitError, PromptError
from kit.runlog import CallRecord, RunLog
from kit.runtime.backends.base import Backend, Settings
from kit.runtime.backends.server import raise_if_overflow

Messages = list[dict[str, str]]


@dataclass(frozen=True)
class ModelInfo:
    """What model is loaded and how."""

    name: str
    file: str
    sha256: str
    architecture: str
    context_size: int
    trained_context: int | None
    backend: str
    details: dict[str, Any]

    def _repr_html_(self) -> str:
        """A notebook shows the model as a table: name, file, SHA-256, architecture, context, backend, details."""
        return display.wrap(display.fields(vars(self), "Model"), "kit-model-info")


@dataclass(frozen=True)
class CallStats:
    """Figures for the most recent call.

    ``reused_tokens`` of the ``prompt_tokens`` came from the runtime's prefix cache (in-process: whole aligned
    chunks; llama-server: the slot's cached prefix) and were not evaluated again; :attr:`new_tokens` were. A
    response-cache hit evaluates nothing: every prompt token counts as reused.
    """

    prompt_tokens: int
    completion_tokens: int
    latency_s: float
    cached: bool
    reused_tokens: int = 0

    @property
    def new_tokens(self) -> int:
        """Prompt tokens the model evaluated for this call (what a bigger model pays for)."""
        return self.prompt_tokens - self.reused_tokens

    def _repr_html_(self) -> str:
        """A notebook shows the call's figures as a table, the prompt tokens evaluated (new) among them."""
        figures = vars(self) | {"new_tokens": self.new_tokens}
        return display.wrap(display.fields(figures, "Last call"), "kit-call-stats")


@runtime_checkable
class ChatModel(Protocol):
    """What a capability needs of a model: :class:`Model` (and a fallback chain) satisfy it, as does the tests' fake."""

    info: ModelInfo

    @property
    def parallel(self) -> int:
        """How many calls the model serves at once."""

    def chat(self, prompt_or_messages: str | Sequence[dict], *, system: str | None = None, **gen) -> str:
        """One answer as text."""

    def stream(self, prompt_or_messages: str | Sequence[dict], *, system: str | None = None, **gen) -> Iterator[str]:
        """The answer in pieces as they are generated."""

    def json(self, prompt_or_messages: str | Sequence[dict], schema: Any, *, system: str | None = None, **gen) -> Any:
        """A validated pydantic object (or parsed JSON for a JSON-schema dict)."""

    def count_tokens(self, text: str) -> int:
        """The number of tokens in ``text``."""

    def chunk(self, text: str, max_tokens: int) -> list[str]:
        """``text`` cut into pieces of at most ``max_tokens`` tokens."""


def _check_text(text: Any, what: str = "prompt") -> str:
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise PromptError(
                f"The {what} is not valid UTF-8 (bad byte at position {exc.start}). "
                "Decode it with the right encoding first, e.g. data.decode('cp1252')."
            ) from None
    if not isinstance(text, str):
        raise PromptError(f"The {what} must be text (str), not {type(text).__name__}.")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise PromptError(
            f"The {what} holds characters that are not valid UTF-8 (it was decoded with errors='surrogateescape'?). "
            "Decode the source with its real encoding."
        ) from None
    return text


def build_messages(prompt_or_messages: str | bytes | Sequence[dict], system: str | None = None) -> Messages:
    """Turn a prompt string or a message list into a checked message list (system first)."""
    if isinstance(prompt_or_messages, (str, bytes)):
        text = _check_text(prompt_or_messages)
        if not text.strip():
            raise PromptError("The prompt is empty. Give the model some text to respond to.")
        messages = [{"role": "user", "content": text}]
    else:
        messages = []
        for i, message in enumerate(prompt_or_messages):
            if not isinstance(message, dict) or "role" not in message or "content" not in message:
                raise PromptError(f"Message {i} must be a dict with 'role' and 'content' keys.")
            if message["role"] not in ("system", "user", "assistant"):
                raise PromptError(f"Message {i} has role {message['role']!r}; use system, user or assistant.")
            messages.append({"role": message["role"], "content": _check_text(message["content"], f"message {i}")})
        if not any(m["content"].strip() for m in messages if m["role"] == "user"):
            raise PromptError("The messages hold no user text. Give the model something to respond to.")
    if system is not None:
        messages = [{"role": "system", "content": _check_text(system, "system prompt")}] + [
            m for m in messages if m["role"] != "system"
        ]
    return messages


def _may_overflow(messages: Messages, max_tokens: int, n_ctx: int) -> bool:
    """False when the prompt certainly fits: a token covers at least one UTF-8 byte, plus generous room
    for the chat template's own tokens (role markers, a default system prompt)."""
    upper = sum(len(m["content"].encode("utf-8")) + 16 for m in messages) + 128
    return not n_ctx or upper + max_tokens > n_ctx


class Model:
    """A loaded model behind one small interface, with a response cache and a run log around it."""

    def __init__(self, backend: Backend, info: ModelInfo, *, settings: Settings | None = None,
                 cache: bool = True, log: bool = True):
        self.backend = backend
        self.info = info
        self.settings = settings or Settings()
        self._cache = ResponseCache() if cache else None
        self._log = RunLog() if log else None
        self.last: CallStats | None = None

    # -- lifecycle ---------------------------------------------------------------------------
    def __enter__(self) -> Model:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        """Free the model's memory (in-process) now rather than at garbage collection."""
        self.backend.close()

    def __repr__(self) -> str:
        return f"<kit.Model {self.info.name} ({self.info.backend}, n_ctx={self.info.context_size})>"

    @property
    def parallel(self) -> int:
        """How many requests the backend serves at once (server slots; 1 in-process)."""
        return int(getattr(self.backend, "slots", 1))

    # -- helpers -----------------------------------------------------------------------------
    def _settings(self, gen: dict[str, Any]) -> Settings:
        return self.settings.updated(gen)

    def count_tokens(self, text: str) -> int:
        """How many tokens ``text`` is for this model."""
        return self.backend.count_tokens(_check_text(text, "text"))

    def chunk(self, text: str, max_tokens: int) -> list[str]:
        """Split ``text`` into pieces of at most ``max_tokens`` tokens on paragraph/sentence boundaries."""
        return chunking.chunk_text(_check_text(text, "text"), max_tokens, self.count_tokens)

    def _prepare(self, prompt_or_messages, system, gen) -> tuple[Messages, Settings]:
        messages = build_messages(prompt_or_messages, system)
        settings = self._settings(gen)
        if _may_overflow(messages, settings.max_tokens, self.info.context_size):
            # Count exactly only when it could matter: on a server each count is one more request.
            raise_if_overflow(self.backend.prompt_tokens(messages), settings, self.info.context_size)
        return messages, settings

    def _cache_for_call(self):
        return None if privacy.is_confidential() else self._cache

    def _record(self, kind, messages, settings, text, n_in, n_out, started, cached, schema=None, error=None,
                reused=0):
        reused = n_in or 0 if cached else reused
        self.last = CallStats(n_in, n_out, time.perf_counter() - started, cached, reused)
        if self._log is None:
            return
        prompt: Any = {"messages": messages, "schema": schema} if schema is not None else messages
        self._log.write(CallRecord(
            model=self.info.name, model_sha256=self.info.sha256, backend=self.info.backend, kind=kind,
            settings=settings.as_dict(), prompt=prompt, response=text, prompt_tokens=n_in,
            completion_tokens=n_out, reused_tokens=reused, latency_s=self.last.latency_s, cached=cached,
            confidential=privacy.is_confidential(), error=error,
        ))

    def _interrupted(self, kind, messages, settings, started, schema, exc: KeyboardInterrupt,
                     partial: str) -> Interrupted:
        """Log a call an interrupt stopped, with its text so far (never cached), as :class:`Interrupted`."""
        tokens, n_in = getattr(exc, "tokens", None), getattr(exc, "prompt_tokens", None)
        self._record(kind, messages, settings, partial, n_in, tokens, started, False, schema, error="interrupted")
        if isinstance(exc, Interrupted) and exc.partial == partial:
            return exc
        return Interrupted(partial, tokens=tokens, prompt_tokens=n_in)

    def _generate(self, kind: str, messages: Messages, settings: Settings, schema: dict | None) -> str:
        started = time.perf_counter()
        cache = self._cache_for_call()
        key = cache_key(self.info.sha256, settings.as_dict(), messages, schema) if cache is not None else None
        hit = cache.get(key) if cache is not None else None
        if hit is not None:
            text, n_in, n_out = hit
            self._record(kind, messages, settings, text, n_in or 0, n_out or 0, started, True, schema)
            return text
        try:
            out = self.backend.complete(messages, settings, schema)
        except KitError as exc:
            self._record(kind, messages, settings, None, None, None, started, False, schema, error=str(exc))
            raise
        except KeyboardInterrupt as exc:  # Ctrl-C, Lab's ■: keep the text so far (in-process: the backend's)
            raise self._interrupted(kind, messages, settings, started, schema, exc,
                                    getattr(exc, "partial", "")) from None
        if cache is not None:
            cache.put(key, self.info.sha256, out.text, out.prompt_tokens, out.completion_tokens)
        self._record(kind, messages, settings, out.text, out.prompt_tokens, out.completion_tokens, started,
                     False, schema, reused=out.reused_tokens)
        return out.text

    # -- the interface -----------------------------------------------------------------------
    def chat(self, prompt_or_messages: str | Sequence[dict], *, system: str | None = None, **gen) -> str:
        """The model's answer to a prompt or a list of messages (greedy and seeded unless told otherwise).

        An interrupt (Ctrl-C, Lab's ■) raises :class:`kit.errors.Interrupted` (a KeyboardInterrupt) with the text
        so far in ``.partial``; the call is logged as interrupted, not cached, and the model stays usable.
        """
        messages, settings = self._prepare(prompt_or_messages, system, gen)
        return self._generate("chat", messages, settings, None)

    def stream(self, prompt_or_messages: str | Sequence[dict], *, system: str | None = None,
               **gen) -> Iterator[str]:
        """Yield the answer in pieces as they are generated (a cached answer comes as one piece).

        An interrupt while it generates raises :class:`kit.errors.Interrupted` from the generator, ``.partial``
        being what it yielded (logged as interrupted, not cached).
        """
        messages, settings = self._prepare(prompt_or_messages, system, gen)
        return self._stream(messages, settings)

    def _stream(self, messages: Messages, settings: Settings) -> Iterator[str]:
        started = time.perf_counter()
        cache = self._cache_for_call()
        key = cache_key(self.info.sha256, settings.as_dict(), messages, None) if cache is not None else None
        hit = cache.get(key) if cache is not None else None
        if hit is not None:
            self._record("stream", messages, settings, hit[0], hit[1] or 0, hit[2] or 0, started, True)
            yield hit[0]
            return
        parts: list[str] = []
        last = None
        with contextlib.closing(self.backend.stream(messages, settings)) as pieces:  # closed: the lock is freed
            try:
                for piece in pieces:
                    if piece.done:
                        last = piece
                    else:
                        parts.append(piece.text)
                        yield piece.text
            except KeyboardInterrupt as exc:
                raise self._interrupted("stream", messages, settings, started, None, exc, "".join(parts)) from None
        if last is not None:
            text = "".join(parts)
            if cache is not None:
                cache.put(key, self.info.sha256, text, last.prompt_tokens, last.completion_tokens)
            self._record("stream", messages, settings, text, last.prompt_tokens, last.completion_tokens,
                         started, False, reused=last.reused_tokens)

    def json(self, prompt_or_messages: str | Sequence[dict], schema: Any, *, system: str | None = None, **gen) -> Any:
        """Structured output: decoding is constrained by ``schema`` (a pydantic class or a JSON-schema dict).

        Returns a pydantic instance for a pydantic class, else the parsed JSON. Output that still
        fails validation (e.g. cut off by ``max_tokens``) raises :class:`kit.errors.ValidationError`
        carrying the raw text. Without ``system``, the schema is shown to the model in a system prompt. An
        interrupt raises :class:`kit.errors.Interrupted` with the raw JSON so far in ``.partial``.
        """
        json_schema = schemas.to_json_schema(schema)
        if system is None:  # small models fill fields far better when they can read the schema
            system = schemas.system_prompt(json_schema)
        messages, settings = self._prepare(prompt_or_messages, system, gen)
        raw = self._generate("json", messages, settings, json_schema)
        return schemas.validate(raw, schema, json_schema)
