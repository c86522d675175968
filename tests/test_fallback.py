"""kit.fallback's routing and circuit breaker, against small real HTTP servers that misbehave on purpose.

The local tier here is the scripted FakeModel (routing is pure logic); tests/test_offline_fallback.py runs
the same chain with a real llama-server and the real embedded model.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from fakes import FakeModel

import kit
from kit.errors import ConfigError, KitError, PromptError
from kit.errors import NoModelAvailable
from kit.runtime.fallback import CircuitBreaker, Route, fallback


class Clock:
    """A clock the test moves by hand."""

    def __init__(self):
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@contextlib.contextmanager
def http_server(routes: dict[str, tuple[int, bytes]]):
    """A real HTTP server on 127.0.0.1 answering each path with (status, body); other paths: 200 garbage."""

    class Handler(BaseHTTPRequestHandler):
        def _answer(self):
            status, body = routes.get(self.path, (200, b"<html>Gateway portal: please log in</html>"))
            length = int(self.headers.get("Content-Length") or 0)
            self.rfile.read(length)
            self.send_response(status)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = _answer

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@contextlib.contextmanager
def silent_port():
    """A port that accepts connections (the kernel's backlog) and never answers: a hung server."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(64)
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"


def dead_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}"


def echo() -> FakeModel:
    return FakeModel(replies=lambda messages: "local: " + messages[-1]["content"])


# -- bad input --------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("url", ["localhost-8080", "127.0.0.1:8080", "ftp://127.0.0.1", "http://", "http://a b",
                                 "http://127.0.0.1:99999", ""])
def test_a_primary_that_is_not_a_url_is_refused_at_construction(url):
    with pytest.raises(ConfigError, match=r"is not a URL\. Give one like http://127\.0\.0\.1:8080"):
        fallback(url, echo())


@pytest.mark.parametrize("options", [{"timeout_s": 0}, {"failures": 0}, {"probe_after_s": -1}, {"failures": 2.5}])
def test_bad_settings_are_refused(options):
    with pytest.raises(ConfigError):
        fallback("http://127.0.0.1:8080", echo(), **options)


def test_a_primary_answering_garbage_json_is_a_failure_of_that_tier():
    with http_server({}) as url:  # HTTP 200 with HTML everywhere, /health included
        chain = fallback(url, echo(), failures=2)
        assert chain.chat("Where is the downtime box?") == "local: Where is the downtime box?"
    assert chain.last_route.tier == "local"
    (reason,) = chain.last_route.skipped
    assert reason.startswith(f"primary {url}:") and "HTTP 200 with a body that is not JSON" in reason


def test_a_healthy_looking_primary_whose_completions_are_garbage_falls_through():
    routes = {"/health": (200, b'{"status": "ok"}'),
              "/props": (200, b'{"default_generation_settings": {"n_ctx": 2048}, "total_slots": 1, '
                              b'"model_path": "/nowhere/m.gguf"}'),
              "/v1/chat/completions/input_tokens": (200, b'{"input_tokens": 5}'),
              "/v1/chat/completions": (200, b"{not json at all")}
    with http_server(routes) as url:
        chain = fallback(url, echo(), failures=2)
        assert chain.chat("Is the lab open?") == "local: Is the lab open?"
        assert "not the JSON llama-server sends" in chain.last_route.skipped[0]
        routes["/v1/chat/completions"] = (200, b'{"object": "chat.completion"}')  # JSON, but no choices
        chain.chat("Is the lab open?")
        assert "lacked the fields llama-server sends" in chain.last_route.skipped[0]
        assert chain.breaker_state == "open"


def test_a_primary_in_http_error_says_so():
    with http_server({"/health": (503, b'{"error": {"message": "Loading model"}}')}) as url:
        chain = fallback(url, echo())
        chain.chat("hello")
    assert "health check answered HTTP 503" in chain.last_route.skipped[0]


# -- routing ----------------------------------------------------------------------------------------------------
def test_no_tier_at_all_raises_no_model_available_listing_each_reason():
    chain = fallback(dead_url(), None)
    with pytest.raises(NoModelAvailable, match=r"Connection refused.*local: no local model was given.*kit serve"):
        chain.chat("hello")
    assert chain.last_route is None
    assert issubclass(NoModelAvailable, KitError)
    with pytest.raises(NoModelAvailable, match="no primary server URL"):
        fallback(None).chat("hello")


def test_without_a_primary_the_local_model_serves_and_says_why():
    chain = fallback(None, echo())
    assert chain.chat("hi") == "local: hi"
    assert chain.last_route == Route("local", ("primary: no primary server URL was given",))


