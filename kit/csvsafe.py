"""CSV cells a spreadsheet would run as formulas, made inert (OWASP's rule) for every CSV the kit writes.

A text cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a single quote in
front, so Excel, LibreOffice and Google Sheets show it as text instead of running it
(``=HYPERLINK("http://evil.example","x")``). Numbers stay numbers: numeric columns are untouched, and a
text cell that is only a number (``-3.5``) is left as it is, as no spreadsheet runs it.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_TRIGGER = r"^[=+\-@\t\r]"
_NUMBER = r"^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$"


def neutralise(value: Any) -> Any:
    """A text cell that a spreadsheet would take for a formula, with a ``'`` in front; any other value as it is."""
    if isinstance(value, str) and value.startswith(TRIGGERS) and not re.fullmatch(_NUMBER, value):
        return "'" + value
    return value


def safe_frame(frame: Any) -> Any:
    """A polars DataFrame with :func:`neutralise` applied to every text column (other columns untouched)."""
    import polars as pl

    text = [name for name, dtype in frame.schema.items() if dtype in (pl.Utf8, pl.Categorical)]
    if not text:
        return frame
    return frame.with_columns(
        pl.when(pl.col(name).str.contains(_TRIGGER) & ~pl.col(name).str.contains(_NUMBER))
        .then(pl.lit("'") + pl.col(name).cast(pl.Utf8)).otherwise(pl.col(name).cast(pl.Utf8)).alias(name)
        for name in text
    )


def write_csv(frame: Any, path: str | Path | None = None) -> bytes | None:
    """Write a polars DataFrame as CSV with formula cells made inert: to ``path``, or returned as UTF-8 bytes."""
    safe = safe_frame(frame)
    if path is None:
        return safe.write_csv().encode("utf-8")
    safe.write_csv(path)
    return None
