"""The suite's own order for its workers: the slowest files first, each file whole and in its own order."""

from __future__ import annotations

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
