"""kit run: papermill execution into the outputs folder, parameters checked, figures collected."""

from __future__ import annotations

import json

import pytest
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
