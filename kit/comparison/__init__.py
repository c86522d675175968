"""Compare models and settings: run notebooks over a grid, collect their figures, report quality against cost."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from kit import paths
from kit.comparison import execute, grid, report, table
from kit.comparison.execute import RunOutcome

__all__ = ["CompareResult", "RunOutcome", "compare"]


@dataclass(frozen=True)
class CompareResult:
    """A finished comparison: the tables (wide: a row per run; long: a row per run and figure) and the files."""

    table: pl.DataFrame
    long: pl.DataFrame
    output_dir: Path
    html: Path
    notebook: Path
    files: dict[str, Path]
    parallel: int
    threads: int

    @property
    def failed(self) -> pl.DataFrame:
        """The runs that failed or timed out."""
        return self.table.filter(pl.col("status") != "ok")

    @property
    def all_failed(self) -> bool:
        """True when no run finished."""
        return self.failed.height == self.table.height

    def _repr_html_(self) -> str:
        """A notebook shows how many runs finished, a row per run (what ran, how it ended, its cost) and the report."""
        return report.result_html(self)


def compare(notebooks: str | Path | list[str | Path], models: list[str | None] | None = None,
            parameters: dict[str, Any] | None = None, *, parallel: int | None = None, threads: int | None = None,
            timeout: float | None = None, output_dir: str | Path | None = None, cache: bool = False,
            on_done: Callable[[RunOutcome], None] | None = None) -> CompareResult:
    """Run every notebook for every model and setting, and write the tables and a report.

    Every name is checked before anything runs. Runs go in separate processes, ``parallel`` at a time
    (default: about one per four cores), each with ``KIT_THREADS`` set so together they use the cores
    once. A run whose cell raises, or that passes ``timeout`` seconds, is a row with its error and the
    figures it recorded so far; the rest of the grid carries on.

    Args:
        notebooks: one or more notebook paths.
        models: values for each notebook's ``model`` parameter (catalog names, .gguf paths, None: default).
        parameters: name -> values to try, e.g. ``{"max_tokens": [64, 128]}``; every combination is run.
        output_dir: where runs, tables and reports go (default: ``<outputs>/compare-<time>``).
        cache: keep the response cache on in the runs (off by default, so every run's seconds are real).
        on_done: called with each run's outcome as it finishes (for progress).

    Raises:
        kit.errors.InputError: a notebook, parameter or option that cannot be used (says which and why).
    """
    runs = grid.expand(notebooks, models, parameters)
    n_cores = execute.cores()
    parallel, threads = execute.plan(len(runs), parallel, threads, n_cores)
    out = Path(output_dir) if output_dir else paths.outputs_dir() / f"compare-{time.strftime('%Y%m%d-%H%M%S')}"
    out.mkdir(parents=True, exist_ok=True)
    outcomes = execute.run_all(runs, out, parallel=parallel, threads=threads, timeout=timeout, cache=cache,
                               on_done=on_done)
    wide, long = table.wide_table(outcomes, out), table.long_table(outcomes, out)
    files = table.save(long, wide, out)
    timing = report.timing_note(parallel, threads, n_cores)
    html = report.write_html(wide, long, out / "report.html", timing=timing)
    notebook = report.write_notebook(out / "report.ipynb", timing=timing)
    return CompareResult(wide, long, out, html, notebook, files, parallel, threads)

