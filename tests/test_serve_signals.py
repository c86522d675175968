"""`kit serve` never leaves llama-server behind: real processes, each way a parent is stopped."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time

import psutil
import pytest

from conftest import ROOT
from interrupts import ctrl_c_reaches_the_child
from kit import serve
from kit.runtime import native

pytestmark = pytest.mark.server


def _start_kit_serve(port: int) -> tuple[subprocess.Popen, psutil.Process]:
    """`kit serve` on the embedded model, waited for until ready; returns it and its llama-server child."""
    if native.tool_path("llama-server") is None:
        pytest.fail("llama-server is not built: run `make install` (or `kit build-server`) first.")
    proc = subprocess.Popen(
        [sys.executable, "-m", "kit.cli", "serve", "--port", str(port), "--parallel", "1", "--ctx", "512",
         "--threads", "1"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, preexec_fn=ctrl_c_reaches_the_child,
        env={**os.environ, "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"})
    seen: list[str] = []
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        seen.append(line)
        if "Press Ctrl-C to stop" in line:
            children = [c for c in psutil.Process(proc.pid).children() if "llama-server" in c.name()]
            assert len(children) == 1, children
            return proc, children[0]
    proc.kill()
    pytest.fail("kit serve did not become ready:\n" + "".join(seen))


def _gone(child: psutil.Process, within: float = 10.0) -> bool:
    """Whether the process has ended (a zombie waiting for a reaper counts as ended: it holds nothing)."""
    deadline = time.monotonic() + within
    while True:
        try:
            if child.status() == psutil.STATUS_ZOMBIE:
                return True
        except psutil.NoSuchProcess:
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.1)


def _port_free(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) != 0


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT])
def test_a_signal_to_kit_serve_stops_its_llama_server(signum):
    port = serve.free_port()
    proc, child = _start_kit_serve(port)
    try:
        proc.send_signal(signum)
        out, _ = proc.communicate(timeout=30)
        assert proc.returncode == 0, out
        assert f"Stopped llama-server ({'Ctrl-C' if signum == signal.SIGINT else signum.name})" in out
        assert _gone(child), f"llama-server (pid {child.pid}) outlived kit serve after {signum.name}"
        assert _port_free(port)
    finally:
        if proc.poll() is None:
            proc.kill()
        if not _gone(child, 0):
            child.kill()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the parent-death signal is Linux's")
def test_llama_server_does_not_outlive_a_kit_serve_killed_outright():
    port = serve.free_port()
    proc, child = _start_kit_serve(port)
    try:
        proc.kill()  # SIGKILL: no handler runs, only the kernel's parent-death signal can stop the child
        proc.wait(10)
        assert _gone(child), f"llama-server (pid {child.pid}) outlived a kit serve killed with SIGKILL"
        assert _port_free(port)
    finally:
        if not _gone(child, 0):
            child.kill()
