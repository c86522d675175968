"""The server backend: llama.cpp's own OpenAI-compatible ``llama-server``, over HTTP on a URL the user gave."""

from __future__ import annotations

import json
import os
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlparse

from kit.errors import ContextOverflowError, KitError, ServerError
from kit.runtime.backends.base import Completion, Piece, Settings

DEFAULT_LOAD_WAIT_S = 300.0  # how long to wait for a server that says it is still loading its model


def load_wait_s() -> float:
    """``KIT_SERVER_WAIT`` seconds, else 300."""
    raw = os.environ.get("KIT_SERVER_WAIT", "").strip()
    try:
        return float(raw) if raw else DEFAULT_LOAD_WAIT_S
    except ValueError:
        raise ServerError(f"KIT_SERVER_WAIT={raw!r} is not a number of seconds.") from None


class _Loading(Exception):
    """The server answered 503: it is still loading its model."""


def _body(settings: Settings, messages: list[dict], schema: dict | None, stream: bool) -> dict[str, Any]:
    body: dict[str, Any] = {
        "messages": messages,
        **settings.sampling(),
        "stream": stream,
        "cache_prompt": True,
    }
    if settings.stop:
        body["stop"] = list(settings.stop)
    if schema is not None:
        body["response_format"] = {"type": "json_schema", "json_schema": {"name": "kit", "schema": schema}}
    if stream:
        body["stream_options"] = {"include_usage": True}
    return body


