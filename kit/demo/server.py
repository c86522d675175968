"""Run the demo apps: Voila in a subprocess on 127.0.0.1, started, waited for and stopped cleanly."""

from __future__ import annotations

import errno
import importlib.util
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable
from pathlib import Path

from kit import paths
from kit.demo import gallery, hosts, voila_main
from kit.errors import ConfigError, KitError

HOST = "127.0.0.1"
START_TIMEOUT_S = 90.0
TEMPLATE = "kit"  # kit/demo/templates/voila/templates/kit


class DemoServer:
    """A running demo server; use it as a context manager, or call :meth:`stop`."""

    def __init__(self, process: subprocess.Popen, port: int, apps: Path, log_path: Path, keep_log: bool):
        self.process = process
        self.port = port
        self.apps = apps
        self.log_path = log_path
        self._keep_log = keep_log

    @property
    def url(self) -> str:
        """The landing page, which lists every app."""
        return f"http://{HOST}:{self.port}/"

    def app_url(self, name: str) -> str:
        """The page of one app, by notebook name (``"translate"`` or ``"translate.ipynb"``)."""
        return f"{self.url}voila/render/{name if name.endswith('.ipynb') else name + '.ipynb'}"

    @property
    def running(self) -> bool:
        """Whether the Voila process is still alive."""
        return self.process.poll() is None

    def log_tail(self, lines: int = 20) -> str:
        """The last lines Voila wrote (for error messages)."""
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def wait(self) -> int:
        """Block until the Voila process ends; return its exit code."""
        return self.process.wait()

    def stop(self, timeout: float = 30.0) -> None:
        """Stop Voila (it shuts down its kernels on SIGTERM); kill it if it does not stop in time."""
        if self.running:
            self.process.terminate()
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        if not self._keep_log:
            self.log_path.unlink(missing_ok=True)

    def __enter__(self) -> DemoServer:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"DemoServer(url={self.url!r}, running={self.running})"


def start(port: int = 0, *, apps: str | os.PathLike | None = None, log_path: str | os.PathLike | None = None,
          timeout: float = START_TIMEOUT_S, preheat: bool | Iterable[str] = False,
          allow_hosts: Iterable[str] = ()) -> DemoServer:
    """Start Voila on the app notebooks and wait until the landing page answers.

    Args:
        port: the port on 127.0.0.1; 0 picks a free one.
        apps: the folder of app notebooks (default: ``KIT_APPS_DIR``, else ``notebooks/apps``).
        log_path: where Voila's own log goes (default: a temporary file, removed on stop).
        timeout: seconds to wait for the first answer.
        preheat: keep one warm kernel per app, its notebook already run, so an app appears at once
            (``kit demo`` does); True for every app, or the names of some. Off by default here: warming
            six kernels costs a few seconds of CPU each at start, which a test of one app does not need.
            The landing page answers before the kernels are warm; it says which apps are still warming up.
        allow_hosts: host names to answer to besides 127.0.0.1, localhost and [::1] (also ``KIT_ALLOW_HOSTS``);
            a page or websocket asked for under any other ``Host`` gets 403 (:mod:`kit.demo.hosts`).

    Raises:
        KitError: Voila is not installed, the apps folder is missing, an app to preheat is not in it,
            a host name is not one, the port is taken, or Voila did not start (the message ends with its log).
    """
    if importlib.util.find_spec("voila") is None:
        raise KitError(
            "Voila is not installed in this Python environment, so the demo apps cannot be served. "
            f"Install it with: {sys.executable} -m pip install 'voila>=0.5.8,<0.6' (or run `make install`)."
        )
    folder = Path(apps).expanduser().resolve() if apps is not None else gallery.apps_dir()
    if not folder.is_dir():
        raise ConfigError(f"No demo apps folder at {folder}. Point `apps` (or KIT_APPS_DIR) at a folder of notebooks.")
    warm = preheat_names(folder, preheat)
    names = hosts.allowed_names(allow_hosts)
    port = _free_port() if port == 0 else _check_port(port)
    log_path, keep_log = log_file(log_path, "kit-demo-")
    data_dir = paths.user_dir() / "voila"
    data_dir.mkdir(exist_ok=True)
    env = {**os.environ, gallery.APPS_ENV: str(folder), "PYTHONUNBUFFERED": "1"}
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "kit.demo.voila_main", *voila_args(folder, port, data_dir, warm, names)],
            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=folder,
        )
    return wait_until_up(DemoServer(process, port, folder, log_path, keep_log), timeout, "Voila")


def log_file(log_path: str | os.PathLike | None, prefix: str) -> tuple[Path, bool]:
    """Where a server's log goes and whether to keep it: ``log_path``, else a temporary file removed on stop."""
    if log_path is not None:
        return Path(log_path), True
    handle, name = tempfile.mkstemp(prefix=prefix, suffix=".log")
    os.close(handle)
    return Path(name), False


def wait_until_up(server: DemoServer, timeout: float, what: str) -> DemoServer:
    """Return ``server`` once it answers; else stop it and raise with the end of ``what``'s log."""
    try:
        _wait_until_up(server, timeout, what)
    except KitError as exc:
        server._keep_log = True  # the message points at it
        server.stop()
        tail = server.log_tail()
        raise KitError(f"{exc} {what}'s log is at {server.log_path}" + (f"; it ends with:\n{tail}" if tail else ".")) from None
    except BaseException:  # Ctrl-C while starting: leave nothing running
        server.stop()
        raise
    return server


