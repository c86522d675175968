"""The comparison report: one self-contained HTML page (no external assets) and a notebook that redraws it."""

from __future__ import annotations

import html
import time
from pathlib import Path

import polars as pl

from kit import display, kernel
from kit.comparison import plots

MEMORY_NOTE = (
    "Peak memory (peak_mb) is the larger of two readings taken in a worker process that runs only that "
    "notebook: the exact peak resident set size of its largest child process, the kernel (getrusage "
    "RUSAGE_CHILDREN ru_maxrss), and the summed resident size of every process under the worker (kernel and "
    "any server it starts), sampled every 0.2 s with psutil. Model pages count once read. After a timeout, only the sampled sum up to the stop is known."
)
SECONDS_NOTE = (
    "Seconds are wall-clock time for the whole notebook, kernel start and model load included."
)
STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em; color: #0b0c0c; max-width: 100%; }
table { border-collapse: collapse; font-size: 0.85em; width: 100%; table-layout: fixed; margin-bottom: 1em; }
th, td { border: 1px solid #b1b4b6; padding: 0.3em 0.5em; text-align: left; vertical-align: top;
         overflow-wrap: anywhere; word-break: break-word; }
th { background: #f3f2f1; }
tr.failed td, tr.timeout td { background: #fbe9e7; color: #942514; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
td small { color: #505a5f; display: block; }
img { max-width: 100%; height: auto; display: block; margin: 0.5em 0 1.5em; }
.note { color: #505a5f; max-width: 60em; }
"""
RUNS_COLUMNS = ("run", "notebook", "model", "settings", "status", "seconds", "peak_mb", "threads", "output", "error")
RUNS_WIDTHS = (13, 10, 12, 19, 6, 6, 6, 5, 9, 14)  # percent of the page: text columns wide, numbers narrow
NOTHING = "<p>No run recorded a figure, so there is nothing to plot.</p>"
RUNS_PER_TABLE = 4  # figure tables put at most this many runs side by side, so no table is wider than the page


def _cell(value, column: str) -> str:
    if value is None:
        return "<td></td>"
    if column == "output":
        href = html.escape(str(value), quote=True)
        return f'<td><a href="{href}">{html.escape(Path(str(value)).name)}</a></td>'
    if isinstance(value, float):
        return f'<td class="num">{value:.4g}</td>'
    if isinstance(value, int):
        return f'<td class="num">{value}</td>'
    return f"<td>{html.escape(str(value))}</td>"


def _settings(row: dict, grid: list[str], recorded: dict[str, str]) -> str:
    given = [f"{name}={row[name]}" for name in grid if row.get(name) is not None]
    return "; ".join(given + [f"{name}={value} (recorded)" for name, value in recorded.items()]) or "defaults"


def runs_html(wide: pl.DataFrame, long: pl.DataFrame) -> str:
    """One row per run: what ran (notebook, model, settings: the grid's and those the notebook recorded), how it
    ended and what it cost; failed and timed-out rows carry their status as a class. Figures are apart."""
    grid = plots.grid_settings(long)
    recorded = {run: {} for run in wide["run"].to_list()}
    for run, name, unit, text in long.select("run", "figure", "unit", "value_text").rows():
        if name is not None and plots.kind(name, unit, grid) == "setting":
            recorded[run][name] = text
    cols = "".join(f'<col style="width: {w}%">' for w in RUNS_WIDTHS)
    head = "".join(f"<th>{html.escape(c)}</th>" for c in RUNS_COLUMNS)
    body = []
    for row in wide.iter_rows(named=True):
        row = {**row, "settings": _settings(row, grid, recorded[row["run"]])}
        cells = "".join(_cell(row[c], c) for c in RUNS_COLUMNS)
        body.append(f'<tr class="{html.escape(str(row["status"]), quote=True)}">{cells}</tr>')
    return (f"<table>\n<colgroup>{cols}</colgroup>\n<thead><tr>{head}</tr></thead>\n<tbody>\n" + "\n".join(body)
            + "\n</tbody></table>")


def figures_html(long: pl.DataFrame, capability: str) -> str:
    """The capability's recorded results (settings left out), a row per figure and a column per run, in tables of
    at most RUNS_PER_TABLE runs; each value with its note below it."""
    grid = plots.grid_settings(long)
    rows = long.filter((pl.col("capability") == capability) & pl.col("figure").is_not_null())
    rows = rows.filter(pl.Series([plots.kind(f, u, grid) != "setting" for f, u in rows.select("figure", "unit").rows()],
                                 dtype=pl.Boolean)) if rows.height else rows
    if rows.height == 0:
        return "<p>No run of it recorded a result.</p>"
    runs = [(run, f"{plots.run_key(run)}: {label}") for run, label in dict.fromkeys(rows.select("run", "label").rows())]
    names = list(dict.fromkeys(rows.select("figure", "unit").rows()))
    values = {(r["run"], r["figure"]): r for r in rows.iter_rows(named=True)}
    tables = []
    for first in range(0, len(runs), RUNS_PER_TABLE):
        chunk = runs[first:first + RUNS_PER_TABLE]
        head = "<th>figure (unit)</th>" + "".join(f"<th>{html.escape(label)}</th>" for _, label in chunk)
        body = []
        for name, unit in names:
            cells = [f"<td>{html.escape(name)}" + (f" ({html.escape(unit)})" if unit else "") + "</td>"]
            for run, _ in chunk:
                r = values.get((run, name))
                shown = "" if r is None else (f"{r['value']:.4g}" if r["value"] is not None else r["value_text"] or "")
                note = f"<small>{html.escape(r['note'])}</small>" if r is not None and r["note"] else ""
                cells.append(f'<td class="num">{html.escape(shown)}{note}</td>')
            body.append("<tr>" + "".join(cells) + "</tr>")
        tables.append(f"<table>\n<thead><tr>{head}</tr></thead>\n<tbody>\n" + "\n".join(body) + "\n</tbody></table>")
    return "\n".join(tables)


def result_html(result) -> str:
    """A finished comparison in a notebook: how many runs finished, a row per run (errors cut at
    ``kit.display.options.max_chars``) and where the full report is."""
    wide = result.table.with_columns(pl.col("error").map_elements(display.clip, return_dtype=pl.Utf8))
    failed, total = result.failed.height, result.table.height
    line = f"{total - failed} of {total} runs finished" + (f"; {failed} failed or timed out." if failed else ".")
    return display.wrap(f"<p>{html.escape(line)} Report: <code>{html.escape(str(result.html))}</code></p>"
                        + runs_html(wide, result.long), "kit-compare-result")


def timing_note(parallel: int, threads: int, n_cores: int) -> str:
    """How the runs shared the machine, which says how far their seconds can be compared."""
    if parallel == 1:
        return f"Runs ran one at a time with KIT_THREADS={threads} on {n_cores} cores."
    return (f"Runs ran {parallel} at a time with KIT_THREADS={threads} each on {n_cores} cores, so they shared the "
            "machine: compare seconds roughly, or rerun with parallel=1 (--parallel 1) for timings.")


def write_html(wide: pl.DataFrame, long: pl.DataFrame, path: Path, *, timing: str) -> Path:
    """Write the report page: summary, how it was measured, the runs, and each capability's results and plots."""
    counts = wide["status"].value_counts().sort("status").iter_rows()
    summary = ", ".join(f"{n} {html.escape(str(status))}" for status, n in counts)
    sections = []
    for capability, images in plots.capability_pngs(long).items():
        name = html.escape(capability)
        alt = html.escape(capability, quote=True)
        quality = (f'<img alt="{alt}: quality figures against seconds and peak memory" '
                   f'src="{plots.data_uri(images.quality)}">' if images.quality else
                   f'<p class="note">{html.escape(plots.NO_QUALITY.format(capability=capability))}</p>')
        cost = f'<img alt="{alt}: seconds and peak memory of each run" src="{plots.data_uri(images.cost)}">' \
            if images.cost else ""
        sections.append(f"<h2>{name}</h2>\n{figures_html(long, capability)}\n{quality}\n{cost}")
    skipped = plots.plotted(long).group_by("capability").agg(pl.col("figure").n_unique().alias("n"))
    more = [f"{c}: {n - plots.MAX_FIGURES}" for c, n in skipped.iter_rows() if n > plots.MAX_FIGURES]
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Comparison report</title><style>{STYLE}</style></head>
<body>
<h1>Comparison report</h1>
<p>{len(wide)} runs ({summary}), written {html.escape(time.strftime("%Y-%m-%d %H:%M:%S"))}.
Each run's executed notebook is linked in the output column; the tables are comparison.csv and
comparison.parquet (one row per run) and comparison_long.csv / .parquet (one row per run and figure).
Settings (the grid's, and those a notebook records such as context_size) are shown with each run and never
plotted as results; only quality figures are plotted against speed and memory.</p>
<p class="note">{html.escape(SECONDS_NOTE)} {html.escape(timing)}<br>{html.escape(MEMORY_NOTE)}</p>
<h2>Runs</h2>
{runs_html(wide, long)}
{"".join(f"<p class='note'>Figures not plotted (see the table), {html.escape(m)}</p>" for m in more)}
{chr(10).join(sections) if long["figure"].drop_nulls().len() else NOTHING}
</body></html>
"""
    path.write_text(page, encoding="utf-8")
    return path


def write_notebook(path: Path, *, timing: str) -> Path:
    """Write a notebook that loads the saved tables with polars and redraws the plots."""
    import nbformat
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

    nb = new_notebook(cells=[
        new_markdown_cell("# Comparison report\n\nThe runs of a `kit compare` grid, loaded from the tables saved "
                          f"beside this notebook.\n\n{SECONDS_NOTE} {timing}\n\n{MEMORY_NOTE}"),
        new_code_cell("import polars as pl\n\nfrom kit.comparison import plots\n\n"
                      'wide = pl.read_parquet("comparison.parquet")  # one row per run\n'
                      'long = pl.read_parquet("comparison_long.parquet")  # one row per run and figure\n'
                      "wide"),
        new_code_cell('wide.filter(pl.col("status") != "ok").select("run", "notebook", "model", "status", "error")'),
        new_code_cell("plots.show(long)"),
    ], metadata={"kernelspec": dict(kernel.SPEC)})
    nbformat.write(nb, str(path))
    return path
