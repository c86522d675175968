"""kit compare for real: notebooks run by papermill in worker processes, on the embedded model where marked."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import polars as pl
import psutil
import pytest
from polars.testing import assert_frame_equal

from kit.comparison import compare, plots

from test_compare import QUICKSTART, nbs  # noqa: F401 - nbs is a fixture shared with the unit tests


def _kernels_in(folder: Path) -> list[psutil.Process]:
    """Kernel processes still running with ``folder`` as their working directory (a run's notebook folder)."""
    found = []
    for proc in psutil.process_iter(["cmdline"]):
        try:
            if "ipykernel_launcher" in " ".join(proc.info["cmdline"] or []) and Path(proc.cwd()) == folder:
                found.append(proc)
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            pass
    return found


def test_failed_and_timed_out_runs_are_rows_and_the_rest_complete(nbs, tmp_path):
    _, steps = nbs
    # timeout 40 s: a run sleeping 120 s passes it, a kernel starting beside a busy worker (over 15 s seen) does not
    result = compare(steps, parameters={"fail": [False, True], "sleep_s": [0, 120]}, parallel=2, timeout=40,
                     output_dir=tmp_path)
    wide = result.table
    assert wide.select("fail", "sleep_s", "status").rows() == [
        ("False", "0", "ok"), ("False", "120", "timeout"), ("True", "0", "failed"), ("True", "120", "failed")], wide.select("run", "status", "error").rows()
    ok, timed_out, failed = wide.row(0, named=True), wide.row(1, named=True), wide.row(2, named=True)
    assert ok["finished"] == 1.0 and ok["value"] == 1.0 and ok["error"] is None
    # the failed run: which cell, what error, and the figures recorded before it failed
    assert failed["error"] == "ValueError: <b>bad</b> & value" and failed["cell"] == 5
    assert failed["value"] == 1.0 and failed["figure_label"] == "value 1" and failed["finished"] is None
    # the timed-out run was stopped in its sleep, kernel and all, and kept its earlier figures
    assert "after 40 s" in timed_out["error"] and timed_out["value"] == 1.0 and timed_out["finished"] is None
    assert 39 < timed_out["seconds"] < 80 and 20 < timed_out["peak_mb"] < 2000  # sampled until the stop
    assert not _kernels_in(steps.parent)
    assert 20 < ok["peak_mb"] < 2000 and ok["threads"] == max(1, len(os.sched_getaffinity(0)) // 2)
    for row in wide.iter_rows(named=True):  # every run's notebook is kept, and linked relative to the report
        assert (tmp_path / row["output"]).is_file()
    for row, status in ((ok, "ok"), (failed, "failed")):  # each run leaves the manifest `kit run` writes
        manifest = json.loads((tmp_path / row["output"]).with_suffix(".run.json").read_text(encoding="utf-8"))
        assert manifest["status"] == status and manifest["parameters"]["passed"]["fail"] == (status == "failed")
    assert "ValueError" in manifest["error"] and "cell 5" in manifest["error"]
    page = result.html.read_text(encoding="utf-8")
    assert "ValueError: &lt;b&gt;bad&lt;/b&gt; &amp; value" in page and '<tr class="timeout">' in page
    assert_frame_equal(pl.read_parquet(result.files["long_parquet"]), result.long)
    _check_report_notebook(result.notebook)


def _check_report_notebook(path: Path) -> None:
    """The report notebook reopens the saved tables and redraws the plots."""
    import papermill

    from kit import kernel

    nb = papermill.execute_notebook(str(path), str(path.with_name("report-executed.ipynb")), cwd=str(path.parent),
                                    progress_bar=False, kernel_name=kernel.name())
    outputs = [o for c in nb.cells for o in c.get("outputs", [])]
    assert any("image/png" in o.get("data", {}) for o in outputs)
    assert any("ValueError" in o.get("data", {}).get("text/html", "") for o in outputs)  # the failed runs


@pytest.mark.model
def test_a_grid_of_two_notebooks_and_two_settings_on_the_embedded_model(nbs, tmp_path):
    probe, _ = nbs
    result = compare([QUICKSTART, probe], parameters={"max_tokens": [8, 16]}, parallel=2, output_dir=tmp_path)
    wide = result.table
    assert wide.select("capability", "max_tokens", "status").rows() == [
        ("quickstart", "8", "ok"), ("quickstart", "16", "ok"), ("compare_probe", "8", "ok"),
        ("compare_probe", "16", "ok")], wide.select("run", "status", "error").rows()
    probed = wide.filter(pl.col("capability") == "compare_probe")
    assert all(0 < t <= int(m) for t, m in probed.select("answer_tokens", "max_tokens").rows())
    assert set(probed["model_file"].to_list()) == {"smollm2-135m"}
    assert wide["context_size"].drop_nulls().to_list() == [4096.0, 4096.0]  # a quickstart figure
    assert (wide["peak_mb"] > 100).all()  # the kernel held the model
    page = result.html.read_text(encoding="utf-8")
    assert "<h2>quickstart</h2>" in page and "<h2>compare_probe</h2>" in page
    assert page.count("data:image/png;base64,") == 2 and "answer_tokens" in page  # each capability's cost per run
    for capability in ("quickstart", "compare_probe"):  # neither records a quality figure, and the page says so
        assert plots.NO_QUALITY.format(capability=capability) in page
    assert page.count("context_size=4096 (recorded)") == 2  # a setting, shown with its run, not plotted
    assert result.notebook.is_file()


@pytest.mark.model
def test_cli_runs_a_grid_with_a_missing_model_and_exits_0(nbs, tmp_path):
    probe, _ = nbs
    missing = tmp_path / "missing.gguf"
    env = {**os.environ, "KIT_THREADS": "1"}
    done = subprocess.run([sys.executable, "-m", "kit.cli", "compare", str(probe), "--model", "None", "--model",
                           str(missing), "-p", "max_tokens", "8", "--parallel", "2", "--output-dir", str(tmp_path)],
                          capture_output=True, text=True, env=env, timeout=240)
    assert done.returncode == 0, done.stderr
    assert f"Report: {tmp_path / 'report.html'}" in done.stdout and "Report notebook:" in done.stdout
    wide = pl.read_csv(tmp_path / "comparison.csv")
    assert wide["model"].to_list() == ["default", "missing.gguf"]
    assert wide["status"].to_list() == ["ok", "failed"]
    assert "ModelNotFoundError" in wide["error"][1] and str(missing) in wide["error"][1]
    assert wide["answer_tokens"][0] > 0 and wide["answer_tokens"][1] is None


def test_cli_exits_1_when_every_run_fails(nbs, tmp_path):
    _, steps = nbs
    done = subprocess.run([sys.executable, "-m", "kit.cli", "compare", str(steps), "-p", "fail", "True",
                           "-p", "child_mb", "200", "--output-dir", str(tmp_path)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 1
    assert "every run failed" in done.stdout and (tmp_path / "report.html").is_file()
    # the kernel and the child it started each held 200 MB at once: peak memory counts both, not the larger
    assert pl.read_csv(tmp_path / "comparison.csv")["peak_mb"][0] > 400