def test_the_callers_errors_are_raised_not_hidden_behind_the_next_tier():
    local = echo()
    chain = fallback(None, local)
    with pytest.raises(PromptError):
        chain.chat("   ")
    assert local.calls == []


def test_the_breaker_stops_paying_the_timeout_then_probes_again():
    clock, local = Clock(), echo()
    with silent_port() as url:
        chain = fallback(url, local, timeout_s=0.3, failures=2, probe_after_s=30)
        chain.breaker._clock = clock
        costs, reasons = [], []
        for i in range(5):
            started = time.monotonic()
            assert chain.chat(f"question {i}") == f"local: question {i}"
            costs.append(time.monotonic() - started)
            reasons.append(chain.last_route.skipped[0])
        assert all(cost >= 0.25 for cost in costs[:2]), costs  # the first two pay the timeout...
        assert all(cost < 0.1 for cost in costs[2:]), costs  # ...then the circuit is open
        assert all("no answer within 0.3 s" in reason for reason in reasons[:2]), reasons
        assert chain.breaker_state == "open"
        assert "circuit open after 2 failures in a row; next probe in 30 s" in chain.last_route.skipped[0]
        clock.now += 31
        assert chain.breaker_state == "half-open"
        started = time.monotonic()
        chain.chat("probe")
        assert time.monotonic() - started >= 0.25  # one probe pays the timeout once...
        assert chain.breaker_state == "open"  # ...fails, and opens the circuit again at once
        started = time.monotonic()
        chain.chat("after the probe")
        assert time.monotonic() - started < 0.1


def test_breaker_states():
    clock = Clock()
    breaker = CircuitBreaker(failures=3, probe_after_s=10, clock=clock)
    assert breaker.state == "closed" and breaker.allow() == (True, "")
    breaker.failure(), breaker.failure()
    assert breaker.state == "closed"
    breaker.success()
    breaker.failure(), breaker.failure()
    assert breaker.state == "closed"  # the success reset the count
    breaker.failure()
    allowed, why = breaker.allow()
    assert breaker.state == "open" and not allowed and "next probe in 10 s" in why
    clock.now += 10
    assert breaker.allow() == (True, "") and breaker.state == "half-open"
    assert breaker.allow() == (False, "a probe of it is already in flight")
    breaker.success()
    assert breaker.state == "closed"


def test_kit_fallback_is_the_chain_builder():
    chain = kit.fallback(None, echo())
    assert chain.chat("x") == "local: x"
    assert kit.fallback is fallback


def test_a_local_model_given_as_a_loader_is_loaded_only_when_the_primary_fails():
    reply = (b'{"choices": [{"message": {"content": "primary says hi"}, "finish_reason": "stop"}], '
             b'"usage": {"prompt_tokens": 3, "completion_tokens": 3}}')
    routes = {"/health": (200, b'{"status": "ok"}'),
              "/props": (200, b'{"default_generation_settings": {"n_ctx": 2048}, "total_slots": 1}'),
              "/v1/chat/completions/input_tokens": (200, b'{"input_tokens": 3}'),
              "/tokenize": (200, b'{"tokens": [1, 2]}'),
              "/v1/chat/completions": (200, reply)}
    loads = []

    def loader():
        loads.append(1)
        return echo()

    with http_server(routes) as url:
        chain = fallback(url, loader)
        assert chain.chat("hi") == "primary says hi" and chain.last_route == Route("primary")
        assert chain.count_tokens("two words") == 2 and loads == []
        routes["/v1/chat/completions"] = (500, b'{"error": {"message": "out of memory"}}')
        assert chain.chat("hi") == "local: hi"
        assert "refused the request (HTTP 500): out of memory" in chain.last_route.skipped[0]
        chain.chat("again")
    assert loads == [1]  # loaded once, on first need
    chain.close()


def test_a_local_model_that_cannot_load_is_a_reason_not_a_crash(tmp_path):
    chain = fallback(None, str(tmp_path / "missing.gguf"))
    with pytest.raises(NoModelAvailable, match=r"local: the model could not be loaded \(.*missing\.gguf"):
        chain.chat("hello")


def test_the_route_names_the_tier_even_when_its_answer_is_rejected():
    from kit.errors import ValidationError

    class Picky(FakeModel):
        def json(self, *args, **kwargs):
            raise ValidationError("The model's output does not match the schema", "{")

    chain = fallback(None, Picky())
    with pytest.raises(ValidationError):
        chain.json("q", {"type": "object"})
    assert chain.last_route.tier == "local"
