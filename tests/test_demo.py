"""The demo server and its app list: discovery, errors, the served HTML, and `kit demo` itself."""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import nbformat
import pytest

import kit.demo
from conftest import kit_folders
from interrupts import ctrl_c_reaches_the_child
from kit.demo import gallery, hosts, server
from kit.errors import ConfigError, KitError

ROOT = Path(__file__).resolve().parent.parent
APPS = ROOT / "notebooks" / "apps"
TEMPLATE_DIR = ROOT / "kit" / "demo" / "templates" / "voila" / "templates" / "kit"
LOCAL_HOSTS = {"127.0.0.1", "localhost"}
CDN = re.compile(r"cdn\.|cdnjs|jsdelivr|unpkg|googleapis|fontawesome\.com", re.I)
OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def _get(url: str, timeout: float = 120) -> str:
    with OPENER.open(url, timeout=timeout) as response:
        assert response.status == 200
        return response.read().decode("utf-8")


def _status_under_host(port: int, host: str, path: str = "/") -> tuple[int, str]:
    """GET ``path`` from 127.0.0.1:``port`` with this ``Host`` header (what a DNS-rebinding page would send)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        connection.request("GET", path, headers={"Host": host})
        response = connection.getresponse()
        return response.status, response.read().decode("utf-8", "replace")
    finally:
        connection.close()


def _notebook(path: Path, markdown: str | None, metadata: dict | None = None) -> Path:
    nb = nbformat.v4.new_notebook()
    if markdown is not None:
        nb.cells.append(nbformat.v4.new_markdown_cell(markdown))
    nb.cells.append(nbformat.v4.new_code_cell("1 + 1"))
    nb.metadata.update(metadata or {})
    nbformat.write(nb, path)
    return path


class ResourceParser(HTMLParser):
    """Every URL the browser would fetch from a page's tags."""

    def __init__(self):
        super().__init__()
        self.urls: list[tuple[str, str]] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for name in ("src", "href") if tag in ("link", "script", "img", "iframe", "source", "embed") else ():
            if attrs.get(name):
                self.urls.append((tag, attrs[name]))


def external_resources(page: str) -> list[tuple[str, str]]:
    """(tag, url) for each <link>/<script>/... URL that points off this machine."""
    parser = ResourceParser()
    parser.feed(page)
    outside = []
    for tag, url in parser.urls:
        parts = urlsplit(url)
        if parts.scheme in ("", "data") and not url.startswith("//"):
            continue
        if parts.hostname not in LOCAL_HOSTS:
            outside.append((tag, url))
    return outside


@contextlib.contextmanager
def isolated_env(home: Path):
    """The environment a module-wide server starts with: kit, IPython and Jupyter folders under ``home``.

    (The autouse ``kit_home`` fixture is per test, so it is not yet in force for module fixtures.)
    """
    with pytest.MonkeyPatch.context() as patch:
        for name, value in kit_folders(home).items():
            patch.setenv(name, value)
        patch.setenv("IPYTHONDIR", str(home / "ipython"))
        patch.setenv("JUPYTER_DATA_DIR", str(home / "jupyter"))
        for name in ("KIT_MODEL", "KIT_SERVER_URL", "KIT_CACHE", "KIT_LOG", "KIT_N_CTX", "KIT_APPS_DIR", "KIT_REDACT"):
            patch.delenv(name, raising=False)
        yield


# -- the app list -------------------------------------------------------------------------------
def test_describe_reads_title_and_description_from_the_first_markdown_cell(tmp_path):
    path = _notebook(tmp_path / "letters.ipynb",
                     "# Letter *helper*\n\nDrafts a reply to a [resident](https://example.org) letter.\n\nMore text.")
    app = gallery.describe(path)
    assert app == gallery.App("letters", "letters.ipynb", "Letter helper", "Drafts a reply to a resident letter.")


def test_describe_prefers_metadata_and_falls_back_to_the_file_name(tmp_path):
    with_meta = _notebook(tmp_path / "a.ipynb", "# Heading\n\nProse.",
                          {"kit": {"title": "Planning", "description": "Summarises planning objections."}})
    assert (gallery.describe(with_meta).title, gallery.describe(with_meta).description) == (
        "Planning", "Summarises planning objections.")
    bare = _notebook(tmp_path / "admin_copilot.ipynb", None)
    assert (gallery.describe(bare).title, gallery.describe(bare).description) == ("Admin copilot", "")
    broken = tmp_path / "broken.ipynb"
    broken.write_text("{not json", encoding="utf-8")
    assert "could not be read" in gallery.describe(broken).description


def test_find_apps_lists_every_notebook_but_drafts_sorted_by_title(tmp_path):
    _notebook(tmp_path / "zeta.ipynb", "# Health assistant\n\nAnswers questions offline.")
    _notebook(tmp_path / "alpha.ipynb", "# Translate\n\nTranslates letters.")
    _notebook(tmp_path / "_draft.ipynb", "# Draft\n\nNot ready.")
    (tmp_path / "notes.txt").write_text("not an app")
    assert [app.name for app in gallery.find_apps(tmp_path)] == ["zeta", "alpha"]