class ServerBackend:
    """A model served by a running ``llama-server`` (start one with ``kit serve``)."""

    name = "llama-server"

    def __init__(self, url: str, *, timeout: float = 600.0, load_wait: float | None = None, on_wait=None):
        parsed = urlparse(url)
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            raise ServerError(f"{url!r} is not a server URL. Give one like http://127.0.0.1:8080.")
        self.url = url.rstrip("/")
        self.timeout = timeout
        props = self._props_when_loaded(load_wait_s() if load_wait is None else load_wait, on_wait)
        settings = props.get("default_generation_settings", {})
        self.slots = int(props.get("total_slots", 1))
        self.n_ctx = int(settings.get("n_ctx") or props.get("n_ctx") or 0)
        self.model_path = props.get("model_path", "")
        self.build_info = props.get("build_info", "")

    def _props_when_loaded(self, wait: float, on_wait) -> dict:
        """``/props``, waiting (up to ``wait`` seconds) while the server answers 503 "Loading model"."""
        deadline = time.monotonic() + wait
        told = False
        while True:
            try:
                return self._request("GET", "/props", timeout=10, loading_ok=True)
            except _Loading:
                if time.monotonic() >= deadline:
                    raise ServerError(
                        f"llama-server at {self.url} was still loading its model after {wait:.0f}s. Wait for "
                        f"{self.url}/health to say ok, or allow longer with KIT_SERVER_WAIT=seconds."
                    ) from None
                if not told:
                    told = True
                    message = f"llama-server at {self.url} is loading its model; waiting up to {wait:.0f}s."
                    if on_wait is not None:
                        on_wait(message)
                    else:
                        import warnings

                        warnings.warn(message, stacklevel=4)
                time.sleep(0.25)

    def _open(self, method: str, route: str, body: dict | None, timeout: float | None, loading_ok: bool = False):
        data = json.dumps(body).encode("utf-8") if body is not None else None
        request = urllib.request.Request(
            self.url + route, data=data, method=method, headers={"Content-Type": "application/json"}
        )
        try:
            return urllib.request.urlopen(request, timeout=timeout or self.timeout)
        except urllib.error.HTTPError as exc:
            self._raise_http(exc, loading_ok)
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise ServerError(
                f"No llama-server answers at {self.url} ({reason}). Start one with `kit serve`, "
                "or check the URL (argument `url=` or KIT_SERVER_URL)."
            ) from None

    def _raise_http(self, exc: urllib.error.HTTPError, loading_ok: bool = False):
        try:
            error = json.loads(exc.read().decode("utf-8")).get("error", {})
        except ValueError:
            error = {}
        message = error.get("message", str(exc)) if isinstance(error, dict) else str(error)
        if exc.code == 503 and "loading" in message.lower():
            if loading_ok:
                raise _Loading() from None
            raise ServerError(f"llama-server at {self.url} is still loading its model (HTTP 503). "
                              f"Wait until {self.url}/health says ok, then try again.") from None
        if isinstance(error, dict) and error.get("type") == "exceed_context_size_error":
            raise KitError(f"The server's context ({self.n_ctx} tokens per slot) is too small: {message}") from None
        raise ServerError(f"llama-server at {self.url} refused the request (HTTP {exc.code}): {message}") from None

    def _request(self, method: str, route: str, body: dict | None = None, timeout: float | None = None,
                 loading_ok: bool = False) -> dict:
        with self._open(method, route, body, timeout, loading_ok) as response:
            return json.loads(response.read().decode("utf-8"))

    def describe(self) -> dict[str, Any]:
        # llama-server batches slots together and reuses each slot's cached prefix, so a prompt's numbers
        # depend on what ran before and beside it: the same request can come back different (the response
        # cache still makes re-runs identical). The in-process backend does not have this problem.
        return {"backend": self.name, "url": self.url, "slots": self.slots, "build": self.build_info,
                "deterministic": False}

    def count_tokens(self, text: str) -> int:
        return len(self._request("POST", "/tokenize", {"content": text, "add_special": False})["tokens"])

    def prompt_tokens(self, messages: list[dict]) -> int:
        return int(self._request("POST", "/v1/chat/completions/input_tokens", {"messages": messages})["input_tokens"])

    def complete(self, messages: list[dict], settings: Settings, schema: dict | None = None) -> Completion:
        out = self._request("POST", "/v1/chat/completions", _body(settings, messages, schema, stream=False))
        choice, usage = out["choices"][0], out.get("usage", {})
        return Completion(text=choice["message"].get("content") or "",
                          finish_reason=choice.get("finish_reason") or "stop", **_counts(usage))

    def stream(self, messages: list[dict], settings: Settings, schema: dict | None = None) -> Iterator[Piece]:
        usage: dict[str, Any] = {}
        finish = "stop"
        with self._open("POST", "/v1/chat/completions", _body(settings, messages, schema, stream=True), None) as resp:
            for raw in resp:
                line = raw.decode("utf-8").strip()
                if not line.startswith("data:"):
                    continue
                payload = line[5:].strip()
                if payload == "[DONE]":
                    break
                event = json.loads(payload)
                if "error" in event:
                    raise ServerError(f"llama-server at {self.url} failed mid-stream: {event['error']}")
                usage = event.get("usage") or usage
                for choice in event.get("choices", []):
                    text = choice.get("delta", {}).get("content")
                    if text:
                        yield Piece(text)
                    finish = choice.get("finish_reason") or finish
        yield Piece("", done=True, finish_reason=finish, **_counts(usage))

    def close(self) -> None:
        """Nothing to free here: the server keeps its model for other clients."""


def _counts(usage: dict[str, Any]) -> dict[str, int]:
    """Token counts from an OpenAI-style ``usage``; llama-server names the prompt tokens its slot reused
    ``prompt_tokens_details.cached_tokens``."""
    details = usage.get("prompt_tokens_details") or {}
    return {"prompt_tokens": int(usage.get("prompt_tokens", 0)),
            "completion_tokens": int(usage.get("completion_tokens", 0)),
            "reused_tokens": int(details.get("cached_tokens", 0) or 0)}


def raise_if_overflow(prompt_tokens: int, settings: Settings, n_ctx: int) -> None:
    """Raise :class:`ContextOverflowError` when prompt plus answer cannot fit in ``n_ctx``."""
    if n_ctx and prompt_tokens + settings.max_tokens > n_ctx:
        raise ContextOverflowError(prompt_tokens, settings.max_tokens, n_ctx)
