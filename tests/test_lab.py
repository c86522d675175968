"""``kit lab`` and the "fellowship-kit" kernel: every notebook names it, it is the venv's Python, Lab is offline."""

from __future__ import annotations

import json
import re
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from conftest import ROOT
from kit import kernel, lab
from kit.errors import ConfigError

BIN = Path(sys.executable).parent
NOTEBOOKS = sorted([*ROOT.glob("notebooks/*.ipynb"), *ROOT.glob("notebooks/apps/*.ipynb")])
OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def _get(url: str, host: str | None = None) -> tuple[int, bytes]:
    request = urllib.request.Request(url, headers={"Host": host} if host else {})
    try:
        with OPENER.open(request, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_every_notebook_names_the_kit_kernel(path):
    assert json.loads(path.read_text(encoding="utf-8"))["metadata"]["kernelspec"] == kernel.SPEC


def test_the_kernel_is_registered_in_the_venv_and_runs_its_python():
    spec_dir = kernel.spec_dir()
    assert spec_dir is not None, "run `make install` (it registers the kernel)"
    assert spec_dir.resolve().is_relative_to(Path(sys.prefix).resolve())  # not in the user's home
    argv = json.loads((spec_dir / "kernel.json").read_text())["argv"]
    assert Path(argv[0]) == Path(sys.prefix) / "bin" / "python"
    listed = subprocess.run([str(BIN / "jupyter"), "kernelspec", "list", "--json"], capture_output=True, text=True,
                            check=True).stdout
    assert Path(json.loads(listed)["kernelspecs"][kernel.NAME]["resource_dir"]) == spec_dir
    assert kernel.name() == kernel.NAME  # what `kit run` (papermill) asks for


def test_voilas_lab_preview_is_enabled():
    listed = subprocess.run([str(BIN / "jupyter"), "labextension", "list"], capture_output=True, text=True, check=True)
    line = next(line for line in (listed.stdout + listed.stderr).splitlines() if "jupyterlab-preview" in line)
    assert "enabled" in line and "OK" in line


def test_the_configuration_is_loopback_offline_and_root_aware():
    config = lab.lab_config(8890, ["myhost.local"], as_root=True)
    assert config.ServerApp.ip == "127.0.0.1" and config.ServerApp.port == 8890 and config.ServerApp.port_retries == 0
    assert config.ServerApp.allow_root is True and lab.lab_config(1, as_root=False).ServerApp.allow_root is False
    assert config.ServerApp.allow_remote_access is False
    assert config.ServerApp.local_hostnames == ["localhost", "myhost.local"]
    assert config.ServerApp.root_dir == str(ROOT)
    assert config.LabApp.news_url is None and config.LabApp.extension_manager == "readonly"
    assert config.LabApp.check_for_updates_class == "jupyterlab.NeverCheckForUpdate"
    assert config.LabApp.default_url == "/lab/tree/notebooks/00_quickstart.ipynb"
    assert config.MappingKernelManager.default_kernel_name == kernel.NAME
    assert config.ServerApp.tornado_settings["page_config_hook"] is lab.without_announcements


def test_the_announcements_plugin_is_disabled_and_other_choices_kept():
    page = lab.without_announcements(None, {"disabledExtensions": ["mine"], "token": "t"})
    assert page == {"disabledExtensions": ["mine", lab.ANNOUNCEMENTS], "token": "t"}
    assert lab.without_announcements(None, page) == page  # once only
    assert lab.without_announcements(None, {})["disabledExtensions"] == [lab.ANNOUNCEMENTS]


def test_labs_settings_and_workspaces_go_to_the_kit_folder(kit_home):
    config = lab.lab_config(8890)
    for folder in (config.LabApp.user_settings_dir, config.LabApp.workspaces_dir, config.NotebookNotary.data_dir):
        assert Path(folder).is_relative_to(kit_home)  # KIT_HOME, never ~/.jupyter


def test_a_taken_port_is_one_line_naming_kit_lab():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        with pytest.raises(ConfigError, match=rf"kit lab --port {port + 1}"):
            lab.start(port)
        result = subprocess.run([str(BIN / "kit"), "lab", "--port", str(port), "--no-browser"], capture_output=True,
                                text=True, timeout=60)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "already in use" in result.stderr


def test_lab_starts_with_a_token_offline_on_the_kit_kernel(tmp_path):
    with lab.start(log_path=tmp_path / "lab.log") as server:
        assert server.url.startswith(f"http://127.0.0.1:{server.port}/lab/tree/notebooks/00_quickstart.ipynb?token=")
        token = f"?token={server.token}"
        status, body = _get(server.base_url + "api/kernelspecs" + token)
        assert status == 200 and json.loads(body)["default"] == kernel.NAME
        assert _get(server.base_url + "api/kernelspecs")[0] == 403  # no token, no answer
        assert _get(server.base_url + "api/status" + token, host="evil.example")[0] == 403  # DNS rebinding
        assert json.loads(_get(server.base_url + "lab/api/news" + token)[1]) == {"news": []}
        assert json.loads(_get(server.base_url + "lab/api/update" + token)[1]) == {"notification": None}
        status, body = _get(server.base_url + "api/contents/notebooks/00_quickstart.ipynb" + token + "&content=0")
        assert status == 200  # rooted at the project
        status, page = _get(server.url)  # no first-run "news?" question (seen in tests/test_lab_browser.py)
        config = re.search(r'<script id="jupyter-config-data" type="application/json">(.*?)</script>', page.decode(),
                           re.S)
        assert status == 200 and lab.ANNOUNCEMENTS in json.loads(config.group(1))["disabledExtensions"]
    log = (tmp_path / "lab.log").read_text()
    assert "Extension Manager is 'readonly'" in log
    assert not server.running