def test_apps_dir_defaults_to_the_repository_and_honours_the_environment(tmp_path, monkeypatch):
    assert gallery.apps_dir() == APPS
    monkeypatch.setenv("KIT_APPS_DIR", str(tmp_path))
    assert gallery.apps_dir() == tmp_path.resolve()
    monkeypatch.setenv("KIT_APPS_DIR", str(tmp_path / "missing"))
    with pytest.raises(ConfigError, match="KIT_APPS_DIR"):
        gallery.apps_dir()


def test_the_repository_apps_include_the_translation_app():
    apps = {app.name: app for app in gallery.find_apps()}
    assert apps["translate"].title == "Translate a letter"
    assert apps["translate"].description.startswith("Translate a letter or notice into Welsh")


def test_the_translate_notebook_is_thin_and_commit_ready():
    nb = nbformat.read(APPS / "translate.ipynb", as_version=4)
    nbformat.validate(nb)
    kinds = [cell.cell_type for cell in nb.cells]
    assert kinds == ["markdown", "code", "code"]
    parameters, app = nb.cells[1], nb.cells[2]
    assert parameters.metadata.get("tags") == ["parameters"]
    lines = parameters.source.splitlines()
    assert [line.split(":")[0] for line in lines] == ["model", "confidential", "default_target"]
    assert all(re.match(r"^\w+: (\"[\w\[\]]+\"|\w+) = .+  # .+$", line) for line in lines), lines
    assert "translate_app(" in app.source
    for cell in nb.cells[1:]:
        assert cell.outputs == [] and cell.execution_count is None


# -- the template ---------------------------------------------------------------------------------
def test_the_kit_template_names_no_internet_address():
    for path in TEMPLATE_DIR.iterdir():
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"""(href|src)\s*=\s*["']?(https?:)?//""", text), path.name
        assert "cdn" not in re.sub(r"\{#.*?#\}", "", text, flags=re.S).lower(), path.name
    conf = json.loads((TEMPLATE_DIR / "conf.json").read_text())
    assert conf["base_template"] == "lab"
    assert conf["traitlet_configuration"]["show_tracebacks"] is False


def test_importing_kit_demo_leaves_voila_unimported():
    code = "import sys, kit.demo, kit.widgets; assert 'voila' not in sys.modules and 'ipywidgets' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


# -- the host names the server answers to ----------------------------------------------------------
def test_allowed_names_are_loopback_plus_the_names_given_and_the_environment(monkeypatch):
    monkeypatch.setenv(hosts.ENV, "Team.Example., ,other.example")
    assert hosts.allowed_names(["kit.example", "kit.example"]) == ("localhost", "kit.example", "team.example",
                                                                  "other.example")
    config = hosts.host_config(["kit.example"])  # what `kit demo` (Voila) and a Jupyter server (`kit lab`) take
    assert config.Voila.tornado_settings == {"allow_remote_access": False,
                                             "local_hostnames": ["localhost", "kit.example", "team.example",
                                                                 "other.example"]}
    assert config.ServerApp.allow_remote_access is False
    assert config.ServerApp.local_hostnames == config.Voila.tornado_settings["local_hostnames"]


@pytest.mark.parametrize("bad, why", [("192.168.1.5", "is an address"), ("[::1]", "is an address"),
                                      ("http://kit.example", "not a host name"), ("*.example", "not a host name"),
                                      ("kit.example:8866", "not a host name")])
