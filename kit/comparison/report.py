"""The comparison report: one self-contained HTML page (no external assets) and a notebook that redraws it."""

from __future__ import annotations

import html
import time
from pathlib import Path

import polars as pl

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
body { font-family: system-ui, sans-serif; margin: 2em; color: #0b0c0c; }
table { border-collapse: collapse; font-size: 0.85em; }
th, td { border: 1px solid #b1b4b6; padding: 0.3em 0.5em; text-align: left; vertical-align: top; }
th { background: #f3f2f1; }
tr.failed td, tr.timeout td { background: #fbe9e7; color: #942514; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
img { max-width: 100%; }
.note { color: #505a5f; max-width: 60em; }
"""


def _cell(value, column: str, row: dict) -> str:
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


def table_html(wide: pl.DataFrame) -> str:
    """The wide table as an escaped HTML table; failed and timed-out rows carry their status as a class."""
    head = "".join(f"<th>{html.escape(c)}</th>" for c in wide.columns)
    body = []
    for row in wide.iter_rows(named=True):
        cells = "".join(_cell(row[c], c, row) for c in wide.columns)
        body.append(f'<tr class="{html.escape(str(row["status"]), quote=True)}">{cells}</tr>')
    return f"<table>\n<thead><tr>{head}</tr></thead>\n<tbody>\n" + "\n".join(body) + "\n</tbody></table>"


def timing_note(parallel: int, threads: int, n_cores: int) -> str:
    """How the runs shared the machine, which says how far their seconds can be compared."""
    if parallel == 1:
        return f"Runs ran one at a time with KIT_THREADS={threads} on {n_cores} cores."
    return (f"Runs ran {parallel} at a time with KIT_THREADS={threads} each on {n_cores} cores, so they shared the "
            "machine: compare seconds roughly, or rerun with parallel=1 (--parallel 1) for timings.")


def write_html(wide: pl.DataFrame, long: pl.DataFrame, path: Path, *, timing: str) -> Path:
    """Write the report page: summary, how it was measured, the table, and each capability's plots."""
    counts = wide["status"].value_counts().sort("status").iter_rows()
    summary = ", ".join(f"{n} {html.escape(str(status))}" for status, n in counts)
    sections = []
    for capability, image in plots.capability_pngs(long).items():
        name = html.escape(capability)
        sections.append(f'<h2>{name}</h2>\n<img alt="{html.escape(capability, quote=True)}: figures against '
                        f'seconds and peak memory" src="{plots.data_uri(image)}">')
    skipped = plots.plotted(long).group_by("capability").agg(pl.col("figure").n_unique().alias("n"))
    more = [f"{c}: {n - plots.MAX_FIGURES}" for c, n in skipped.iter_rows() if n > plots.MAX_FIGURES]
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Comparison report</title><style>{STYLE}</style></head>
<body>
<h1>Comparison report</h1>
<p>{len(wide)} runs ({summary}), written {html.escape(time.strftime("%Y-%m-%d %H:%M:%S"))}.
Each run's executed notebook is linked in the output column; the tables are comparison.csv and
comparison.parquet (one row per run) and comparison_long.csv / .parquet (one row per run and figure).</p>
<p class="note">{html.escape(SECONDS_NOTE)} {html.escape(timing)}<br>{html.escape(MEMORY_NOTE)}</p>
{table_html(wide)}
{"".join(f"<p class='note'>Figures not plotted (see the table), {html.escape(m)}</p>" for m in more)}
{chr(10).join(sections) or "<p>No run recorded a numeric figure, so there is nothing to plot.</p>"}
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
    ], metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}})
    nbformat.write(nb, str(path))
    return path
