"""The Makefile passes KIT_CMAKE_EXTRA into its build flags however it is given (GNU Make 4.3 included)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _plan(tmp_path: Path, *args: str, env_extra: str | None = None) -> str:
    env = {k: v for k, v in os.environ.items() if k != "KIT_CMAKE_EXTRA"}
    if env_extra is not None:
        env["KIT_CMAKE_EXTRA"] = env_extra
    return subprocess.run(
        ["make", "-n", "-C", str(ROOT), "install", f"VENV={tmp_path}/venv", f"CACHE={tmp_path}/cache",
         f"PYTHON={sys.executable}", *args],
        capture_output=True, text=True, check=True, env=env,
    ).stdout


def _cmake_args(plan: str) -> str:
    return re.search(r'CMAKE_ARGS="([^"]*)"', plan).group(1)


def _wheel_dir(plan: str) -> str:
    return re.search(r"--wheel-dir (\S+)", plan).group(1)


def test_a_command_line_kit_cmake_extra_reaches_the_build_and_its_key(tmp_path):
    plain = _plan(tmp_path)
    cuda = _plan(tmp_path, "KIT_CMAKE_EXTRA=-DGGML_CUDA=on")
    assert "-DGGML_CUDA=on" not in _cmake_args(plain)
    assert "-DGGML_CUDA=on" in _cmake_args(cuda)
    assert _wheel_dir(cuda) != _wheel_dir(plain)  # keyed by the flags: switching rebuilds


def test_the_environment_form_gives_the_same_plan(tmp_path):
    assert _plan(tmp_path, env_extra="-DGGML_CUDA=on") == _plan(tmp_path, "KIT_CMAKE_EXTRA=-DGGML_CUDA=on")


def test_recipes_such_as_the_native_tools_build_see_the_flag(tmp_path):
    """`kit build-server` runs in a recipe and reads KIT_CMAKE_EXTRA from its environment."""
    probe = 'kit-probe:\n\t@echo "[$$KIT_CMAKE_EXTRA]"'
    out = subprocess.run(["make", "-s", "-C", str(ROOT), "--eval", probe, "kit-probe", "KIT_CMAKE_EXTRA=-DGGML_CUDA=on",
                          f"PYTHON={sys.executable}"], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[-DGGML_CUDA=on]"
