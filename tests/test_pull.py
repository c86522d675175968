"""Downloads against a real local HTTP server: resume, checksums, errors; and model verification."""

from __future__ import annotations

import hashlib
import socket
import threading
import time
from collections import namedtuple
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from kit.errors import ConfigError, DownloadError, ModelNotFoundError, UnknownModelError
from kit.runtime import catalog, download, models, pull
from kit.runtime.catalog import CatalogEntry

DATA = b"GGUF" + bytes(range(256)) * 1200  # ~300 KB: several reads, well under a second
SHA = hashlib.sha256(DATA).hexdigest()
REPO = "test-org/Test-GGUF"
FILENAME = "test-model.gguf"
FILE_PATH = f"/{REPO}/resolve/main/{FILENAME}"


def _entry(**changes) -> CatalogEntry:
    fields = dict(
        name="test-model",
        title="Test model",
        repo=REPO,
        filename=FILENAME,
        size_bytes=len(DATA),
        sha256=SHA,
        licence="Test",
        context_length=2048,
        ram_gb=0.1,
        quantization="Q4_K_M",
    )
    return CatalogEntry(**{**fields, **changes})


@pytest.fixture(autouse=True)
def _isolated(tmp_path, monkeypatch):
    """Keep every write in a temporary folder and every download away from the real internet."""
    monkeypatch.setenv("KIT_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("KIT_MODELS_DIR", str(tmp_path / "models"))
    monkeypatch.delenv("KIT_HF_ENDPOINT", raising=False)
    monkeypatch.delenv("HF_ENDPOINT", raising=False)


@pytest.fixture
def use_catalog(monkeypatch):
    """Replace the catalog with the given entries (``kit.runtime.catalog.get_entry`` reads through it)."""

    def install(*entries: CatalogEntry) -> None:
        monkeypatch.setattr(catalog, "load_catalog", lambda: {e.name: e for e in entries})

    install(_entry())
    return install


Request = namedtuple("Request", "path range")


class _Server:
    """What the test server serves and what it saw."""

    def __init__(self):
        self.files = {FILE_PATH: DATA}
        self.requests: list[Request] = []
        self.bytes_sent = 0
        self.ignore_range = False
        self.drop_after: int | None = None  # send only this many body bytes, then hang up
        self.send_length = True  # False: no Content-Length, the body ends when the connection closes
        self.status_for: dict[str, int] = {}
        self.redirects: dict[str, str] = {}


@pytest.fixture
def server():
    """A real HTTP server on 127.0.0.1 that honours Range requests (unless told not to)."""
    state = _Server()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):  # keep test output clean
            pass

        def do_GET(self):
            state.requests.append(Request(self.path, self.headers.get("Range")))
            if self.path in state.redirects:
                self.send_response(302)
                self.send_header("Location", state.redirects[self.path])
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            if self.path in state.status_for:
                self.send_error(state.status_for[self.path])
                return
            data = state.files.get(self.path)
            if data is None:
                self.send_error(404)
                return
            wanted = self.headers.get("Range")
            if wanted and not state.ignore_range:
                start = int(wanted.removeprefix("bytes=").split("-")[0])
                if start >= len(data):
                    self.send_response(416)
                    self.send_header("Content-Range", f"bytes */{len(data)}")
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                body = data[start:]
                self.send_response(206)
                self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
            else:
                body = data
                self.send_response(200)
            if state.send_length:
                self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if state.drop_after is not None:
                body = body[: state.drop_after]
            state.bytes_sent += len(body)  # counted first: the client may finish before write() returns
            self.wfile.write(body)

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{httpd.server_address[1]}"
    yield state
    httpd.shutdown()
    httpd.server_close()
    thread.join()


def _closed_port() -> int:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return port


def _models() -> Path:
    from kit import paths

    return paths.models_dir()


def test_full_download_is_verified_and_renamed(server, use_catalog, capsys):
    path = pull.pull("test-model", endpoint=server.url, progress=False)
    assert path == _models() / FILENAME
    assert path.read_bytes() == DATA
    assert not (_models() / f"{FILENAME}.part").exists()
    assert server.requests == [Request(FILE_PATH, None)]
    assert capsys.readouterr().out == ""


