"""Whether each demo app is ready: the model its notebook asks for, that model's file, and its warm kernel."""

from __future__ import annotations

import ast
import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from kit.errors import KitError

READY, WARMING, MISSING = "ready", "warming", "missing"


@dataclass(frozen=True)
class AppStatus:
    """What the landing page says about one app: its model and whether it can be used now."""

    name: str  # the notebook's file name without .ipynb
    model: str  # the model's name ("smollm2-135m"), or what the notebook asks for when it cannot be found
    model_file: str  # the .gguf file name, or "" when there is none
    state: str  # READY, WARMING or MISSING
    message: str  # one line a stakeholder can read: what the state means, or how to fix a missing model


def model_parameter(notebook: Path) -> str | None:
    """The default of the ``model`` parameter in the notebook's ``parameters`` cell (None when unset or absent)."""
    try:
        cells = json.loads(Path(notebook).read_text(encoding="utf-8")).get("cells", [])
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, AttributeError):
        return None
    for cell in cells:
        if not isinstance(cell, dict) or "parameters" not in (cell.get("metadata", {}).get("tags") or []):
            continue
        source = cell.get("source", "")
        try:
            tree = ast.parse("".join(source) if isinstance(source, list) else str(source))
        except SyntaxError:
            return None
        for node in tree.body:
            target = node.target if isinstance(node, ast.AnnAssign) else (
                node.targets[0] if isinstance(node, ast.Assign) and len(node.targets) == 1 else None)
            if isinstance(target, ast.Name) and target.id == "model" and node.value is not None:
                try:
                    value = ast.literal_eval(node.value)
                except ValueError:
                    return None
                return str(value) if value is not None else None
        return None
    return None


def model_status(choice: str | None) -> tuple[str, str, str]:
    """(model name, file name, problem) for a model choice as ``kit.load_model`` resolves it, without loading it.

    ``problem`` is "" when the file is there, else the kit's own message saying how to fix it.
    """
    from kit.runtime import models

    try:
        resolved = models.resolve(choice)
    except KitError as exc:
        return (choice or "the default model"), "", str(exc)
    return resolved.name, resolved.path.name, ""


def kernel_state(kernel_manager: Any, notebook: str) -> str | None:
    """READY when a preheated kernel has run the whole notebook, WARMING while one is on its way, None if unpooled."""
    # Voila 0.5 (pinned <0.6) keeps each notebook's pool as a list of futures in its kernel manager's _pools.
    pools = getattr(kernel_manager, "_pools", None)
    if not isinstance(pools, dict):
        return None  # preheating is off
    pool = pools.get(notebook) or []
    if not pool:
        return None  # this app is not preheated (or its kernel was just taken and none is coming)
    failed = [entry for entry in pool if entry.done() and (entry.cancelled() or entry.exception() is not None)]
    if any(entry.done() and entry not in failed and entry.result()["task"].done() for entry in pool):
        return READY
    return None if len(failed) == len(pool) else WARMING  # every warm kernel failed to start: none is coming


def app_status(folder: Path, name: str, kernel_manager: Any = None) -> AppStatus:
    """The status of one app notebook (``name`` without .ipynb) in ``folder``."""
    model, model_file, problem = model_status(model_parameter(Path(folder) / f"{name}.ipynb"))
    if problem:
        return AppStatus(name, model, model_file, MISSING, problem)
    kernel = kernel_state(kernel_manager, f"{name}.ipynb")
    if kernel == WARMING:
        return AppStatus(name, model, model_file, WARMING,
                         "Getting the app ready in the background; open it now and it takes a few seconds longer.")
    return AppStatus(name, model, model_file, READY,
                     "Opens at once." if kernel == READY else "Starts when opened (a few seconds).")


def statuses(folder: Path, names: list[str], kernel_manager: Any = None) -> list[dict[str, str]]:
    """Every app's status as plain dicts (for the landing page and its JSON endpoint)."""
    return [asdict(app_status(folder, name, kernel_manager)) for name in names]
