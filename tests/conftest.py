"""Shared fixtures: a private kit folder for every test, and the real embedded model."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TEST_OUTPUTS = ROOT / "test-outputs"


@pytest.fixture(autouse=True)
def kit_home(tmp_path_factory, monkeypatch) -> Path:
    """Point every kit folder at a fresh temporary one: tests never touch the user's home."""
    home = tmp_path_factory.mktemp("kit-home")
    monkeypatch.setenv("KIT_HOME", str(home))
    monkeypatch.setenv("KIT_MODELS_DIR", str(home / "models"))
    monkeypatch.setenv("KIT_OUTPUTS", str(home / "outputs"))
    for name in ("KIT_MODEL", "KIT_SERVER_URL", "KIT_CACHE", "KIT_LOG", "KIT_N_CTX"):
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
