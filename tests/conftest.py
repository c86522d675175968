"""Shared fixtures: a private kit folder for every test, and the real embedded model."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TEST_OUTPUTS = ROOT / "test-outputs"


# Under pytest-xdist (`make test` runs TEST_WORKERS processes), each worker runs models on one thread: two
# workers with a thread per core each would have llama.cpp's threads wait on one another at every step.
if os.environ.get("PYTEST_XDIST_WORKER"):
    os.environ.setdefault("KIT_THREADS", "1")

_KIT_VARS = ("KIT_MODEL", "KIT_SERVER_URL", "KIT_CACHE", "KIT_LOG", "KIT_N_CTX", "KIT_REDACT")


def kit_folders(home: Path) -> dict[str, str]:
    """The environment that puts every kit folder (data, models, outputs) under ``home``."""
    return {"KIT_HOME": str(home), "KIT_MODELS_DIR": str(home / "models"), "KIT_OUTPUTS": str(home / "outputs")}


_SESSION_VARS = ("KIT_HOME", "KIT_MODELS_DIR", "KIT_OUTPUTS", *_KIT_VARS)
_saved_env: dict[str, str | None] = {}


def pytest_sessionstart(session):
    """A kit folder for the whole run, set before any test or notebook starts: session- and module-scoped
    fixtures (servers) and the kernels nbval starts for notebooks (they inherit this process's environment,
    and no fixture runs for a notebook cell) never read or write the real home (its response cache, run log)."""
    global _RUN_TMP
    factory = session.config._tmp_path_factory  # pytest's own tmp_path_factory, set up before any session starts
    home = factory.mktemp("kit-session-home")
    _RUN_TMP = str(factory.getbasetemp())
    _saved_env.update({name: os.environ.get(name) for name in _SESSION_VARS})
    os.environ.update(kit_folders(home))
    for name in _KIT_VARS:
        os.environ.pop(name, None)


def _restore_session_env() -> None:
    for key, value in _saved_env.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


@pytest.fixture(autouse=True)
def kit_home(tmp_path_factory, monkeypatch) -> Path:
    """Point every kit folder at a fresh temporary one: tests never touch the user's home."""
    home = tmp_path_factory.mktemp("kit-home")
    for name, value in kit_folders(home).items():
        monkeypatch.setenv(name, value)
    for name in _KIT_VARS:
        monkeypatch.delenv(name, raising=False)
    return home


@pytest.fixture(scope="session")
def model():
    """The real embedded SmolLM2 through in-process llama.cpp (no cache, no log: tests of those load their own)."""
    import kit

    with kit.load_model(cache=False, log=False, n_ctx=4096) as loaded:
        yield loaded


@pytest.fixture(scope="session")
def outputs_dir() -> Path:
    """Where tests leave files worth looking at (screenshots, executed notebooks)."""
    TEST_OUTPUTS.mkdir(exist_ok=True)
    return TEST_OUTPUTS


# The longest files (a test file or notebook runs whole in one worker), started first: started last, one of them
# would leave the other worker idle at the end. Seconds in a 2-worker run on 2 cores (`make test
# PYTEST_ARGS=--durations=60`); benchmarks/bench_suite.py gives every file's wall and CPU time.
SLOW_FIRST = (
    "notebooks/10_translation.ipynb",  # 85: the evaluation cell, 2 segments per pair
    "tests/test_reproducible.py",  # 224: 80 answers, on 1 and on 2 threads
    "tests/test_compare_run.py",  # 155: notebook grids through papermill
    "tests/test_lab_browser.py",  # 81
    "tests/test_offline_fallback.py",  # 75
    "tests/test_gallery_preheat.py",  # 58
    "tests/test_demo_browser.py",  # 44
    "tests/test_cluster_processes.py",  # 46
    "tests/test_admin_browser.py",  # 59
)


def pytest_collection_modifyitems(config, items):
    """Put the SLOW_FIRST files at the front; a stable sort keeps every other order, and each file's own."""
    rank = {name: i for i, name in enumerate(SLOW_FIRST)}
    items.sort(key=lambda item: rank.get(item.nodeid.split("::", 1)[0], len(SLOW_FIRST)))


def pytest_report_header(config):
    workers = getattr(config.option, "numprocesses", None)
    threads = os.environ.get("KIT_THREADS") or ("1 per worker" if workers else "all cores")
    return f"kit tests: KIT_THREADS={threads}, test workers: {workers or 'none (one process)'}"


# -- nothing left running ------------------------------------------------------------------------------
_RUN_TMP: str | None = None  # this run's temporary folder: every kit folder a test process uses is under it
_LEFTOVER_KINDS = ("llama-server", "ipykernel", "voila")
LEFTOVER_GRACE_S = 15.0  # a server or kernel told to stop in a fixture's teardown may take a moment


def _leftovers() -> list:
    """llama-server, Jupyter kernel and Voila processes this run started that are still alive: children of
    pytest, or orphans whose KIT_HOME lies in this run's temporary folder (so other runs are not counted)."""
    import psutil

    me = psutil.Process()
    children = {child.pid for child in me.children(recursive=True)}
    found = []
    for proc in psutil.process_iter(["cmdline"]):
        try:
            command = " ".join(proc.info["cmdline"] or [])
            if proc.pid == me.pid or not any(kind in command for kind in _LEFTOVER_KINDS):
                continue
            if proc.status() == psutil.STATUS_ZOMBIE:
                continue
            ours = proc.pid in children or (_RUN_TMP and proc.environ().get("KIT_HOME", "").startswith(_RUN_TMP))
            if ours:
                found.append(proc)
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
    return found


def pytest_sessionfinish(session, exitstatus):
    """Fail the run if it left a llama-server, kernel or Voila process behind (and stop those)."""
    _restore_session_env()
    deadline = time.monotonic() + LEFTOVER_GRACE_S
    left = _leftovers()
    while left and time.monotonic() < deadline:
        time.sleep(0.5)
        left = _leftovers()
    if not left:
        return
    import psutil

    lines = []
    for proc in left:
        try:
            lines.append(f"  pid {proc.pid}: {' '.join(proc.cmdline())[:160]}")
            proc.terminate()
        except psutil.NoSuchProcess:
            continue
    for proc in psutil.wait_procs(left, timeout=5)[1]:
        proc.kill()
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    text = "This test run left processes running (now stopped):\n" + "\n".join(lines)
    if reporter is not None:
        reporter.write_sep("=", "processes left behind", red=True)
        reporter.write_line(text)
    else:
        print(text)
    session.exitstatus = pytest.ExitCode.TESTS_FAILED
