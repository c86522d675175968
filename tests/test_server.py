"""The llama-server backend: same interface, real native server built from the vendored llama.cpp."""

from __future__ import annotations

import socket

import pytest

import kit
from kit import native, serve
from kit.errors import ContextOverflowError, ServerError

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


def test_overflow_names_the_slot_context(served):
    with pytest.raises(ContextOverflowError, match="2048"):
        served.chat("The council meets on Tuesday. " * 400, max_tokens=32)


def test_batch_helper_keeps_input_order(served):
    topics = ["bins", "parks", "libraries", "roads", "schools", "buses"]
    results = kit.map("Write one short sentence about {item}.", topics, model=served, max_tokens=24, progress=False)
    singles = [served.chat(f"Write one short sentence about {t}.", max_tokens=24) for t in topics[:2]]
    assert len(results) == len(topics) and results[:2] == singles


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
