"""The Makefile's system-deps step: it names every system command the tests and the kit run, and says how to get them."""

from __future__ import annotations

import ast
import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

spec = importlib.util.spec_from_file_location("system_deps", ROOT / "scripts" / "system_deps.py")
system_deps = importlib.util.module_from_spec(spec)
sys.modules["system_deps"] = system_deps
spec.loader.exec_module(system_deps)

# Present wherever the README's two commands can run at all (a POSIX shell, coreutils, make, git), or built
# and installed by `make install` itself (the venv's entry points, llama.cpp's native tools).
BASELINE = {
    "sh", "bash", "env", "true", "false", "sleep", "kill", "cat", "ls", "cp", "mv", "rm", "mkdir", "make", "git",
    "python", "python3", "pip", "kit", "voila", "jupyter", "papermill", "nbstripout", "pytest",
    "llama-server", "llama-bench", "llama-quantize",
    "ninja",  # pip's, put into the venv by `make install` (kit/runtime/native.py falls back to make without it)
    "apt-get", "sudo",  # the installer itself
    "nvidia-smi",  # only looked for: benchmarks/gpu_check.sh runs on NVIDIA machines and says so without one
    "ldd",  # glibc's own (libc-bin, always installed on Debian): which shared libraries the tools load
}
_RUNNERS = {"run", "Popen", "call", "check_call", "check_output", "create_subprocess_exec"}


def _command_of(node: ast.AST) -> str | None:
    if isinstance(node, (ast.List, ast.Tuple)) and node.elts:
        node = node.elts[0]
    if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value:
        word = node.value.split()[0]
        return Path(word).name if "/" in word else word
    return None


def commands_used(paths: list[Path]) -> dict[str, set[str]]:
    """System commands that code runs or looks up: shutil.which("x"), subprocess.*(["x", ...]), "/usr/bin/x"."""
    found: dict[str, set[str]] = {}
    for path in paths:
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            name = None
            if isinstance(node, ast.Call) and node.args:
                func = node.func
                owner = getattr(func.value, "id", "") if isinstance(func, ast.Attribute) else ""
                attr = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                if attr == "which" or (attr in _RUNNERS and (owner in ("subprocess", "asyncio") or not owner
                                                             and attr != "run")):
                    name = _command_of(node.args[0])
            elif isinstance(node, ast.Constant) and isinstance(node.value, str):
                match = re.fullmatch(r"/(?:usr/)?s?bin/([\w.+-]+)", node.value)
                name = match.group(1) if match else None
            if name and not name.startswith(("-", "{", "$")) and re.fullmatch(r"[\w.+-]+", name):
                found.setdefault(name, set()).add(str(path.relative_to(ROOT)))
    return found


def test_the_dependency_step_names_every_system_command_the_tests_and_the_kit_use():
    sources = sorted([*(ROOT / "tests").rglob("*.py"), *(ROOT / "kit").rglob("*.py")])
    used = commands_used(sources)
    assert "unshare" in used and "chromium" in used and "cmake" in used  # the scan sees what we know is there
    named = {need.command for need in system_deps.NEEDS}
    unnamed = {cmd: sorted(where) for cmd, where in used.items() if cmd not in named | BASELINE}
    assert not unnamed, f"add these to scripts/system_deps.py NEEDS (command, why, packages): {unnamed}"


def test_the_scanner_finds_commands_in_the_forms_tests_use(tmp_path):
    sample = tmp_path / "t.py"
    sample.write_text(
        "import shutil, subprocess\nfrom pathlib import Path\n"
        "shutil.which('unshare')\nsubprocess.run(['taskset', '-c', '0', 'x'])\n"
        "subprocess.Popen(('ip', 'link'))\nB = Path('/usr/bin/chromium')\nsubprocess.run(cmd)\n"
    )
    global ROOT
    saved, ROOT = ROOT, tmp_path
    try:
        assert set(commands_used([sample])) == {"unshare", "taskset", "ip", "chromium"}
    finally:
        ROOT = saved


