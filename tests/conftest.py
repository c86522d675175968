"""Shared fixtures: a private kit folder for every test, and the real embedded model."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TEST_OUTPUTS = ROOT / "test-outputs"


_KIT_VARS = ("KIT_MODEL", "KIT_SERVER_URL", "KIT_CACHE", "KIT_LOG", "KIT_N_CTX", "KIT_REDACT")


@pytest.fixture(scope="session", autouse=True)
def session_home(tmp_path_factory):
    """A kit folder for the whole session, so session- and module-scoped fixtures (servers, notebook
    kernels started by nbval) never write into the real home either."""
    home = tmp_path_factory.mktemp("kit-session-home")
    saved = {k: os.environ.get(k) for k in ("KIT_HOME", "KIT_MODELS_DIR", "KIT_OUTPUTS", *_KIT_VARS)}
    os.environ.update(KIT_HOME=str(home), KIT_MODELS_DIR=str(home / "models"), KIT_OUTPUTS=str(home / "outputs"))
    for name in _KIT_VARS:
        os.environ.pop(name, None)
    yield home
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


@pytest.fixture(autouse=True)
def kit_home(tmp_path_factory, monkeypatch) -> Path:
    """Point every kit folder at a fresh temporary one: tests never touch the user's home."""
    home = tmp_path_factory.mktemp("kit-home")
    monkeypatch.setenv("KIT_HOME", str(home))
    monkeypatch.setenv("KIT_MODELS_DIR", str(home / "models"))
    monkeypatch.setenv("KIT_OUTPUTS", str(home / "outputs"))
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


def pytest_report_header(config):
    return f"kit tests: KIT_THREADS={os.environ.get('KIT_THREADS', 'all cores')}"
