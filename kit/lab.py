"""``kit lab``: JupyterLab from this environment on 127.0.0.1, with a token, offline, opening the quickstart.

The server runs in its own process (``python -m kit.lab PORT``), configured by :func:`lab_config`: the
kit's ``Host`` allow-list (:mod:`kit.demo.hosts`), Lab's news (and its first-run question), update checks and
the extension manager's PyPI look-ups off, new notebooks on the "fellowship-kit" kernel, Lab's settings and
workspaces in the kit's folder (not the user's home). The token comes from the parent through ``JUPYTER_TOKEN``,
never the command line.
"""

from __future__ import annotations

import importlib.util
import os
import secrets
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from kit import kernel, paths
from kit.demo import hosts
from kit.demo import server as demo_server
from kit.errors import KitError

HOST = demo_server.HOST
QUICKSTART = "notebooks/00_quickstart.ipynb"
START_TIMEOUT_S = 120.0
# Lab's plugin for news and update notices: with its feeds off (news_url=None, NeverCheckForUpdate) it still asks
# "Would you like to get notified about official Jupyter news?" on a first run; disabled, nothing asks.
ANNOUNCEMENTS = "@jupyterlab/apputils-extension:announcements"


def project_root() -> Path:
    """The folder Lab is rooted at: the repository that holds ``notebooks/``."""
    return Path(__file__).resolve().parents[1]


def lab_config(port: int, allow_hosts: Iterable[str] = (), open_browser: bool = False, *,
               as_root: bool | None = None) -> Any:
    """The traitlets ``Config`` of ``kit lab``: loopback, this port or fail, offline Lab, the kit's kernel."""
    config = hosts.host_config(allow_hosts)
    server = config.ServerApp
    server.ip = HOST
    server.port = port
    server.port_retries = 0  # else Jupyter moves to another port without saying so
    server.root_dir = str(project_root())
    server.open_browser = open_browser
    server.allow_root = os.geteuid() == 0 if as_root is None and hasattr(os, "geteuid") else bool(as_root)
    config.MappingKernelManager.default_kernel_name = kernel.NAME
    lab = config.LabApp
    lab.default_url = f"/lab/tree/{QUICKSTART}"
    lab.open_browser = open_browser
    lab.news_url = None  # no announcements feed
    lab.check_for_updates_class = "jupyterlab.NeverCheckForUpdate"
    lab.extension_manager = "readonly"  # no PyPI look-ups for extensions
    server.tornado_settings = {"page_config_hook": without_announcements}  # in memory: no settings file written
    state = paths.user_dir() / "lab"
    lab.user_settings_dir = str(state / "user-settings")
    lab.workspaces_dir = str(state / "workspaces")
    config.NotebookNotary.data_dir = str(state)  # the trust database, not ~/.local
    return config


def without_announcements(handler: Any, page_config: dict) -> dict:
    """Lab's page config with the announcements plugin disabled (jupyterlab_server's ``page_config_hook``)."""
    disabled = list(page_config.get("disabledExtensions", []))
    if ANNOUNCEMENTS not in disabled:
        disabled.append(ANNOUNCEMENTS)
    return {**page_config, "disabledExtensions": disabled}


class LabServer(demo_server.DemoServer):
    """A running JupyterLab; :attr:`url` carries the token, as the URL Jupyter prints does."""

    def __init__(self, process: subprocess.Popen, port: int, token: str, log_path: Path, keep_log: bool):
        super().__init__(process, port, project_root(), log_path, keep_log)
        self.token = token

    @property
    def base_url(self) -> str:
        """The server's root, without the token."""
        return f"http://{HOST}:{self.port}/"

    @property
    def url(self) -> str:
        """The quickstart in Lab, with the token that logs the browser in."""
        return f"{self.base_url}lab/tree/{QUICKSTART}?token={self.token}"

    def __repr__(self) -> str:
        return f"LabServer(url={self.base_url!r}, running={self.running})"


def start(port: int = 0, *, allow_hosts: Iterable[str] = (), log_path: str | os.PathLike | None = None,
          open_browser: bool = False, timeout: float = START_TIMEOUT_S) -> LabServer:
    """Start JupyterLab and wait until the quickstart's page answers.

    Raises:
        KitError: JupyterLab is not installed, a host name is not one, the port is taken, or Lab did not
            start (the message ends with its log).
    """
    if importlib.util.find_spec("jupyterlab") is None:
        raise KitError("JupyterLab is not installed in this Python environment. Install it with: "
                       f"{sys.executable} -m pip install 'jupyterlab>=4,<5' (or run `make install`).")
    names = hosts.allowed_names(allow_hosts)
    port = demo_server._free_port() if port == 0 else demo_server._check_port(port, "kit lab")
    log_path, keep_log = demo_server.log_file(log_path, "kit-lab-")
    token = secrets.token_hex(24)
    env = {**os.environ, "JUPYTER_TOKEN": token, "PYTHONUNBUFFERED": "1"}
    command = [sys.executable, "-m", "kit.lab", str(port), ",".join(names), "1" if open_browser else "0"]
    with open(log_path, "wb") as log:
        process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                   env=env, cwd=project_root())
    return demo_server.wait_until_up(LabServer(process, port, token, log_path, keep_log), timeout, "JupyterLab")


def serve(port: int = 8888, open_browser: bool = True, allow_hosts: Iterable[str] = ()) -> int:
    """Run JupyterLab until Ctrl-C (``kit lab``): print the URL with its token, maybe open it."""
    hosts.allowed_names(allow_hosts)  # a bad name is a message before anything starts
    if kernel.spec_dir() is None:
        print(f"Registering the {kernel.NAME!r} kernel in {sys.prefix} (once)...", flush=True)
        kernel.install()
    print("Starting JupyterLab (this takes a few seconds)...", flush=True)
    lab = start(port, allow_hosts=allow_hosts, log_path=paths.user_dir() / "lab.log", open_browser=open_browser)

    def announce() -> None:
        print(f"JupyterLab: {lab.url}")
        print(f"Served on this computer only ({HOST}), with the token above; Lab's news, update checks and "
              f"extension downloads are off. Notebooks run on the {kernel.NAME!r} kernel. Its log is at "
              f"{lab.log_path}. Press Ctrl-C to stop.", flush=True)

    return demo_server.run_until_stopped(lab, "JupyterLab", announce)


def main(argv: list[str] | None = None) -> None:
    """The server process: ``python -m kit.lab PORT HOSTS OPEN`` (HOSTS comma-separated, OPEN 1 or 0)."""
    port, names, open_browser = (sys.argv[1:] if argv is None else argv)[:3]
    from jupyterlab.labapp import LabApp

    config = lab_config(int(port), [n for n in names.split(",") if n], open_browser == "1")
    # launch_instance() would drop ``config``; this is the rest of what it does.
    LabApp.initialize_server(argv=[], config=config).start()


if __name__ == "__main__":
    main()
