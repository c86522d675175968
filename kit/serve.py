"""``kit serve``: start llama.cpp's native llama-server on 127.0.0.1 with several parallel slots.

The server never outlives the kit: ``kit serve`` stops it on SIGTERM, SIGHUP and SIGINT, and on Linux the
child is started with a parent-death signal, so it also stops when its parent is killed outright (SIGKILL).
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from kit import paths
from kit.errors import ServerError
from kit.runtime import gguf, models, native
from kit.runtime.backends.loading import default_threads, flash_attn_setting, gpu_offload_supported

DEFAULT_CTX_PER_SLOT = 4096


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nobody is listening on right now."""
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def _port_taken(host: str, port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex((host, port)) == 0


def server_binary(build_if_missing: bool = True, on_line=None) -> Path:
    """The llama-server binary, built from the vendored llama.cpp on first use when the source is at hand."""
    binary = native.tool_path("llama-server")
    if binary is None and build_if_missing:
        native.build(on_line=on_line)
        binary = native.tool_path("llama-server")
    if binary is None:
        raise ServerError("llama-server is not built yet. Run `kit build-server` (about 5 minutes, once).")
    return binary


@dataclass
class ServerProcess:
    """A running llama-server; stop it with ``stop()`` or a ``with`` block."""

    url: str
    process: subprocess.Popen
    log_path: Path
    model_path: Path
    parallel: int

    def stop(self, timeout: float = 10.0) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def __enter__(self) -> ServerProcess:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def command(binary: Path, model_path: Path, host: str, port: int, parallel: int, ctx_per_slot: int,
            threads: int, gpu_layers: int, *, flash_attn: str = "auto", threads_batch: int | None = None,
            extra: Sequence[str] = ()) -> list[str]:
    """The llama-server command line the kit uses (``extra`` arguments go last, e.g. ``-b``/``-ub`` sizes)."""
    return [
        str(binary), "-m", str(model_path), "--host", host, "--port", str(port),
        "--parallel", str(parallel), "--ctx-size", str(parallel * ctx_per_slot), "--cont-batching",
        "--threads", str(threads), "--threads-batch", str(threads_batch or threads),
        "--n-gpu-layers", str(gpu_layers), "--flash-attn", flash_attn, "--no-webui", "--offline", *extra,
    ]


def _health(url: str) -> bool:
    try:
        with urllib.request.urlopen(url + "/health", timeout=2) as response:
            return json.loads(response.read() or b"{}").get("status") == "ok"
    except (urllib.error.URLError, OSError, ValueError):
        return False


def start(model: str | None = None, *, host: str = "127.0.0.1", port: int = 0, parallel: int = 4,
          n_ctx: int | None = None, threads: int | None = None, timeout: float = 120.0,
          build_if_missing: bool = True, flash_attn: str | bool | None = None, threads_batch: int | None = None,
          extra: Sequence[str] = ()) -> ServerProcess:
    """Start llama-server with ``parallel`` slots of ``n_ctx`` tokens each; return once ``/health`` says ok.

    ``/v1/models`` answers while the model is still loading, so readiness is taken from ``/health`` only.
    """
    resolved = models.resolve(model)
    gguf.read_header(resolved.path)
    binary = server_binary(build_if_missing)
    port = port or free_port(host)
    if _port_taken(host, port):
        raise ServerError(f"Port {port} on {host} is already in use. Pick another with --port.")
    log_dir = paths.user_dir() / "logs"
    log_dir.mkdir(exist_ok=True)
    log_path = log_dir / f"llama-server-{port}.log"
    gpu_layers = 999 if gpu_offload_supported() else 0
    cmd = command(binary, resolved.path, host, port, parallel, n_ctx or DEFAULT_CTX_PER_SLOT,
                  threads or default_threads(), gpu_layers, flash_attn=flash_attn_setting(flash_attn),
                  threads_batch=threads_batch, extra=extra)
    with log_path.open("w") as log:
        process = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                   preexec_fn=die_with_parent())
    server = ServerProcess(f"http://{host}:{port}", process, log_path, resolved.path, parallel)
    try:
        _wait_until_healthy(server, timeout)
    except BaseException:  # not ready, a signal or Ctrl-C while loading: leave nothing running
        server.stop()
        raise
    return server


