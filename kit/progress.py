"""The progress bar every long run shows (tqdm: a widget in Jupyter, text in a terminal)."""

from __future__ import annotations

from typing import Any


def progress_bar(total: int, desc: str, unit: str = "item") -> Any:
    """A tqdm progress bar over ``total`` units (tqdm is imported only when a bar is shown)."""
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=desc, unit=unit)