def test_progress_bar_goes_to_stderr_only(server, use_catalog, capsys):
    pull.pull("test-model", endpoint=server.url, progress=True)
    captured = capsys.readouterr()
    assert captured.out == ""
    assert FILENAME in captured.err


def test_resumes_a_partial_download_with_a_range_request(server, use_catalog):
    (_models() / f"{FILENAME}.part").write_bytes(DATA[:100_000])
    path = pull.pull("test-model", endpoint=server.url, progress=False)
    assert path.read_bytes() == DATA
    assert server.requests == [Request(FILE_PATH, "bytes=100000-")]
    assert server.bytes_sent == len(DATA) - 100_000


def test_resume_survives_a_redirect_to_storage(server, use_catalog):
    # Hugging Face answers /resolve/ with a redirect to its storage; the Range header must follow it.
    server.files = {"/storage/blob": DATA}
    server.redirects = {FILE_PATH: "/storage/blob"}
    (_models() / f"{FILENAME}.part").write_bytes(DATA[:1234])
    path = pull.pull("test-model", endpoint=server.url, progress=False)
    assert path.read_bytes() == DATA
    assert server.requests == [Request(FILE_PATH, "bytes=1234-"), Request("/storage/blob", "bytes=1234-")]
    assert server.bytes_sent == len(DATA) - 1234


def test_server_that_ignores_range_starts_over(server, use_catalog):
    server.ignore_range = True
    (_models() / f"{FILENAME}.part").write_bytes(b"junk that must not survive" * 100)
    path = pull.pull("test-model", endpoint=server.url, progress=False)
    assert path.read_bytes() == DATA
    assert server.requests[0].range is not None
    assert server.bytes_sent == len(DATA)


def test_dropped_connection_keeps_the_part_and_the_next_pull_resumes(server, use_catalog):
    server.drop_after = 50_000
    with pytest.raises(DownloadError, match="run `kit models pull test-model` again to resume"):
        pull.pull("test-model", endpoint=server.url, progress=False)
    assert (_models() / f"{FILENAME}.part").stat().st_size == 50_000

    server.drop_after = None
    path = pull.pull("test-model", endpoint=server.url, progress=False)
    assert path.read_bytes() == DATA
    assert server.requests[-1].range == "bytes=50000-"


# a mirror that serves the wrong file: refused at once, nothing kept, the same answer every time

WRONG = DATA[: len(DATA) - 4321]  # a different, complete file (what a mirror of another build serves)


def _assert_wrong_file(message: str, size: int) -> None:
    assert "serves the wrong file" in message and "Nothing was kept" in message
    assert f"{size:,} bytes" in message and f"{len(DATA):,} bytes" in message  # both sizes named
    assert "resume" not in message and "kit models add PATH --name test-model" in message


def test_a_mirror_serving_a_complete_file_of_another_size_is_refused_and_nothing_kept(server, use_catalog):
    server.files = {FILE_PATH: WRONG}
    for _ in range(2):  # running again gives the same answer, not another download to "resume"
        with pytest.raises(DownloadError) as info:
            pull.pull("test-model", endpoint=server.url, progress=False)
        _assert_wrong_file(str(info.value), len(WRONG))
        assert list(_models().iterdir()) == []
    assert [r.range for r in server.requests] == [None, None]


@pytest.mark.parametrize("data", [WRONG, DATA + b"extra bytes"], ids=["shorter", "longer"])
def test_a_wrong_file_sent_without_a_length_is_refused_when_it_ends(server, use_catalog, data):
    server.files, server.send_length = {FILE_PATH: data}, False  # the body ends when the server hangs up
    with pytest.raises(DownloadError) as info:
        pull.pull("test-model", endpoint=server.url, progress=False)
    _assert_wrong_file(str(info.value), len(data) if data is WRONG else len(DATA) + len(b"extra bytes"))
    assert list(_models().iterdir()) == []


def test_a_server_ignoring_range_with_a_file_of_another_size_keeps_nothing(server, use_catalog):
    server.files, server.ignore_range = {FILE_PATH: WRONG}, True
    (_models() / f"{FILENAME}.part").write_bytes(DATA[:100_000])  # a genuine part from an earlier pull
    with pytest.raises(DownloadError) as info:
        pull.pull("test-model", endpoint=server.url, progress=False)
    _assert_wrong_file(str(info.value), len(WRONG))
    assert server.requests[0].range == "bytes=100000-"
    assert list(_models().iterdir()) == []


