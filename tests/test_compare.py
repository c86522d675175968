"""Unit tests of kit.comparison: grid expansion and checks, run planning, tables and the report, from hand-made runs."""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from kit import cli
from kit.comparison import execute, grid, plots, report, table
from kit.comparison.execute import RunOutcome
from kit.comparison.grid import RunSpec
from kit.errors import InputError

ROOT = Path(__file__).resolve().parent.parent
QUICKSTART = ROOT / "notebooks" / "00_quickstart.ipynb"
DATA = ROOT / "tests" / "data"


@pytest.fixture(scope="module")
def nbs(tmp_path_factory) -> tuple[Path, Path]:
    """The probe and steps test notebooks, copied in as .ipynb files (stored as .nb.json so nbval skips them)."""
    folder = tmp_path_factory.mktemp("compare-notebooks")
    for name in ("compare_probe", "compare_steps"):
        shutil.copy(DATA / f"{name}.nb.json", folder / f"{name}.ipynb")
    return folder / "compare_probe.ipynb", folder / "compare_steps.ipynb"


# -- grid -------------------------------------------------------------------------------------
def test_expand_runs_every_notebook_model_and_setting_in_order(nbs):
    probe, _ = nbs
    runs = grid.expand([QUICKSTART, probe], ["smollm2-135m", "None", "/models/x.gguf"],
                       {"max_tokens": ["8", 16]})
    assert len(runs) == 2 * 3 * 2
    assert [r.index for r in runs] == list(range(12))
    assert len({r.run_id for r in runs}) == 12
    first, last = runs[0], runs[-1]
    assert first.notebook == QUICKSTART and first.model == "smollm2-135m" and first.settings == {"max_tokens": 8}
    assert last.notebook == probe and last.model == "/models/x.gguf" and last.settings == {"max_tokens": 16}
    assert runs[2].model is None  # "None" from the command line is the default model
    assert runs[2].parameters == {"model": None, "max_tokens": 8}
    assert last.label == "x.gguf, max_tokens=16"
    assert first.capability == "quickstart"


def test_expand_without_models_leaves_the_model_parameter_alone(nbs):
    _, steps = nbs
    runs = grid.expand([steps], None, {"fail": [False, True], "sleep_s": 0})
    assert [r.parameters for r in runs] == [{"fail": False, "sleep_s": 0}, {"fail": True, "sleep_s": 0}]
    assert runs[0].label == "fail=False, sleep_s=0"
    assert grid.expand([steps])[0].label == "defaults"


def test_a_model_given_as_a_parameter_is_the_models_axis(nbs):
    probe, _ = nbs
    runs = grid.expand([probe], None, {"model": ["a", "b"]})
    assert [r.parameters for r in runs] == [{"model": "a"}, {"model": "b"}]
    with pytest.raises(InputError, match="given twice"):
        grid.expand([probe], ["a"], {"model": ["b"]})


def test_unknown_parameter_names_the_notebook_and_lists_its_parameters(nbs):
    probe, steps = nbs
    with pytest.raises(InputError) as err:
        grid.expand([probe, steps], None, {"max_tokens": [8, 16]})
    message = str(err.value)
    assert "compare_steps.ipynb has no parameter(s) max_tokens" in message
    assert "value, fail, sleep_s" in message


def test_models_for_a_notebook_without_a_model_parameter_is_an_error(nbs):
    probe, steps = nbs
    with pytest.raises(InputError, match="compare_steps.ipynb has no model parameter"):
        grid.expand([probe, steps], ["smollm2-135m"])


@pytest.mark.parametrize("notebooks, parameters, message", [
    ([], None, "No notebooks"),
    (["missing.ipynb"], None, "No notebook at missing.ipynb"),
    ([ROOT / "README.md"], None, "No notebook at"),
    ([QUICKSTART], {"max_tokens": []}, "max_tokens has no values"),
])
def test_bad_grids_are_refused_before_anything_runs(notebooks, parameters, message):
    with pytest.raises(InputError, match=message):
        grid.expand(notebooks, None, parameters)


def test_cli_parameters_merge_repeats_and_refuse_a_name_alone():
    assert grid.parse_cli_parameters([["a", "1", "2"], ["b", "x"], ["a", "3"]]) == {"a": ["1", "2", "3"], "b": ["x"]}
    with pytest.raises(InputError, match="-p a has no values"):
        grid.parse_cli_parameters([["a"]])


