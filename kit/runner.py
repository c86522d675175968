"""``kit run``: execute a notebook with papermill into the outputs folder and collect its recorded figures."""

from __future__ import annotations

import ast
import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kit import figures, paths
from kit.errors import InputError, KitError


@dataclass(frozen=True)
class RunResult:
    """Where the executed notebook went and the figures it recorded."""

    output: Path
    figures: list[dict]
    seconds: float


def parse_value(text: str) -> Any:
    """A CLI parameter value as a Python literal where it is one (``3``, ``0.5``, ``True``, ``None``), else text."""
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


def notebook_parameters(path: Path) -> dict[str, Any]:
    """The names in a notebook's ``parameters`` cell, with their inferred types and help."""
    import papermill

    return papermill.inspect_notebook(str(path))


def run_notebook(notebook: str | Path, parameters: dict[str, Any] | None = None, *,
                 output_dir: str | Path | None = None, progress: bool = True) -> RunResult:
    """Execute ``notebook`` with ``parameters`` (strings are read as literals) and return the result."""
    import papermill
    from papermill.exceptions import PapermillExecutionError

    path = Path(notebook)
    if not path.is_file() or path.suffix != ".ipynb":
        raise InputError(f"No notebook at {path}. Give the path to a .ipynb file, e.g. notebooks/00_quickstart.ipynb.")
    params = {k: parse_value(v) if isinstance(v, str) else v for k, v in (parameters or {}).items()}
    known = notebook_parameters(path)
    unknown = sorted(set(params) - set(known))
    if unknown:
        raise InputError(
            f"{path.name} has no parameter(s) {', '.join(unknown)}. "
            f"Its parameters are: {', '.join(known) or 'none (no cell tagged parameters)'}."
        )
    out_dir = Path(output_dir) if output_dir else paths.outputs_dir()
    out_dir.mkdir(parents=True, exist_ok=True)
    output = out_dir / f"{path.stem}-{time.strftime('%Y%m%d-%H%M%S')}.ipynb"
    started = time.perf_counter()
    try:
        papermill.execute_notebook(
            str(path), str(output), parameters=params, progress_bar=progress, kernel_name="python3",
            cwd=str(path.parent.resolve()),
        )
    except PapermillExecutionError as exc:
        raise KitError(
            f"{path.name} failed in cell {exc.exec_count}: {exc.ename}: {exc.evalue}. "
            f"The partly executed notebook is at {output}."
        ) from None
    found = figures.collect(json.loads(output.read_text(encoding="utf-8")))
    if found:
        output.with_suffix(".figures.json").write_text(json.dumps(found, indent=2), encoding="utf-8")
    return RunResult(output, found, time.perf_counter() - started)


def format_figures(found: list[dict]) -> str:
    """Recorded figures as an aligned two-column table."""
    width = max(len(f["name"]) for f in found)
    lines = []
    for f in found:
        value = f["value"]
        shown = f"{value:.4g}" if isinstance(value, float) else str(value)
        lines.append(f"  {f['name']:<{width}}  {shown} {f.get('unit') or ''}".rstrip())
    return "\n".join(lines)
