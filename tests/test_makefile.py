"""The Makefile passes KIT_CMAKE_EXTRA into its one llama.cpp build and its key (GNU Make 4.3 included)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _plan(tmp_path: Path, *args: str, env_extra: str | None = None, goal: str = "install") -> str:
    env = {k: v for k, v in os.environ.items() if k != "KIT_CMAKE_EXTRA"}
    if env_extra is not None:
        env["KIT_CMAKE_EXTRA"] = env_extra
    return subprocess.run(
        ["make", "-n", "-C", str(ROOT), goal, f"VENV={tmp_path}/venv", f"CACHE={tmp_path}/cache",
         f"PYTHON={sys.executable}", *args],
        capture_output=True, text=True, check=True, env=env,
    ).stdout


def _build_flags(plan: str) -> str:
    return re.search(r'Building llama\.cpp\'s libraries with: ([^"]*)"', plan).group(1)


def _build_command(plan: str) -> str:
    return re.search(r"^.* -m kit\.cli build-server .*$", plan, re.M).group(0)


def _build_stamp(plan: str) -> str:
    return re.search(r"touch (\S+/\.stamp-llamacpp-\S+)", plan).group(1)


def test_a_command_line_kit_cmake_extra_reaches_the_build_and_its_key(tmp_path):
    plain = _plan(tmp_path)
    cuda = _plan(tmp_path, "KIT_CMAKE_EXTRA=-DGGML_CUDA=on")
    assert "-DGGML_CUDA=on" not in _build_flags(plain) and "GGML_CUDA" not in _build_command(plain)
    assert "-DGGML_CUDA=on -DCMAKE_CUDA_ARCHITECTURES=native" in _build_flags(cuda)
    assert _build_command(cuda).startswith("KIT_CMAKE_EXTRA='-DGGML_CUDA=on' ")
    assert _build_stamp(cuda) != _build_stamp(plain)  # keyed by the flags: switching rebuilds


def test_llama_cpp_is_compiled_once_and_llama_cpp_python_gets_only_its_python_code(tmp_path):
    plan = _plan(tmp_path, "KIT_CMAKE_EXTRA=-DGGML_CUDA=on")
    wheel = re.search(r'^CMAKE_ARGS="([^"]*)" \S+ -m pip wheel .*$', plan, re.M)
    assert wheel and wheel.group(1) == "-DLLAMA_BUILD=OFF"  # the same Python-only wheel for every flag set
    assert plan.count("-m pip wheel ") == 1 and plan.count("build-server --libraries --sdist") == 1
    assert "--reuse" in _build_command(plan)  # flags built before are installed again, not recompiled


def test_install_builds_the_libraries_and_the_tests_add_the_tools_to_the_same_build(tmp_path):
    """`make demo` compiles only what in-process models load; `make test` and `make bench` then build the tools
    (with the same flags, keyed the same way) over the kept tree, after the libraries."""
    assert "kit build-server --sdist" not in _plan(tmp_path) and "stamp-llamatools" not in _plan(tmp_path)
    for goal in ("test", "bench"):
        plan = _plan(tmp_path, "KIT_CMAKE_EXTRA=-DGGML_CUDA=on", goal=goal)
        tools = re.search(r"^KIT_CMAKE_EXTRA='-DGGML_CUDA=on' \S+/venv/bin/kit build-server --sdist \S+ --reuse$",
                          plan, re.M)
        assert tools, plan
        assert plan.rindex("build-server --libraries") < tools.start()
        assert _build_stamp(plan).rsplit("-", 1)[1] == re.search(r"\.stamp-llamatools-\S+-(\w+)", plan).group(1)
        assert re.search(r"(?m)^\S+/venv/bin/(python -m pytest|python benchmarks/run_all\.py)", plan)


def test_the_environment_form_gives_the_same_plan(tmp_path):
    assert _plan(tmp_path, env_extra="-DGGML_CUDA=on") == _plan(tmp_path, "KIT_CMAKE_EXTRA=-DGGML_CUDA=on")


def test_recipes_such_as_the_native_tools_build_see_the_flag(tmp_path):
    """`kit build-server` runs in a recipe and reads KIT_CMAKE_EXTRA from its environment."""
    probe = 'kit-probe:\n\t@echo "[$$KIT_CMAKE_EXTRA]"'
    out = subprocess.run(["make", "-s", "-C", str(ROOT), "--eval", probe, "kit-probe", "KIT_CMAKE_EXTRA=-DGGML_CUDA=on",
                          f"PYTHON={sys.executable}"], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[-DGGML_CUDA=on]"


def test_install_registers_the_kit_kernel_in_the_venv_after_the_kit(tmp_path):
    plan = _plan(tmp_path)
    register = re.search(r"^(\S+)/bin/python -m ipykernel install --sys-prefix --name fellowship-kit .*$", plan, re.M)
    assert register and register.group(1) == f"{tmp_path}/venv"  # the venv's own prefix, never the user's home
    assert plan.index("pip install --quiet -e") < register.start()  # after the kit is installed


def test_make_lab_runs_the_install_steps_then_kit_lab(tmp_path):
    plan = subprocess.run(["make", "-n", "--no-print-directory", "-C", str(ROOT), "lab", f"VENV={tmp_path}/venv", f"CACHE={tmp_path}/cache",
                           f"PYTHON={sys.executable}", "LAB_PORT=8899"], capture_output=True, text=True, check=True).stdout
    assert "ipykernel install --sys-prefix --name fellowship-kit" in plan and "build-server --libraries --sdist" in plan
    assert "stamp-llamatools" not in plan  # JupyterLab runs models in-process: the tools are not built for it
    assert plan.rstrip().splitlines()[-1] == f"{tmp_path}/venv/bin/kit lab --port 8899"


def test_the_suite_runs_in_test_workers_in_conftests_order_and_one_process_with_0(tmp_path):
    command = re.compile(r"^\S+/venv/bin/python -m pytest (.*)$", re.M)
    args = command.search(_plan(tmp_path, goal="test")).group(1).split()
    assert args[:4] == ["-n", "2", "--dist", "loadfile"]  # a whole test file stays in one worker
    assert args[4:8] == ["--no-loadscope-reorder", "--nbval-lax", "notebooks", "tests"]  # conftest's order
    assert command.search(_plan(tmp_path, "TEST_WORKERS=0", goal="test")).group(1).startswith("-n 0 ")