# -- planning ---------------------------------------------------------------------------------
@pytest.mark.parametrize("n_runs, parallel, threads, n_cores, expected", [
    (4, None, None, 2, (1, 2)),     # small machine: one run with both cores
    (4, None, None, 16, (4, 4)),    # about four cores a run
    (2, None, None, 16, (2, 8)),    # never more at once than runs
    (4, 2, None, 2, (2, 1)),        # parallel given: cores shared out, at least one thread
    (4, 8, None, 2, (4, 1)),
    (4, None, 1, 2, (2, 1)),        # threads given: as many runs as fit
])
def test_plan_never_oversubscribes_unless_told(n_runs, parallel, threads, n_cores, expected):
    assert execute.plan(n_runs, parallel, threads, n_cores) == expected


@pytest.mark.parametrize("kwargs, message", [({"parallel": 0}, "parallel must be 1 or more"),
                                             ({"threads": 0}, "threads must be 1 or more")])
def test_plan_refuses_nonsense(kwargs, message):
    with pytest.raises(InputError, match=message):
        execute.plan(3, n_cores=2, **kwargs)


def test_run_all_refuses_a_non_positive_timeout(tmp_path):
    with pytest.raises(InputError, match="timeout must be"):
        execute.run_all([], tmp_path, parallel=1, threads=1, timeout=0)


# -- tables -----------------------------------------------------------------------------------
def _outcome(tmp_path: Path, index: int, settings: dict, status: str = "ok", figures=(), notebook: str = "10_demo.ipynb",
             error: tuple[str, str] | None = None, model: str | None = None) -> RunOutcome:
    spec = RunSpec(index, tmp_path / notebook, model, settings, models_given=True)
    return RunOutcome(spec, status, 3 if error else None, error[0] if error else None, error[1] if error else None,
                      1.5 + index, 200.0 + index, list(figures), tmp_path / "runs" / spec.run_id / notebook, 1)


def _fig(name, value, unit=""):
    return {"name": name, "value": value, "unit": unit, "note": ""}


@pytest.fixture
def outcomes(tmp_path):
    return [
        _outcome(tmp_path, 0, {"max_tokens": 8}, figures=[_fig("accuracy", 0.5, "fraction"), _fig("model_file", "a"),
                                                          _fig("status", 2)]),
        _outcome(tmp_path, 1, {"max_tokens": 16}, figures=[_fig("accuracy", 0.75, "fraction"), _fig("ok", True)],
                 model="/m/b.gguf"),
        _outcome(tmp_path, 2, {"max_tokens": 16}, "failed", error=("ValueError", "boom"),
                 figures=[_fig("accuracy", None)]),
        _outcome(tmp_path, 3, {"max_tokens": 32}, "timeout", error=("Timeout", "still running")),
    ]


def test_long_table_has_a_row_per_run_and_figure(outcomes, tmp_path):
    long = table.long_table(outcomes, tmp_path)
    assert long.height == 3 + 2 + 1 + 1  # the timed-out run without figures keeps one row
    assert long.filter(pl.col("run") == outcomes[3].spec.run_id)["figure"].to_list() == [None]
    row = long.filter(pl.col("figure") == "model_file").row(0, named=True)
    assert row["value"] is None and row["value_text"] == "a"
    assert long.filter(pl.col("figure") == "ok")["value"].to_list() == [1.0]
    assert long.schema["value"] == pl.Float64 and long.schema["max_tokens"] == pl.Utf8
    assert long["output"][0] == f"runs/{outcomes[0].spec.run_id}/10_demo.ipynb"  # relative, for links


def test_wide_table_has_a_row_per_run_then_a_column_per_figure(outcomes, tmp_path):
    wide = table.wide_table(outcomes, tmp_path)
    assert wide.height == 4
    assert wide.columns[:11] == ["run", "notebook", "capability", "model", "max_tokens", "status", "cell", "error",
                                 "seconds", "peak_mb", "threads"]
    assert wide.columns[-4:] == ["accuracy", "model_file", "figure_status", "ok"]  # a clashing name is prefixed
    assert wide["accuracy"].to_list() == [0.5, 0.75, None, None]
    assert wide.schema["accuracy"] == pl.Float64 and wide.schema["model_file"] == pl.Utf8
    assert wide["model"].to_list() == ["default", "b.gguf", "default", "default"]
    failed = wide.row(2, named=True)
    assert failed["status"] == "failed" and failed["error"] == "ValueError: boom" and failed["cell"] == 3


