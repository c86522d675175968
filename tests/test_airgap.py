"""Offline guarantee: the quickstart notebook and the CLI work in a network namespace with loopback only."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT

pytestmark = pytest.mark.airgap
KIT = str(Path(sys.executable).parent / "kit")


def airgapped(command: str, env: dict, timeout: int = 600) -> subprocess.CompletedProcess:
    """Run ``command`` in a new network namespace where only loopback exists."""
    if shutil.which("unshare") is None:
        pytest.fail("`unshare` (util-linux) is needed for the air-gap test: sudo apt-get install util-linux")
    probe = subprocess.run(["unshare", "-n", "true"], capture_output=True)
    if probe.returncode != 0:
        pytest.fail(f"Cannot create a network namespace here ({probe.stderr.decode().strip()}); "
                    "run the tests as root or with CAP_SYS_ADMIN.")
    return subprocess.run(["unshare", "-n", "sh", "-c", f"ip link set lo up; {command}"], capture_output=True,
                          env=env, timeout=timeout, cwd=ROOT)


def test_namespace_really_has_no_network(kit_home):
    result = airgapped(f"{sys.executable} -c \"import socket; socket.create_connection(('1.1.1.1', 80), 3)\"",
                       dict(os.environ))
    assert result.returncode != 0 and b"unreachable" in result.stderr.lower()


def test_quickstart_and_cli_run_airgapped(kit_home, tmp_path):
    env = {**os.environ, "KIT_HOME": str(kit_home)}
    run = airgapped(f"{KIT} run notebooks/00_quickstart.ipynb --quiet --output-dir {tmp_path}", env)
    assert run.returncode == 0, run.stderr.decode()[-2000:]
    assert list(tmp_path.glob("00_quickstart-*.ipynb"))
    for command in ("doctor", "models list", "chat 'Name a colour.' --max-tokens 8", "logs -n 3"):
        result = airgapped(f"{KIT} {command}", env)
        assert result.returncode == 0, (command, result.stderr.decode())
    pull = airgapped(f"{KIT} models pull llama-3.2-1b-instruct --quiet", env, timeout=60)
    assert pull.returncode == 1 and b"Could not reach huggingface.co" in pull.stderr