def _wait_until_healthy(server: ServerProcess, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            tail = "\n".join(server.log_path.read_text(errors="replace").splitlines()[-5:])
            raise ServerError(f"llama-server exited during start-up (code {server.process.returncode}). "
                              f"Last lines:\n{tail}")
        if _health(server.url):
            return
        time.sleep(0.2)
    raise ServerError(f"llama-server did not become ready within {timeout:.0f}s; see {server.log_path}.")


_PR_SET_PDEATHSIG = 1


def die_with_parent() -> Callable[[], None] | None:
    """A ``preexec_fn`` that makes the child get SIGTERM when this process dies (Linux only, else None).

    Linux sends the signal when the *thread* that started the child ends, so it is set only from the main
    thread (``kit serve``, a notebook cell); a server started from another thread is stopped by ``stop()``
    or the ``with`` block alone. Elsewhere (macOS, Windows) a parent killed with SIGKILL leaves the child.
    """
    if not sys.platform.startswith("linux") or threading.current_thread() is not threading.main_thread():
        return None
    parent = os.getpid()
    libc = ctypes.CDLL(None, use_errno=True)

    def set_parent_death_signal() -> None:
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
        if os.getppid() != parent:  # the parent died before prctl took effect
            os.kill(os.getpid(), signal.SIGTERM)

    return set_parent_death_signal


class Stopped(Exception):
    """``kit serve`` received SIGTERM or SIGHUP (SIGINT is Python's KeyboardInterrupt)."""

    def __init__(self, signum: int):
        self.signum = signum
        super().__init__(signal.Signals(signum).name)


@contextlib.contextmanager
def stop_on_signals() -> Iterator[None]:
    """Turn SIGTERM and SIGHUP into :class:`Stopped` in the main thread, so ``with`` blocks clean up."""
    names = [name for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name)]  # Windows has no SIGHUP

    def raise_stopped(signum, _frame):
        for name in names:  # a second signal must not interrupt the clean-up the first one started
            signal.signal(getattr(signal, name), signal.SIG_IGN)
        raise Stopped(signum)

    saved = {name: signal.signal(getattr(signal, name), raise_stopped) for name in names}
    try:
        yield
    finally:
        for name, handler in saved.items():
            signal.signal(getattr(signal, name), handler)


def serve_forever(model: str | None = None, *, host: str = "127.0.0.1", port: int = 8080, parallel: int = 4,
                  n_ctx: int | None = None, threads: int | None = None) -> int:
    """Run the server in the foreground until Ctrl-C (what ``kit serve`` does)."""

    server_binary(build_if_missing=True, on_line=native.progress_printer("Building llama-server (first use)"))
    try:
        with stop_on_signals(), start(model, host=host, port=port, parallel=parallel, n_ctx=n_ctx,
                                      threads=threads) as server:
            print(f"llama-server is ready at {server.url} ({parallel} parallel slots, model "
                  f"{server.model_path.name}).")
            print(f"Scripts should wait for {server.url}/health to return 200 {{\"status\": \"ok\"}} "
                  "(/v1/models answers before the model is loaded).")
            print(f"Use it from Python with kit.load_model(url={server.url!r}) or export KIT_SERVER_URL={server.url}")
            print(f"Server log: {server.log_path}. Press Ctrl-C to stop.", flush=True)
            while server.process.poll() is None:
                time.sleep(0.5)
    except (KeyboardInterrupt, Stopped) as stop:
        name = stop.args[0] if isinstance(stop, Stopped) else "Ctrl-C"
        print(f"\nStopped llama-server ({name}).", flush=True)
        return 0
    raise ServerError(f"llama-server stopped unexpectedly (code {server.process.returncode}); see {server.log_path}.")