def test_the_makefile_runs_the_step_before_the_tests_and_the_build():
    plan = subprocess.run(["make", "-n", "-C", str(ROOT), "test", "VENV=/nonexistent/venv", "CACHE=/nonexistent/cache",
                           f"PYTHON={sys.executable}"], capture_output=True, text=True, check=True).stdout.splitlines()
    step = next(i for i, line in enumerate(plan) if "scripts/system_deps.py test" in line)
    build = next(i for i, line in enumerate(plan) if "scripts/system_deps.py demo" in line)
    wheel = next(i for i, line in enumerate(plan) if "pip wheel" in line)
    tests = next(i for i, line in enumerate(plan) if "-m pytest" in line)
    assert build < wheel < tests and step < tests


def test_missing_lists_each_absent_command_and_honours_the_browser_settings(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv("KIT_CHROMIUM", raising=False)
    monkeypatch.delenv("KIT_SKIP_BROWSER", raising=False)
    assert [n.command for n in system_deps.missing("demo")] == ["cmake", "c++"]
    assert [n.command for n in system_deps.missing("test")] == ["cmake", "c++", "chromium", "unshare", "ip"]
    monkeypatch.setenv("KIT_SKIP_BROWSER", "1")
    assert "chromium" not in [n.command for n in system_deps.missing("test")]
    monkeypatch.delenv("KIT_SKIP_BROWSER")
    browser = tmp_path / "my-chromium"
    browser.write_text("#!/bin/sh\n")
    browser.chmod(0o755)
    monkeypatch.setenv("KIT_CHROMIUM", str(browser))
    assert "chromium" not in [n.command for n in system_deps.missing("test")]
    assert system_deps.chromium_path() == str(browser)


@pytest.mark.parametrize("distro, expected", [
    ("debian", "sudo apt-get install chromium util-linux iproute2"),
    ("fedora", "sudo dnf install -y chromium util-linux iproute"),
    ("arch", "sudo pacman -S --needed chromium util-linux iproute2"),
    ("macos", "KIT_CHROMIUM="),
    ("unknown", "KIT_CHROMIUM=/path/to/chromium"),
])
def test_the_message_names_the_packages_and_the_command_for_each_system(distro, expected):
    needs = [n for n in system_deps.NEEDS if n.command in ("chromium", "unshare", "ip")]
    line = system_deps.instructions(needs, distro)
    assert "\n" not in line and expected in line and "chromium, unshare, ip" in line


def test_without_root_or_sudo_it_stops_with_one_line_and_installs_nothing(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv("KIT_CHROMIUM", raising=False)
    monkeypatch.delenv("KIT_SKIP_BROWSER", raising=False)
    monkeypatch.setattr(system_deps, "_distro", lambda: "debian")
    monkeypatch.setattr(system_deps, "_privilege", lambda: None)
    ran = []
    monkeypatch.setattr(system_deps.subprocess, "run", lambda *a, **k: ran.append(a))
    assert system_deps.ensure("test") == 1
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "sudo apt-get install cmake g++ chromium util-linux iproute2" in err
    assert ran == []


def test_with_root_it_says_what_it_installs_and_why(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setenv("KIT_SKIP_BROWSER", "1")
    monkeypatch.setattr(system_deps, "_distro", lambda: "debian")
    monkeypatch.setattr(system_deps, "_privilege", lambda: [])
    monkeypatch.setattr(system_deps.shutil, "which",
                        lambda cmd, _real=system_deps.shutil.which: "/usr/bin/apt-get" if cmd == "apt-get" else None)
    calls = []

    class Done:
        returncode = 0

    monkeypatch.setattr(system_deps.subprocess, "run", lambda argv, **k: calls.append(argv) or Done())
    assert system_deps.ensure("demo") == 1  # still missing afterwards (nothing really installed): says so
    out = capsys.readouterr()
    assert "Installing cmake for `cmake`: building llama.cpp" in out.out
    assert calls[-1] == ["apt-get", "install", "-y", "-qq", "cmake", "g++"]
    assert "could not install everything" in out.err