def serve(port: int = 8866, open_browser: bool = True, preheat: bool = True, allow_hosts: Iterable[str] = ()) -> int:
    """Serve the demo apps until Ctrl-C (``kit demo``): print the landing page's URL, maybe open it.

    ``preheat`` (on unless ``kit demo --no-preheat``) warms one kernel per app, so each opens at once;
    ``allow_hosts`` (``kit demo --allow-host NAME``) are names to answer to besides the loopback ones.
    """
    names = hosts.allowed_names(allow_hosts)  # a bad name is a message before anything starts
    print("Starting the demo apps (this takes a few seconds)...", flush=True)
    server = start(port, log_path=paths.user_dir() / "demo.log", preheat=preheat, allow_hosts=allow_hosts)

    def announce() -> None:
        print(f"Demo apps: {server.url}")
        if preheat:
            print("Each app is being prepared in the background (one kernel each), so it opens at once; the page "
                  "shows which are ready. `kit demo --no-preheat` starts them only when opened.")
        added = [name for name in names if name != "localhost"]
        print(f"Served on this computer only ({HOST}); nothing is fetched from the internet. Pages answer only "
              f"to the names {', '.join(hosts.LOOPBACK + tuple(added))}"
              + ("" if added else " (add one with --allow-host NAME)") + ". Press Ctrl-C to stop.", flush=True)
        if open_browser:
            import webbrowser

            webbrowser.open(server.url)

    return run_until_stopped(server, "the demo apps", announce)


def run_until_stopped(server: DemoServer, what: str, announce: Callable[[], None]) -> int:
    """Announce ``server``, then wait until Ctrl-C (0) and stop it; raise if it stops by itself."""
    try:
        announce()
        code = server.wait()
    except KeyboardInterrupt:
        print(f"\nStopping {what}...", flush=True)
        return 0
    finally:
        server.stop()
    raise KitError(f"{what[:1].upper()}{what[1:]} stopped by itself (exit code {code}). Its log is at "
                   f"{server.log_path}:\n{server.log_tail()}")


def preheat_names(folder: Path, preheat: bool | Iterable[str]) -> tuple[str, ...]:
    """The apps in ``folder`` to preheat: all for True, none for False, else the names given (checked)."""
    if isinstance(preheat, bool):
        return tuple(app.name for app in gallery.find_apps(folder)) if preheat else ()
    if isinstance(preheat, str):
        preheat = [preheat]
    known = [app.name for app in gallery.find_apps(folder)]
    names = tuple(dict.fromkeys(name.removesuffix(".ipynb") for name in preheat))
    unknown = [name for name in names if name not in known]
    if unknown:
        raise ConfigError(f"No app called {', '.join(map(repr, unknown))} to preheat in {folder}. "
                          f"Valid names: {', '.join(known) or '(none: the folder has no app notebooks)'}.")
    return names


def voila_args(folder: Path, port: int, data_dir: Path, preheat: Iterable[str] = (),
               allow_hosts: Iterable[str] = ()) -> list[str]:
    """Voila's command line: 127.0.0.1 only, this port or fail, no code, no tracebacks, the kit template,
    a warm kernel for each app in ``preheat``, and the host names to answer to besides loopback ones."""
    preheat, allow_hosts = tuple(preheat), tuple(allow_hosts)
    return [
        str(folder),
        *([f"{voila_main.PREHEAT_OPTION}{','.join(preheat)}"] if preheat else []),
        *([f"{voila_main.HOSTS_OPTION}{','.join(allow_hosts)}"] if allow_hosts else []),
        f"--port={port}",
        f"--Voila.ip={HOST}",
        "--Voila.port_retries=0",  # else Voila moves to a random port without saying so
        "--no-browser",
        f"--template={TEMPLATE}",
        "--strip_sources=True",
        "--show_tracebacks=False",
        "--classic_tree=True",
        "--VoilaConfiguration.allow_template_override=NO",  # ?template=lab would bring back the CDN links
        f"--NotebookNotary.data_dir={data_dir}",  # the trust database, in the kit's folder, not ~/.local
    ]


def _check_port(port: int, command: str = "kit demo") -> int:
    if not 0 < port < 65536:
        raise ConfigError(f"Port {port} is not a valid port; use a number from 1024 to 65535, e.g. {command} --port 8866.")
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        # As tornado does: a port left in TIME_WAIT by a server that just stopped is free to reuse.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((HOST, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise ConfigError(
                    f"Port {port} on {HOST} is already in use (another `kit demo`, Jupyter or web server?). "
                    f"Stop that program, or choose another port: {command} --port {port + 1}"
                ) from None
            raise ConfigError(f"Cannot listen on {HOST}:{port} ({exc.strerror}). "
                              f"Choose a port above 1024, e.g. {command} --port 8866.") from None
    return port


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def _wait_until_up(server: DemoServer, timeout: float, what: str) -> None:
    # No proxies: an http_proxy setting must not route a loopback check elsewhere.
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not server.running:
            raise KitError(f"{what} stopped while starting (exit code {server.process.returncode}).")
        try:
            with opener.open(server.url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
            pass
        time.sleep(0.25)
    raise KitError(f"{what} did not answer at {server.url} within {timeout:.0f} s.")