def test_a_bad_allowed_host_is_one_clear_line(bad, why):
    with pytest.raises(ConfigError, match=why):
        hosts.allowed_names([bad])
    done = subprocess.run([sys.executable, "-m", "kit.cli", "demo", "--no-browser", "--allow-host", bad],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr.count("\n") == 1 and why in done.stderr and "--allow-host" in done.stderr


# -- starting the server: errors ------------------------------------------------------------------
def test_start_refuses_a_port_in_use():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(ConfigError, match=rf"Port {port} .* already in use.*--port {port + 1}"):
            kit.demo.start(port)


def test_start_without_an_apps_folder_says_where_it_looked(tmp_path, monkeypatch):
    monkeypatch.setenv("KIT_APPS_DIR", str(tmp_path / "nowhere"))
    with pytest.raises(ConfigError, match="No demo apps folder"):
        kit.demo.start()


def test_start_without_voila_names_the_install_command(monkeypatch):
    real = server.importlib.util.find_spec
    monkeypatch.setattr(server.importlib.util, "find_spec",
                        lambda name, *args: None if name == "voila" else real(name, *args))
    with pytest.raises(KitError, match=r"Voila is not installed.*pip install"):
        kit.demo.start()


def test_a_server_that_dies_while_starting_shows_its_log(tmp_path, monkeypatch):
    monkeypatch.setattr(server, "voila_args", lambda folder, port, data_dir, *_: [str(folder / "missing.ipynb")])
    with pytest.raises(KitError, match="stopped while starting") as info:
        kit.demo.start(apps=tmp_path, timeout=60)
    assert "log" in str(info.value)


# -- the running server ----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    home = tmp_path_factory.mktemp("demo-home")
    with isolated_env(home), kit.demo.start(log_path=home / "voila.log") as running:
        yield running
    assert not running.running


def test_the_landing_page_lists_the_apps_and_fetches_nothing_outside(demo):
    page = _get(demo.url)
    assert demo.url.startswith("http://127.0.0.1:")
    assert 'href="/voila/render/translate.ipynb"' in page
    assert "Translate a letter" in page and "see which parts a person should check" in page
    assert external_resources(page) == []
    assert not CDN.search(page)


def test_the_app_page_shows_no_code_and_fetches_nothing_outside(demo):
    page = _get(demo.app_url("translate"))
    assert external_resources(page) == []
    assert not CDN.search(page)
    assert '"fullMathjaxUrl": null' in page  # no MathJax to fetch from anywhere
    assert "translate_app(" not in page  # sources stripped
    assert "Translate a letter" in page  # the markdown title
    assert "application/vnd.jupyter.widget-view+json" in page  # the app widget was displayed


def test_pages_files_and_kernel_websockets_answer_only_to_loopback_names(demo):
    """A DNS-rebinding page reaches 127.0.0.1 under its own name: every route refuses that Host with 403."""
    import websocket  # websocket-client

    port = demo.port
    for host in (f"127.0.0.1:{port}", f"localhost:{port}", f"[::1]:{port}", "127.0.0.1"):
        assert _status_under_host(port, host)[0] == 200, host
    app_page = _get(demo.app_url("translate"))
    for path in ("/", "/voila/render/translate.ipynb", "/kit/api/apps", "/voila/static/voila.js"):
        status, body = _status_under_host(port, f"evil.example:{port}", path)
        assert status == 403, path
        assert "answers only to 127.0.0.1, localhost, [::1]" in body and "'evil.example:" in body
        assert "--allow-host NAME" in body
    kernel_id = re.search(r'kernelId["\']?\s*[:=]\s*["\']([0-9a-f-]{36})', app_page).group(1)
    channels = f"ws://127.0.0.1:{port}/api/kernels/{kernel_id}/channels"
    with pytest.raises(websocket.WebSocketBadStatusException) as refused:
        websocket.create_connection(channels, host=f"evil.example:{port}", origin=f"http://evil.example:{port}",
                                    timeout=30)
    assert refused.value.status_code == 403 and b"answers only to" in refused.value.resp_body
    ws = websocket.create_connection(channels, host=f"127.0.0.1:{port}", origin=f"http://127.0.0.1:{port}",
                                     timeout=30)
    try:
        assert ws.status == 101  # the same kernel under the loopback name: the app's own connection works
    finally:
        ws.close()


def test_a_template_override_cannot_bring_back_the_cdn(demo):
    page = _get(demo.app_url("translate") + "?template=lab")
    assert external_resources(page) == []


def test_a_new_app_notebook_is_listed_without_a_restart(tmp_path):
    _notebook(tmp_path / "translate.ipynb", "# Translate\n\nTranslates letters.")
    with kit.demo.start(apps=tmp_path) as running:
        assert "Translates letters." in _get(running.url)
        assert "Planning" not in _get(running.url)
        _notebook(tmp_path / "planning.ipynb", "# Planning\n\nSummarises <b>objections</b> to an application.")
        page = _get(running.url)
    assert 'href="/voila/render/planning.ipynb">Planning</a>' in page
    assert "Summarises &lt;b&gt;objections&lt;/b&gt; to an application." in page  # escaped


# -- `kit demo` ------------------------------------------------------------------------------------
def test_kit_demo_prints_the_url_serves_and_stops_cleanly_on_ctrl_c():
    port = server._free_port()
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "IPYTHONDIR": os.environ["KIT_HOME"] + "/ipython"}
    proc = subprocess.Popen([sys.executable, "-m", "kit.cli", "demo", "--port", str(port), "--no-browser",
                             "--allow-host", "kit.example"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
                            preexec_fn=ctrl_c_reaches_the_child)
    try:
        url, seen, deadline = None, [], time.monotonic() + 120
        while url is None and time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            seen.append(line)
            if line.startswith("Demo apps: "):
                url = line.split("Demo apps: ", 1)[1].strip()
        assert url == f"http://127.0.0.1:{port}/", "".join(seen)
        assert "Translate a letter" in _get(url)
        told = next(line for line in proc.stdout if "Press Ctrl-C" in line)
        assert "answer only to the names 127.0.0.1, localhost, [::1], kit.example" in told
        assert _status_under_host(port, f"kit.example:{port}")[0] == 200  # the name the user added
        assert _status_under_host(port, f"evil.example:{port}")[0] == 403
        proc.send_signal(signal.SIGINT)
        assert proc.wait(60) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
    with socket.socket() as probe:  # the port is free again: Voila stopped too
        assert probe.connect_ex(("127.0.0.1", port)) != 0