def test_checksum_mismatch_removes_the_download(server, use_catalog):
    wrong = "0" * 64
    use_catalog(_entry(sha256=wrong))
    with pytest.raises(DownloadError) as info:
        pull.pull("test-model", endpoint=server.url, progress=False)
    message = str(info.value)
    assert wrong in message and SHA in message
    assert "removed" in message
    assert list(_models().iterdir()) == []


def test_416_for_a_part_the_server_calls_complete_is_then_checked(server, use_catalog):
    use_catalog(_entry(size_bytes=len(DATA) + 10))  # the catalog expects more than the server has
    (_models() / f"{FILENAME}.part").write_bytes(DATA)
    with pytest.raises(DownloadError, match=f"{len(DATA) + 10:,} bytes"):
        pull.pull("test-model", endpoint=server.url, progress=False)
    assert server.requests == [Request(FILE_PATH, f"bytes={len(DATA)}-")]
    assert not (_models() / f"{FILENAME}.part").exists()


def test_complete_part_is_finished_without_a_request(use_catalog):
    (_models() / f"{FILENAME}.part").write_bytes(DATA)
    path = pull.pull("test-model", endpoint=f"http://127.0.0.1:{_closed_port()}", progress=False)
    assert path.read_bytes() == DATA


def test_unreachable_endpoint_fails_fast_and_says_how_to_fix_it(use_catalog):
    started = time.monotonic()
    with pytest.raises(DownloadError) as info:
        pull.pull("test-model", endpoint=f"http://127.0.0.1:{_closed_port()}", progress=False, timeout=3)
    assert time.monotonic() - started < 5
    message = str(info.value)
    assert "127.0.0.1" in message
    assert "KIT_HF_ENDPOINT" in message and "kit models add PATH --name test-model" in message


def test_404_names_the_url(server, use_catalog):
    use_catalog(_entry(filename="missing.gguf"))
    with pytest.raises(DownloadError) as info:
        pull.pull("test-model", endpoint=server.url, progress=False)
    assert "404" in str(info.value)
    assert f"{server.url}/{REPO}/resolve/main/missing.gguf" in str(info.value)


@pytest.mark.parametrize("status", [401, 403])
def test_gated_repo_says_to_accept_the_licence(server, use_catalog, status):
    server.status_for[FILE_PATH] = status
    with pytest.raises(DownloadError) as info:
        pull.pull("test-model", endpoint=server.url, progress=False)
    message = str(info.value)
    assert f"HTTP {status}" in message and "licence" in message
    assert f"{server.url}/{REPO}" in message


def test_already_downloaded_returns_without_a_request(server, use_catalog):
    (_models() / FILENAME).write_bytes(DATA)
    path = pull.pull("test-model", endpoint=server.url, progress=False)
    assert path == _models() / FILENAME
    assert server.requests == []


def test_existing_file_that_does_not_match_is_left_alone_and_reported(server, use_catalog):
    (_models() / FILENAME).write_bytes(DATA[:-1] + b"X")
    with pytest.raises(DownloadError, match="already exists but does not match"):
        pull.pull("test-model", endpoint=server.url, progress=False)
    assert (_models() / FILENAME).read_bytes() == DATA[:-1] + b"X"
    assert server.requests == []


def test_dest_dir_overrides_the_models_folder(server, use_catalog, tmp_path):
    path = pull.pull("test-model", endpoint=server.url, dest_dir=tmp_path / "elsewhere", progress=False)
    assert path == tmp_path / "elsewhere" / FILENAME
    assert not (_models() / FILENAME).exists()


def test_not_enough_disk_space_is_reported_before_downloading(server, use_catalog, monkeypatch):
    monkeypatch.setattr(download.shutil, "disk_usage", lambda _: namedtuple("U", "total used free")(1, 1, 10))
    with pytest.raises(DownloadError, match="disk space"):
        pull.pull("test-model", endpoint=server.url, progress=False)
    assert server.requests == []


def test_unknown_name_lists_the_valid_ones(use_catalog):
    with pytest.raises(UnknownModelError, match="test-model"):
        pull.pull("nope", progress=False)