def test_tables_save_as_csv_and_parquet(outcomes, tmp_path):
    long, wide = table.long_table(outcomes, tmp_path), table.wide_table(outcomes, tmp_path)
    files = table.save(long, wide, tmp_path)
    assert_frame_equal(pl.read_parquet(files["wide_parquet"]), wide)
    assert pl.read_csv(files["long_csv"]).height == long.height
    text = table.format_table(wide)
    lines = text.splitlines()
    assert len(lines) == 5 and lines[0].startswith("notebook")
    assert "accuracy=0.5, model_file=a, figure_status=2" in lines[1]
    assert lines[3].endswith("cell 3: ValueError: boom") and "failed" in lines[3]
    assert max(len(line) for line in table.format_table(wide, width=40).splitlines()) == 40


# -- report -----------------------------------------------------------------------------------
def test_html_report_escapes_names_and_errors_and_loads_nothing_from_outside(tmp_path):
    hostile = "<script>alert(1)</script>"
    runs = [
        _outcome(tmp_path, 0, {"prompt": hostile}, notebook="20_<b>x</b>.ipynb",
                 figures=[_fig("<i>score</i>", 0.9), _fig("note", hostile)]),
        _outcome(tmp_path, 1, {"prompt": "plain"}, "failed", notebook="20_<b>x</b>.ipynb",
                 error=("ValueError", '<img src=x onerror="alert(2)">'), figures=[_fig("<i>score</i>", 0.2)]),
    ]
    wide, long = table.wide_table(runs, tmp_path), table.long_table(runs, tmp_path)
    page = report.write_html(wide, long, tmp_path / "report.html", timing="t").read_text(encoding="utf-8")
    assert "<script" not in page and "<img src=x" not in page and "<b>x</b>" not in page and "<i>score" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;img src=x onerror=&quot;alert(2)&quot;&gt;" in page
    assert "20_&lt;b&gt;x&lt;/b&gt;.ipynb" in page
    assert '<tr class="failed">' in page and page.count('<tr class="ok">') == 1
    assert "data:image/png;base64," in page  # the plot is inline
    assert "http://" not in page and "https://" not in page and "<link" not in page
    assert "RUSAGE_CHILDREN" in page  # says how memory was measured


def test_html_report_without_numeric_figures_says_so(tmp_path):
    runs = [_outcome(tmp_path, 0, {}, "failed", error=("E", "x"))]
    page = report.write_html(table.wide_table(runs, tmp_path), table.long_table(runs, tmp_path),
                             tmp_path / "r.html", timing="t").read_text(encoding="utf-8")
    assert "nothing to plot" in page and "data:image" not in page


def busy_grid(tmp_path, n_runs: int = 8, quality: bool = True) -> list[RunOutcome]:
    """Runs as a real grid gives them: long labels and errors, many figures, a setting the notebook records."""
    runs = []
    for i in range(n_runs):
        figures = [_fig("context_size", 4096, "tokens"), _fig("answer_latency", 1.2 + i, "s"),
                   _fig("answer_tokens", 40 + i, "tokens")]
        if quality:
            figures += [_fig("extraction_exact_match_dwellings_on_the_held_out_applications", 0.5 + i / 20, "fraction"),
                        _fig("chrf_en_cy", 6.0 + i)]
        status, error = ("failed", ("ModelNotFoundError", "No model at " + "/very/long/path/" * 12)) if i == 3 else \
            ("ok", None)
        runs.append(_outcome(tmp_path, i, {"max_tokens": 8 * (i + 1), "prompt_template": "a-rather-long-setting-" * 3},
                             status, figures=figures, error=error,
                             model=f"/models/some-quite-long-model-name-{i}-instruct.Q4_K_M.gguf"))
    return runs


