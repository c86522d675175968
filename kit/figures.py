"""Named figures a notebook records, so ``kit run`` can collect them into a table."""

from __future__ import annotations

import json
import math
from typing import Any

MIME = "application/vnd.fellowship-kit.figure+json"


def _plain(value: Any) -> Any:
    if hasattr(value, "item"):  # numpy / polars scalars
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if not isinstance(value, (int, float, str, bool, type(None))):
        raise TypeError(f"kit.record takes a number, text or bool, not {type(value).__name__}")
    return value


def record(name: str, value: Any, unit: str = "", note: str = "") -> Any:
    """Show a figure in the notebook and tag it so ``kit run`` collects it; returns ``value``."""
    value = _plain(value)
    payload = {"name": name, "value": value, "unit": unit, "note": note}
    try:
        from IPython import get_ipython
        from IPython.display import display
    except ImportError:
        return value
    if get_ipython() is not None:
        shown = f"{value:.4g}" if isinstance(value, float) else str(value)
        text = f"{name}: {shown}{(' ' + unit) if unit else ''}"
        display({MIME: payload, "text/plain": text}, raw=True)
    return value


def collect(notebook: dict) -> list[dict]:
    """Every recorded figure in an executed notebook (nbformat dict), in order."""
    found = []
    for cell in notebook.get("cells", []):
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if MIME in data:
                payload = data[MIME]
                found.append(json.loads(payload) if isinstance(payload, str) else payload)
    return found
