"""benchmarks/bench_suite.py: the suite's wall and CPU time per file, and the floor it sets on this machine."""

from __future__ import annotations

import json
import subprocess
import sys

from conftest import ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))
from bench_suite import by_file, summary  # noqa: E402

SCRIPT = ROOT / "benchmarks" / "bench_suite.py"


def test_items_are_summed_by_file_the_most_cpu_first_and_the_floor_is_cpu_over_cores():
    rows = [{"id": "tests/test_a.py::t1", "wall": 1.0, "cpu": 1.5}, {"id": "notebooks/n.ipynb::Cell 0", "wall": 4.0,
            "cpu": 6.0}, {"id": "tests/test_a.py::t2[x]", "wall": 2.0, "cpu": 2.5}]
    assert by_file(rows) == [("notebooks/n.ipynb", 1, 4.0, 6.0), ("tests/test_a.py", 2, 3.0, 4.0)]
    text = summary(rows, cores=2, top=1)
    assert "the other 1 files" in text and "3 items: 7 s wall in one process, 10 CPU-seconds" in text
    assert "Floor on 2 cores (CPU-seconds / cores, every core busy all the time): 5 s." in text


def test_a_real_run_of_one_file_records_every_item(tmp_path):
    out = tmp_path / "rows.jsonl"
    done = subprocess.run([sys.executable, str(SCRIPT), "--out", str(out), "--", "tests/test_evidence_bounds.py"],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert rows and {row["id"].split("::")[0] for row in rows} == {"tests/test_evidence_bounds.py"}
    assert all(row["wall"] >= 0 and row["cpu"] >= 0 for row in rows)
    assert f"{len(rows)} items:" in done.stdout and "tests/test_evidence_bounds.py" in done.stdout
