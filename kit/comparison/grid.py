"""Expand notebooks × models × parameter values into runs, checking every name before anything runs."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kit.errors import InputError
from kit.runner import notebook_parameters, parse_value


@dataclass(frozen=True)
class RunSpec:
    """One notebook run of the grid: what to execute, with which model and settings, and where."""

    index: int
    notebook: Path
    model: str | None  # None: the notebook's default model
    settings: dict[str, Any] = field(default_factory=dict)  # grid parameters, not the model
    models_given: bool = False

    @property
    def capability(self) -> str:
        """The notebook's name without its number: ``00_quickstart`` -> ``quickstart``."""
        return re.sub(r"^\d+[_-]", "", self.notebook.stem)

    @property
    def run_id(self) -> str:
        """A folder-safe name, unique in the grid: number, notebook, model and settings."""
        parts = [self.notebook.stem]
        if self.models_given:
            parts.append(model_label(self.model))
        parts += [f"{k}-{v}" for k, v in self.settings.items()]
        slug = re.sub(r"[^A-Za-z0-9._-]+", "-", "_".join(parts)).strip("-")[:60]
        return f"{self.index:03d}_{slug}"

    @property
    def label(self) -> str:
        """A short label for a plot point: the model and each setting."""
        bits = [model_label(self.model)] if self.models_given else []
        bits += [f"{k}={show(v)}" for k, v in self.settings.items()]
        return ", ".join(bits) or "defaults"

    @property
    def parameters(self) -> dict[str, Any]:
        """What papermill injects: the settings, and the model when models were given."""
        return {**({"model": self.model} if self.models_given else {}), **self.settings}


def show(value: Any) -> str:
    """A parameter value as table text (``None`` stays ``None``)."""
    return str(value)


def model_label(model: str | None) -> str:
    """A model as a short label: a catalog name as is, a file path as its file name, None as ``default``."""
    if model is None:
        return "default"
    return Path(model).name if ("/" in model or model.endswith(".gguf")) else model


def _values(name: str, values: Any) -> list[Any]:
    if isinstance(values, (str, bytes)) or not isinstance(values, (list, tuple)):
        values = [values]
    values = [parse_value(v) if isinstance(v, str) else v for v in values]
    if not values:
        raise InputError(f"Parameter {name} has no values. Give at least one, e.g. -p {name} 1 2.")
    return values


def _check_notebook(notebook: str | Path) -> tuple[Path, dict[str, Any]]:
    path = Path(notebook)
    if not path.is_file() or path.suffix != ".ipynb":
        raise InputError(f"No notebook at {path}. Give the path to a .ipynb file, e.g. notebooks/00_quickstart.ipynb.")
    return path, notebook_parameters(path)


def expand(notebooks: list[str | Path], models: list[str | None] | None = None,
           parameters: dict[str, Any] | None = None) -> list[RunSpec]:
    """Every run of the grid, in order notebook, model, then settings; raises InputError on a bad name.

    Args:
        notebooks: notebook paths; each must have every grid parameter (and ``model`` if models are given).
        models: values for each notebook's ``model`` parameter (catalog name, .gguf path, or None for the
            default). None or empty: the notebooks' own default, not injected.
        parameters: parameter name -> list of values (a single value is a one-value list); strings are read
            as Python literals where they are one, as ``kit run`` does.
    """
    if isinstance(notebooks, (str, Path)):
        notebooks = [notebooks]
    if not notebooks:
        raise InputError("No notebooks to compare. Give one or more .ipynb paths.")
    grid = {name: _values(name, values) for name, values in (parameters or {}).items()}
    if "model" in grid:
        if models:
            raise InputError("The model is given twice: as models and as a parameter. Give models only.")
        models = grid.pop("model")
    models_given = bool(models)
    model_values = [None if m in (None, "None", "default") else str(m) for m in (models or [None])]
    checked = [_check_notebook(nb) for nb in notebooks]
    for path, known in checked:
        listed = ", ".join(known) or "none (no cell tagged parameters)"
        if models_given and "model" not in known:
            raise InputError(f"{path.name} has no model parameter, so it cannot be run with other models. "
                             f"Its parameters are: {listed}. Leave it out, or give no models.")
        unknown = [name for name in grid if name not in known]
        if unknown:
            raise InputError(f"{path.name} has no parameter(s) {', '.join(unknown)}. Its parameters are: {listed}. "
                             "Every grid parameter must be a parameter of every notebook compared.")
    runs = []
    for path, _ in checked:
        for model in model_values:
            for combo in itertools.product(*grid.values()):
                runs.append(RunSpec(len(runs), path, model, dict(zip(grid, combo)), models_given))
    return runs


def parse_cli_parameters(groups: list[list[str]] | None) -> dict[str, list[Any]]:
    """``-p NAME VALUE [VALUE ...]`` groups as name -> values (a name given twice keeps all its values)."""
    grid: dict[str, list[Any]] = {}
    for name, *values in groups or []:
        if not values:
            raise InputError(f"-p {name} has no values. Give the values to try after the name, e.g. -p {name} 1 2.")
        grid.setdefault(name, []).extend(values)
    return grid