def test_embedded_model_is_not_downloaded(monkeypatch, tmp_path):
    fake = tmp_path / "embedded.gguf"
    fake.write_bytes(DATA)
    monkeypatch.setattr(models, "embedded_model_path", lambda: fake)
    assert pull.pull(catalog.EMBEDDED, endpoint=f"http://127.0.0.1:{_closed_port()}") == fake


def test_endpoint_order(monkeypatch):
    assert pull.resolve_endpoint() == "https://huggingface.co"
    monkeypatch.setenv("HF_ENDPOINT", "https://hf-mirror.example/")
    assert pull.resolve_endpoint() == "https://hf-mirror.example"
    monkeypatch.setenv("KIT_HF_ENDPOINT", "http://kit-mirror.example:8080")
    assert pull.resolve_endpoint() == "http://kit-mirror.example:8080"
    assert pull.resolve_endpoint("http://arg.example") == "http://arg.example"


def test_endpoint_that_is_not_a_url_is_a_config_error(monkeypatch):
    monkeypatch.setenv("KIT_HF_ENDPOINT", "mirror.example")
    with pytest.raises(ConfigError, match="KIT_HF_ENDPOINT"):
        pull.resolve_endpoint()


def test_mirror_from_the_environment_is_used(server, use_catalog, monkeypatch):
    monkeypatch.setenv("KIT_HF_ENDPOINT", server.url)
    assert pull.pull("test-model", progress=False).read_bytes() == DATA


# verification


def test_verify_file_reports_expected_and_actual(tmp_path):
    path = tmp_path / "m.gguf"
    path.write_bytes(DATA)
    good = pull.verify_file(path, SHA.upper())
    assert good.ok and good.expected == good.actual == SHA and good.path == path
    bad = pull.verify_file(path, "1" * 64, name="m")
    assert not bad.ok and bad.expected == "1" * 64 and bad.actual == SHA and bad.name == "m"


def test_verify_file_missing_raises(tmp_path):
    with pytest.raises(ModelNotFoundError):
        pull.verify_file(tmp_path / "none.gguf", SHA)


def test_verify_by_name_and_by_path(use_catalog, tmp_path):
    (_models() / FILENAME).write_bytes(DATA)
    assert pull.verify("test-model").ok
    assert pull.verify(_models() / FILENAME).name == "test-model"  # found by its catalog filename
    other = tmp_path / "other.gguf"
    other.write_bytes(b"GGUF")
    assert not pull.verify(other, SHA).ok
    with pytest.raises(UnknownModelError, match="no known checksum"):
        pull.verify(other)


def test_verify_name_not_downloaded_says_how_to_pull(use_catalog):
    with pytest.raises(ModelNotFoundError, match="kit models pull test-model"):
        pull.verify("test-model")


def test_verify_all_checks_present_models_and_the_embedded_one(use_catalog, monkeypatch, tmp_path):
    embedded = tmp_path / "SmolLM2.gguf"
    embedded.write_bytes(b"GGUF embedded")
    use_catalog(
        _entry(name=catalog.EMBEDDED, filename="SmolLM2.gguf", sha256=hashlib.sha256(b"GGUF embedded").hexdigest()),
        _entry(),
        _entry(name="absent", filename="absent.gguf"),
        _entry(name="corrupt", filename="corrupt.gguf"),
    )
    monkeypatch.setattr(models, "embedded_model_path", lambda: embedded)
    (_models() / FILENAME).write_bytes(DATA)
    (_models() / "corrupt.gguf").write_bytes(DATA[:-1])
    results = {r.name: r for r in pull.verify_all()}
    assert set(results) == {catalog.EMBEDDED, "test-model", "corrupt"}
    assert results[catalog.EMBEDDED].ok and results["test-model"].ok
    assert not results["corrupt"].ok and results["corrupt"].expected == SHA


def test_verify_all_without_the_embedded_model(use_catalog, monkeypatch):
    def missing():
        raise ModelNotFoundError("not installed")

    use_catalog(_entry(name=catalog.EMBEDDED, filename="SmolLM2.gguf"))
    monkeypatch.setattr(models, "embedded_model_path", missing)
    assert pull.verify_all() == []
