"""The comparison as polars tables: long (one row per run × figure) and wide (one row per run)."""

from __future__ import annotations

import os
from pathlib import Path

import polars as pl

from kit import csvsafe
from kit.comparison.execute import RunOutcome
from kit.comparison.grid import model_label, show

RUN_COLUMNS = ("run", "notebook", "capability", "model")
RESULT_COLUMNS = ("status", "cell", "error", "seconds", "peak_mb", "threads", "label", "output")
FIGURE_COLUMNS = ("figure", "value", "value_text", "unit", "note")
_SCHEMA = {"cell": pl.Int64, "seconds": pl.Float64, "peak_mb": pl.Float64, "threads": pl.Int64,
           "value": pl.Float64}


def _numeric(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def param_columns(outcomes: list[RunOutcome]) -> dict[str, str]:
    """Grid parameter name -> its column name (``param_NAME`` where the name is taken by a fixed column)."""
    taken = set(RUN_COLUMNS + RESULT_COLUMNS + FIGURE_COLUMNS)
    names = dict.fromkeys(name for o in outcomes for name in o.spec.settings)
    return {name: f"param_{name}" if name in taken else name for name in names}


def _run_row(o: RunOutcome, params: dict[str, str], base: Path) -> dict:
    error = f"{o.error_name}: {o.error}" if o.error_name else None
    return {
        "run": o.spec.run_id, "notebook": o.spec.notebook.name, "capability": o.spec.capability,
        "model": model_label(o.spec.model),
        **{col: show(o.spec.settings[name]) if name in o.spec.settings else None for name, col in params.items()},
        "status": o.status, "cell": o.cell, "error": error, "seconds": o.seconds, "peak_mb": o.peak_mb,
        "threads": o.threads, "label": o.spec.label, "output": Path(os.path.relpath(o.output, base)).as_posix(),
    }


def _schema(columns: list[str], extra: dict | None = None) -> dict:
    return {c: (extra or {}).get(c, _SCHEMA.get(c, pl.Utf8)) for c in columns}


def long_table(outcomes: list[RunOutcome], base: Path) -> pl.DataFrame:
    """One row per run and recorded figure; a run with no figures has one row with figure null."""
    params = param_columns(outcomes)
    rows = []
    for o in outcomes:
        run = _run_row(o, params, base)
        for f in o.figures or [{}]:
            value = f.get("value")
            rows.append({**run, "figure": f.get("name"),
                         "value": float(value) if _numeric(value) or isinstance(value, bool) else None,
                         "value_text": None if value is None else show(value),
                         "unit": f.get("unit") or None, "note": f.get("note") or None})
    columns = [*RUN_COLUMNS, *params.values(), *RESULT_COLUMNS, *FIGURE_COLUMNS]
    return pl.DataFrame(rows, schema=_schema(columns), orient="row") if rows else pl.DataFrame(schema=_schema(columns))


def wide_table(outcomes: list[RunOutcome], base: Path) -> pl.DataFrame:
    """One row per run: its notebook, model, settings, status, error, cost, then one column per figure."""
    params = param_columns(outcomes)
    fixed = [*RUN_COLUMNS, *params.values(), *RESULT_COLUMNS]
    names = list(dict.fromkeys(f["name"] for o in outcomes for f in o.figures))
    by_run = [{f["name"]: f.get("value") for f in o.figures} for o in outcomes]  # a name recorded twice: the last
    numeric = {n: all(_numeric(r[n]) or isinstance(r[n], bool) or r[n] is None for r in by_run if n in r)
               for n in names}
    columns = {n: f"figure_{n}" if n in fixed else n for n in names}
    rows = []
    for o, values in zip(outcomes, by_run):
        row = _run_row(o, params, base)
        for n, col in columns.items():
            v = values.get(n)
            row[col] = (None if v is None else float(v)) if numeric[n] else (None if v is None else show(v))
        rows.append(row)
    figure_types = {col: pl.Float64 if numeric[n] else pl.Utf8 for n, col in columns.items()}
    schema = _schema([*fixed, *columns.values()], figure_types)
    return pl.DataFrame(rows, schema=schema, orient="row") if rows else pl.DataFrame(schema=schema)


def save(long: pl.DataFrame, wide: pl.DataFrame, out_dir: Path) -> dict[str, Path]:
    """Write both tables as CSV and Parquet into ``out_dir``; returns their paths by name.

    In the CSVs a text cell a spreadsheet would run as a formula (an error message starting with ``=``) is made
    inert (``kit.csvsafe``); the Parquet files keep the values exactly.
    """
    paths = {"wide_csv": out_dir / "comparison.csv", "wide_parquet": out_dir / "comparison.parquet",
             "long_csv": out_dir / "comparison_long.csv", "long_parquet": out_dir / "comparison_long.parquet"}
    csvsafe.write_csv(wide, paths["wide_csv"])
    wide.write_parquet(paths["wide_parquet"])
    csvsafe.write_csv(long, paths["long_csv"])
    long.write_parquet(paths["long_parquet"])
    return paths


def _short(value) -> str:
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def format_table(wide: pl.DataFrame, width: int = 160) -> str:
    """The wide table as text for a terminal: a line per run, its figures (or its error) cut to ``width``."""
    split = wide.columns.index("output") + 1  # figure columns follow the run columns
    rows = wide.iter_rows(named=True)
    cells = [(r["notebook"], r["label"], r["status"], f"{r['seconds']:.1f}",
              "" if r["peak_mb"] is None else f"{r['peak_mb']:.0f}",
              (f"cell {r['cell']}: " if r["cell"] else "") + r["error"] if r["error"] else ", ".join(f"{c}={_short(r[c])}" for c in wide.columns[split:] if r[c] is not None))
             for r in rows]
    head = ("notebook", "model and settings", "status", "seconds", "peak_mb", "figures (or error)")
    widths = [max(len(str(row[i])) for row in [head, *cells]) for i in range(5)]
    lines = []
    for row in [head, *cells]:
        text = "  ".join(f"{v:>{w}}" if i in (3, 4) else f"{v:<{w}}" for i, (v, w) in enumerate(zip(row, widths)))
        line = f"{text}  {row[5]}"
        lines.append(line if len(line) <= width else line[: width - 1] + "…")
    return "\n".join(lines)
