"""The llama-server backend: same interface, real native server built from the vendored llama.cpp."""

from __future__ import annotations

import json
import socket
import subprocess
import threading
import time
import warnings
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

import kit
from kit import serve
from kit.errors import ContextOverflowError, ServerError
from kit.runtime import native

pytestmark = pytest.mark.server


@pytest.fixture(scope="module")
def server():
    if native.tool_path("llama-server") is None:
        pytest.fail("llama-server is not built: run `make install` (or `kit build-server`) first.")
    with serve.start(parallel=4, n_ctx=2048) as running:
        yield running


@pytest.fixture()
def served(server):
    with kit.load_model(url=server.url, cache=False, log=False) as model:
        yield model


def test_server_model_reports_itself(served, server):
    assert served.info.backend == "llama-server"
    assert served.info.context_size == 2048 and served.parallel == 4
    assert served.info.sha256 == kit.load_model(cache=False, log=False).info.sha256  # same file, same identity


def test_chat_stream_json_and_tokens(served):
    answer = served.chat("Name a large city in Wales.", max_tokens=12)
    assert answer.strip() and served.chat("Name a large city in Wales.", max_tokens=12) == answer
    assert "".join(served.stream("Name a large city in Wales.", max_tokens=12)) == answer
    result = served.json("Is a burst pipe urgent?", {"type": "object", "properties": {"urgent": {"type": "boolean"}},
                                                     "required": ["urgent"]}, max_tokens=16)
    assert isinstance(result["urgent"], bool)
    assert served.count_tokens("Council Tax reminder") == kit.load_model(cache=False, log=False).count_tokens(
        "Council Tax reminder")


def test_the_server_reports_the_prefix_its_slot_reused(served):
    system = "You answer questions for a county council in short plain sentences. " * 12
    served.chat("What is council tax?", system=system, max_tokens=4)
    served.chat("What are bin days?", system=system, max_tokens=4)
    last = served.last
    assert last.reused_tokens > 0 and 0 < last.new_tokens < last.prompt_tokens


def test_overflow_names_the_slot_context(served):
    with pytest.raises(ContextOverflowError, match="2048"):
        served.chat("The council meets on Tuesday. " * 400, max_tokens=32)


def test_batch_helper_keeps_input_order(served):
    topics = ["bins", "parks", "libraries", "roads", "schools", "buses"]
    results = kit.map("Write one short sentence about {item}.", topics, model=served, max_tokens=24, progress=False)
    assert len(results) == len(topics) and all(isinstance(text, str) and text.strip() for text in results)
    # Which answer belongs to which item is checked without comparing model text: llama-server batches slots
    # together, and a batched answer may differ from a single one on another CPU's build (deterministic: False).
    asked = kit.map(lambda topic: (topic, served.chat(f"Write one short sentence about {topic}.", max_tokens=8)),
                    topics, model=served, progress=False)
    assert [topic for topic, _ in asked] == topics


def test_env_var_selects_the_server(server, monkeypatch):
    monkeypatch.setenv("KIT_SERVER_URL", server.url)
    with kit.load_model(cache=False, log=False) as model:
        assert model.info.backend == "llama-server"


def test_url_that_does_not_answer():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(ServerError, match=f"No llama-server answers at http://127.0.0.1:{port}.*kit serve"):
        kit.load_model(url=f"http://127.0.0.1:{port}")


def test_not_a_url():
    with pytest.raises(ServerError, match="not a server URL"):
        kit.load_model(url="localhost-8080")


def test_port_in_use_is_a_clear_error(server):
    port = int(server.url.rsplit(":", 1)[1])
    with pytest.raises(ServerError, match=f"Port {port} .* already in use"):
        serve.start(port=port)


class _LoadingServer:
    """A stand-in that answers 503 "Loading model" (llama-server's exact body) ``loading_for`` times, then /props."""

    def __init__(self, loading_for: int, props: dict):
        state = {"left": loading_for, "calls": 0}

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                state["calls"] += 1
                if state["left"] > 0:
                    state["left"] -= 1
                    body = {"error": {"code": 503, "message": "Loading model", "type": "unavailable_error"}}
                    self._send(503, body)
                else:
                    self._send(200, props)

            def _send(self, code, body):
                data = json.dumps(body).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.state = state
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def test_a_server_still_loading_is_waited_for(server):
    from kit.runtime.backends.server import ServerBackend

    props = json.loads(__import__("urllib.request").request.urlopen(server.url + "/props").read())
    fake = _LoadingServer(loading_for=3, props=props)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            backend = ServerBackend(fake.url, load_wait=10)
        assert backend.slots == 4 and fake.state["calls"] == 4
        assert any("is loading its model; waiting up to 10s" in str(w.message) for w in caught)
    finally:
        fake.close()


def test_a_server_that_keeps_loading_fails_clearly(monkeypatch):
    fake = _LoadingServer(loading_for=10**6, props={})
    monkeypatch.setenv("KIT_SERVER_WAIT", "1")
    try:
        started = time.monotonic()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with pytest.raises(ServerError, match=r"still loading its model after 1s.*/health.*KIT_SERVER_WAIT"):
                kit.load_model(url=fake.url)
        assert time.monotonic() - started < 5
    finally:
        fake.close()


def test_connecting_while_the_real_server_starts(tmp_path):
    """Connect as soon as the port opens, before /health is ok: the kit waits instead of failing."""
    from kit.runtime import models

    port = serve.free_port()
    cmd = serve.command(native.tool_path("llama-server"), models.resolve(None).path, "127.0.0.1", port, 1, 1024, 1, 0)
    with (tmp_path / "server.log").open("w") as log:
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.01)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with kit.load_model(url=f"http://127.0.0.1:{port}", cache=False, log=False) as model:
                assert model.chat("Say hi.", max_tokens=4).strip()
                assert model.info.details["deterministic"] is False
    finally:
        proc.terminate()
        proc.wait(10)