def test_settings_are_shown_with_each_run_and_never_plotted_as_results(tmp_path):
    runs = busy_grid(tmp_path, 3)
    wide, long = table.wide_table(runs, tmp_path), table.long_table(runs, tmp_path)
    assert set(plots.plotted(long)["figure"]) == {"extraction_exact_match_dwellings_on_the_held_out_applications",
                                                  "chrf_en_cy"}
    assert plots.kind("context_size", "tokens") == "setting"
    assert plots.kind("max_tokens", "", ["max_tokens"]) == "setting"
    assert plots.kind("answer_latency", "s") == "other" and plots.kind("flag_rate", "fraction") == "quality"
    page = report.write_html(wide, long, tmp_path / "report.html", timing="t").read_text(encoding="utf-8")
    runs_table = page.split("<h2>Runs</h2>", 1)[1].split("</table>", 1)[0]
    assert "max_tokens=8; prompt_template=" in runs_table and "context_size=4096 (recorded)" in runs_table
    results = page.split("<h2>demo</h2>", 1)[1]
    assert "context_size" not in results and "answer_latency (s)" in results  # settings beside the run only
    assert page.count("data:image/png;base64,") == 2  # quality against cost, and cost per run
    assert "quality figures against seconds and peak memory" in page


def test_with_no_quality_figure_the_report_says_so_instead_of_a_quality_plot(tmp_path):
    runs = busy_grid(tmp_path, 2, quality=False)
    long = table.long_table(runs, tmp_path)
    assert plots.capability_figure(long, "demo") is None and plots.plotted(long).height == 0
    page = report.write_html(table.wide_table(runs, tmp_path), long, tmp_path / "r.html", timing="t").read_text()
    assert plots.NO_QUALITY.format(capability="demo") in page
    assert page.count("data:image/png;base64,") == 1 and "seconds and peak memory of each run" in page


def test_figure_tables_split_runs_so_none_is_wider_than_the_page(tmp_path):
    runs = busy_grid(tmp_path, 9)
    long = table.long_table(runs, tmp_path)
    tables = report.figures_html(long, "demo").split("</table>")[:-1]
    assert len(tables) == 3  # 9 runs: 4 + 4 + 1 side by side
    assert all(t.count("<th>") <= 1 + report.RUNS_PER_TABLE for t in tables)


def test_plot_labels_are_wrapped_and_the_png_holds_all_it_draws(tmp_path):
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    long = table.long_table(busy_grid(tmp_path, 4), tmp_path)
    for fig in (plots.capability_figure(long, "demo"), plots.cost_figure(long, "demo")):
        FigureCanvasAgg(fig)
        renderer = fig.canvas.get_renderer()
        texts = [t.get_text() for ax in fig.axes for t in (*ax.get_yticklabels(), ax.yaxis.label, *ax.texts)]
        assert max(len(line) for text in texts for line in text.splitlines()) <= 30, texts
        tight = fig.get_tightbbox(renderer)
        width, height = _png_size(plots.png(fig))
        assert width >= tight.width * 80 - 2 and height >= tight.height * 80 - 2  # nothing cut at the edges


def _png_size(data: bytes) -> tuple[int, int]:
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def test_report_notebook_loads_the_saved_tables(tmp_path):
    path = report.write_notebook(tmp_path / "report.ipynb", timing="Runs ran one at a time.")
    nb = nbformat.read(str(path), as_version=4)
    nbformat.validate(nb)
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    assert 'pl.read_parquet("comparison.parquet")' in code and "plots.show(long)" in code
    assert "Runs ran one at a time." in nb.cells[0].source


# -- command line -----------------------------------------------------------------------------
def test_cli_reports_a_bad_parameter_without_running(nbs, capsys, tmp_path):
    _, steps = nbs
    code = cli.main(["compare", str(steps), "-p", "max_tokens", "8", "--output-dir", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 1 and "has no parameter(s) max_tokens" in err and "value, fail, sleep_s" in err
    assert not (tmp_path / "out").exists()


def test_cli_reports_a_parameter_without_values(nbs, capsys):
    _, steps = nbs
    assert cli.main(["compare", str(steps), "-p", "value"]) == 1
    assert "-p value has no values" in capsys.readouterr().err


def test_kit_compare_is_the_function_even_after_the_package_is_imported():
    import kit
    import kit.comparison

    assert kit.compare is kit.comparison.compare
    assert kit.comparison.grid is grid
    with pytest.raises(InputError, match="No notebooks"):
        kit.compare([])
