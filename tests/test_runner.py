"""kit run: papermill execution into the outputs folder, parameters checked, figures collected."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from conftest import ROOT
from notebook_files import write_notebook

from kit import runner
from kit.errors import InputError, KitError


@pytest.fixture()
def notebook(tmp_path):
    return write_notebook(tmp_path / "demo.ipynb", 'size: int = 3  # how many\nlabel: str = "demo"  # a name',
                          "import kit\nkit.record('squared', size * size, 'units')\nkit.record('label', label)")


def test_parameters_are_read_as_literals():
    assert runner.parse_value("3") == 3 and runner.parse_value("0.5") == 0.5
    assert runner.parse_value("True") is True and runner.parse_value("None") is None
    assert runner.parse_value("cy") == "cy" and runner.parse_value("[1, 2]") == [1, 2]


def test_run_collects_figures(notebook, tmp_path):
    result = runner.run_notebook(notebook, {"size": "7", "label": "x"}, output_dir=tmp_path / "out", progress=False)
    assert result.output.parent == tmp_path / "out" and result.output.exists()
    assert [(f["name"], f["value"]) for f in result.figures] == [("squared", 49), ("label", "x")]
    assert json.loads(result.output.with_suffix(".figures.json").read_text())[0]["unit"] == "units"
    assert "squared  49 units" in runner.format_figures(result.figures)


def test_unknown_parameter_lists_the_real_ones(notebook):
    with pytest.raises(InputError, match="no parameter.*sise.*size, label"):
        runner.run_notebook(notebook, {"sise": "7"}, progress=False)


def test_missing_notebook(tmp_path):
    with pytest.raises(InputError, match="No notebook at"):
        runner.run_notebook(tmp_path / "nope.ipynb")


def test_failing_cell_names_the_error_and_the_partial_output(notebook, tmp_path):
    with pytest.raises(KitError, match="failed in cell .*TypeError.*partly executed notebook"):
        runner.run_notebook(notebook, {"size": "'a'"}, output_dir=tmp_path, progress=False)


@pytest.mark.skipif(not runner.IPC_AVAILABLE, reason="IPC sockets are POSIX only; elsewhere one line explains TCP")
def test_the_kernel_is_reached_over_ipc_in_a_private_folder_removed_afterwards(tmp_path):
    probe = ("import json, os\nfrom ipykernel import get_connection_file\nimport kit\n"
             "info = json.load(open(get_connection_file()))\nfolder = os.path.dirname(get_connection_file())\n"
             "kit.record('transport', info['transport'])\nkit.record('folder', folder)\n"
             "kit.record('folder_mode', oct(os.stat(folder).st_mode & 0o777))\n"
             "kit.record('sockets_in_folder', info['ip'].startswith(folder + '/'))")
    notebook = write_notebook(tmp_path / "probe.ipynb", "x: int = 1", probe)
    found = {f["name"]: f["value"] for f in runner.run_notebook(notebook, output_dir=tmp_path, progress=False).figures}
    assert found["transport"] == "ipc" and found["folder_mode"] == "0o700" and found["sockets_in_folder"] is True
    assert not os.path.exists(found["folder"])  # removed with its socket files once the run ended


def test_kit_run_on_the_quickstart_prints_no_tcp_warning_and_works(tmp_path):
    """The real command on the real quickstart notebook (answers kept short)."""
    done = subprocess.run([sys.executable, "-m", "kit.cli", "run", str(ROOT / "notebooks" / "00_quickstart.ipynb"),
                           "-p", "max_tokens", "16", "--output-dir", str(tmp_path)],
                          capture_output=True, text=True, timeout=600, env={**os.environ, "PYTHONPATH": str(ROOT)})
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-3000:]
    assert "without encryption" not in output and "TCP" not in output
    assert "Figures:" in output and "answer_tokens" in output
