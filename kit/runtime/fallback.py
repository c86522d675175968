"""``kit.fallback``: a model that tries a llama-server first, then the in-process model, behind a circuit breaker."""

from __future__ import annotations

import http.client
import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

from kit.errors import ConfigError, KitError, NoModelAvailable, ServerError
from kit.model import ChatModel, Model, ModelInfo

HEALTH_TIMEOUT_S = 2.0
LocalModel = ChatModel | str | Callable[[], ChatModel] | None  # a loaded model, or a name or loader used on first need
# What a broken or unreachable server raises; anything else (a bad prompt, a schema the output does not
# match) is the caller's problem and is raised as it is, not hidden behind the next tier.
_TIER_FAILURES = (ServerError, OSError, ValueError, KeyError, IndexError, TypeError, http.client.HTTPException)
_NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))


@dataclass(frozen=True)
class Route:
    """Which tier served the last call, and why each higher tier was skipped (in words)."""

    tier: str  # "primary" | "local"
    skipped: tuple[str, ...] = ()


class CircuitBreaker:
    """Opens after ``failures`` failures in a row; after ``probe_after_s`` lets one probe through (half-open)."""

    def __init__(self, failures: int, probe_after_s: float, clock: Callable[[], float] = time.monotonic):
        self.failures, self.probe_after_s, self._clock = failures, probe_after_s, clock
        self._count = 0
        self._opened_at: float | None = None
        self._probing = False
        self._lock = threading.Lock()

    @property
    def state(self) -> str:
        """"closed", "open" or "half-open" (open, and the next call may probe)."""
        with self._lock:
            if self._opened_at is None:
                return "closed"
            return "half-open" if self._probing or self._due() else "open"

    def _due(self) -> bool:
        return self._clock() - self._opened_at >= self.probe_after_s

    def allow(self) -> tuple[bool, str]:
        """(whether to try the tier now, the reason when not)."""
        with self._lock:
            if self._opened_at is None:
                return True, ""
            if self._probing:
                return False, "a probe of it is already in flight"
            if self._due():
                self._probing = True
                return True, ""
            wait = self.probe_after_s - (self._clock() - self._opened_at)
            return False, (f"circuit open after {self._count} failures in a row; "
                           f"next probe in {max(wait, 0.0):.0f} s")

    def success(self) -> None:
        """The tier answered: close the circuit."""
        with self._lock:
            self._count, self._opened_at, self._probing = 0, None, False

    def release(self) -> None:
        """The call failed for a reason that says nothing about the tier: end a probe, change nothing else."""
        with self._lock:
            self._probing = False

    def failure(self) -> None:
        """The tier failed: count it, and open (or re-open after a failed probe) the circuit."""
        with self._lock:
            self._count += 1
            if self._probing or self._count >= self.failures:
                self._opened_at = self._clock()
            self._probing = False


def check_url(url: str) -> str:
    """``url`` without a trailing slash, or ConfigError when it is not an http(s) server address."""
    if not isinstance(url, str) or any(ch.isspace() for ch in url.strip()):
        raise ConfigError(f"The primary server {url!r} is not a URL. Give one like http://127.0.0.1:8080.")
    parsed = urlparse(url.strip())
    try:
        port_ok = parsed.port is None or 0 < parsed.port < 65536
    except ValueError:
        port_ok = False
    if parsed.scheme not in ("http", "https") or not parsed.hostname or not port_ok:
        raise ConfigError(f"The primary server {url!r} is not a URL. Give one like http://127.0.0.1:8080 "
                          "(the address `kit serve` prints).")
    return url.strip().rstrip("/")


def health(url: str, timeout: float = HEALTH_TIMEOUT_S) -> str | None:
    """None when ``url``/health says ok; else why not, in words."""
    try:
        with _NO_PROXY.open(url + "/health", timeout=timeout) as response:
            body = response.read()
    except urllib.error.HTTPError as exc:
        return f"its health check answered HTTP {exc.code} (still loading, or failing)"
    except (urllib.error.URLError, OSError, http.client.HTTPException) as exc:
        return f"its health check failed ({_why(exc, timeout)})"
    try:
        status = json.loads(body or b"{}").get("status")
    except (ValueError, AttributeError):
        return f"its health check answered HTTP 200 with a body that is not JSON ({body[:40]!r})"
    return None if status == "ok" else f"its health check says status {status!r}, not 'ok'"


