"""The suite's own set-up: the slowest files first for its workers, each file whole and in its own order, and the
run's own kit folder for every notebook kernel."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from types import SimpleNamespace

import conftest


def test_slow_files_come_first_and_every_file_keeps_its_items_together_in_order():
    names = ["tests/test_a.py::t1", "notebooks/10_translation.ipynb::Cell 0", "tests/test_a.py::t2",
             "tests/test_reproducible.py::t[1]", "notebooks/10_translation.ipynb::Cell 1",
             "tests/test_reproducible.py::t[2]", "tests/test_b.py::t"]
    items = [SimpleNamespace(nodeid=name) for name in names]
    conftest.pytest_collection_modifyitems(None, items)
    assert [item.nodeid for item in items] == [
        "notebooks/10_translation.ipynb::Cell 0", "notebooks/10_translation.ipynb::Cell 1",
        "tests/test_reproducible.py::t[1]", "tests/test_reproducible.py::t[2]",
        "tests/test_a.py::t1", "tests/test_a.py::t2", "tests/test_b.py::t"]


def test_every_slow_first_file_exists():
    missing = [name for name in conftest.SLOW_FIRST if not (conftest.ROOT / name).is_file()]
    assert not missing, f"SLOW_FIRST names files that are gone: {missing}"


def test_a_notebook_run_first_gets_the_runs_kit_folder_not_the_real_home(tmp_path):
    """nbval starts a notebook's kernel with the suite's environment and runs no fixture for it: the run's kit
    folder must already be set when the first item, a notebook, starts (else it reads the user's real cache)."""
    real_home = tmp_path / "real-home"
    check = ("import os\n"
             "home = os.environ['KIT_HOME']\n"
             f"assert 'kit-session-home' in home and not home.startswith({str(real_home)!r}), home\n"
             "assert os.environ['KIT_MODELS_DIR'].startswith(home) and 'KIT_CACHE' not in os.environ")
    nb = {"cells": [{"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [], "source": check}],
          "metadata": {"kernelspec": {"name": "fellowship-kit", "display_name": "fellowship-kit", "language": "python"}},
          "nbformat": 4, "nbformat_minor": 5}
    (tmp_path / "first.ipynb").write_text(json.dumps(nb), encoding="utf-8")
    env = {**os.environ, "KIT_HOME": str(real_home), "KIT_CACHE": "on", "PYTHONPATH": str(conftest.ROOT / "tests")}
    done = subprocess.run([sys.executable, "-m", "pytest", "-p", "conftest", "-p", "no:cacheprovider", "-c", os.devnull,
                           "--rootdir", str(tmp_path), "--nbval-lax", "-q", "first.ipynb"],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0 and "1 passed" in done.stdout, done.stdout[-3000:] + done.stderr[-2000:]
    assert not real_home.exists()