def _why(exc: BaseException, timeout: float) -> str:
    reason = getattr(exc, "reason", exc)
    if isinstance(reason, TimeoutError) or "timed out" in str(reason):
        return f"no answer within {timeout:g} s"
    if isinstance(exc, ValueError):
        return f"it answered with something that is not the JSON llama-server sends ({exc})"
    if isinstance(exc, (KeyError, IndexError, TypeError)):
        return f"its answer lacked the fields llama-server sends ({type(exc).__name__}: {exc})"
    return str(reason).strip() or type(exc).__name__


class FallbackChain:
    """A model-like object (chat, stream, json, count_tokens) that routes each call to the first tier that answers."""

    def __init__(self, primary_url: str | None, local_model: LocalModel = None, *, timeout_s: float = 10.0,
                 failures: int = 3, probe_after_s: float = 30.0, clock: Callable[[], float] = time.monotonic):
        for name, value in (("timeout_s", timeout_s), ("probe_after_s", probe_after_s)):
            if not isinstance(value, (int, float)) or value <= 0:
                raise ConfigError(f"{name}={value!r}: give a number of seconds above 0.")
        if not isinstance(failures, int) or failures < 1:
            raise ConfigError(f"failures={failures!r}: give a whole number of failures, 1 or more.")
        self.primary_url = check_url(primary_url) if primary_url is not None else None
        self.timeout_s = float(timeout_s)
        self.breaker = CircuitBreaker(failures, probe_after_s, clock)
        self._local, self._loader = None, None
        if isinstance(local_model, str):  # a model name: loaded on first need
            self._loader = lambda: _load(local_model)
        elif callable(local_model) and not hasattr(local_model, "chat"):  # a function that loads one
            self._loader = local_model
        else:
            self._local = local_model
        self._owns_local = False
        self._primary: Model | None = None
        self._lock = threading.Lock()
        self.last_route: Route | None = None

    def __repr__(self) -> str:
        return f"<kit.fallback {self.primary_url or 'no primary'} -> {'local model' if self.has_local else 'none'}>"

    @property
    def breaker_state(self) -> str:
        """The primary's circuit: "closed", "open" or "half-open"."""
        return self.breaker.state

    @property
    def has_local(self) -> bool:
        """Whether a local model tier is configured."""
        return self._local is not None or self._loader is not None

    @property
    def parallel(self) -> int:
        """One call at a time: the tiers behind a chain may differ in slots."""
        return 1

    # -- the tiers --------------------------------------------------------------------------------------
    def _connect(self) -> Model:
        """The primary as a kit model, after a /health check: a dead or hung server fails within a couple of
        seconds with a clear reason, so ``timeout_s`` can allow for long answers."""
        problem = health(self.primary_url, min(self.timeout_s, HEALTH_TIMEOUT_S))
        if problem:
            raise ServerError(problem)
        with self._lock:
            if self._primary is not None:
                return self._primary
        import kit

        model = kit.load_model(url=self.primary_url, cache=False)  # uncached, so a route always names who answered
        model.backend.timeout = self.timeout_s
        with self._lock:
            self._primary = model
        return model

    def _local_model(self) -> ChatModel | None:
        if self._local is None and self._loader is not None:
            self._local, self._owns_local = self._loader(), True
        return self._local

    def _call(self, action: Callable[[Any], Any]) -> Any:
        skipped: list[str] = []
        if self.primary_url is None:
            skipped.append("primary: no primary server URL was given")
        else:
            allowed, why = self.breaker.allow()
            if not allowed:
                skipped.append(f"primary {self.primary_url}: {why}")
            else:
                try:
                    result = action(self._connect())
                except _TIER_FAILURES as exc:
                    with self._lock:
                        self._primary = None  # reconnect (health check first) next time
                    self.breaker.failure()
                    skipped.append(f"primary {self.primary_url}: {_why(exc, self.timeout_s)}")
                except BaseException:
                    self.breaker.release()  # the call itself was at fault (a bad prompt, say), not the server
                    self.last_route = Route("primary")  # it was the primary that answered (badly)
                    raise
                else:
                    self.breaker.success()
                    self.last_route = Route("primary")
                    return result
        if not self.has_local:
            skipped.append("local: no local model was given")
            self.last_route = None
            raise NoModelAvailable(tuple(skipped))
        try:
            local = self._local_model()
        except KitError as exc:  # not found, not a GGUF, failed to load...
            skipped.append(f"local: the model could not be loaded ({exc})")
            self.last_route = None
            raise NoModelAvailable(tuple(skipped)) from None
        self.last_route = Route("local", tuple(skipped))  # set first: also true if the call raises
        return action(local)

    # -- the model interface ----------------------------------------------------------------------------
    def chat(self, prompt_or_messages: Any, *, system: str | None = None, **gen: Any) -> str:
        """The first available tier's answer (see ``last_route`` for which one)."""
        return self._call(lambda model: model.chat(prompt_or_messages, system=system, **gen))

    def json(self, prompt_or_messages: Any, schema: Any, *, system: str | None = None, **gen: Any) -> Any:
        """Structured output from the first available tier (as ``Model.json``)."""
        return self._call(lambda model: model.json(prompt_or_messages, schema, system=system, **gen))

    def stream(self, prompt_or_messages: Any, *, system: str | None = None, **gen: Any) -> Iterator[str]:
        """Stream from the first tier that yields a first piece; a failure after that is raised."""

        def first(model: ChatModel) -> Iterator[str]:
            pieces = iter(model.stream(prompt_or_messages, system=system, **gen))
            head = next(pieces, None)
            return iter(()) if head is None else _chain(head, pieces)

        return self._call(first)

    def count_tokens(self, text: str) -> int:
        """Token count from the first available tier."""
        return self._call(lambda model: model.count_tokens(text))

    def chunk(self, text: str, max_tokens: int) -> list[str]:
        """Split text on paragraph/sentence boundaries by this chain's token count."""
        from kit.chunking import chunk_text

        return chunk_text(text, max_tokens, self.count_tokens)

    @property
    def info(self) -> ModelInfo | None:
        """The ModelInfo of the tier that served last (the local model's before any call)."""
        tier = self.last_route.tier if self.last_route else "local"
        model = self._primary if tier == "primary" else self._local
        return model.info if model is not None else None

    def close(self) -> None:
        """Close a local model this chain loaded itself (a model you passed in stays yours to close)."""
        if self._owns_local and hasattr(self._local, "close"):
            self._local.close()
        if self._owns_local:
            self._local, self._owns_local = None, False

    def __enter__(self) -> FallbackChain:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def _load(name: str) -> Any:
    import kit

    return kit.load_model(name)


def _chain(head: str, rest: Iterator[str]) -> Iterator[str]:
    yield head
    yield from rest


def fallback(primary_url: str | None, local_model: LocalModel = None, *, timeout_s: float = 10.0, failures: int = 3,
             probe_after_s: float = 30.0) -> FallbackChain:
    """A model that asks the llama-server at ``primary_url`` first and the local model when it cannot.

    Each call tries the primary (a /health check bounded by 2 s, then the request bounded by ``timeout_s``,
    which should allow for the longest answer); ``failures`` failures in a row open a circuit breaker, so
    later calls go straight to ``local_model`` (a loaded model; or a model name, or a function returning a
    model, loaded on first need) without paying for the check; after ``probe_after_s`` one call probes again.
    ``chain.last_route`` says which tier answered and why the primary was skipped. Raises ConfigError
    for a URL that is not a URL; calls raise NoModelAvailable when no tier can answer.
    """
    return FallbackChain(primary_url, local_model, timeout_s=timeout_s, failures=failures,
                         probe_after_s=probe_after_s)
