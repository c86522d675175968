"""Pieces every capability's evaluation shares: reading a JSONL dataset, even samples, bootstrap 95% intervals."""

from __future__ import annotations

import json
import math
import random
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from kit.errors import InputError


def read_jsonl(path: str | Path, *, what: str, fix: str, required: Sequence[str] = (),
               check: Callable[[dict], str | None] | None = None) -> list[dict[str, Any]]:
    """The JSON objects of a JSONL file, one a line (blank lines skipped), checked as they are read.

    Args:
        what: what the file holds, for the message when it is missing ("No {what} at {path}.").
        fix: how to put it right, added to every message (e.g. where the file comes from, what a line needs).
        required: keys every line must have.
        check: returns what is wrong with a row (completing "{path} line N ..."), or None when it is fine;
            a KeyError, TypeError or ValueError it raises is reported for that line too.

    Raises:
        InputError: naming the file and the line, and saying how to fix it.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(f"No {what} at {path}. {fix}")
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        where = f"{path} line {number}"
        try:
            row = json.loads(line)
        except ValueError as exc:
            raise InputError(f"{where} is not valid JSON ({exc}). {fix}") from None
        if not isinstance(row, dict):
            raise InputError(f"{where} is not a JSON object. {fix}")
        missing = [key for key in required if key not in row]
        if missing:
            raise InputError(f"{where} has no {', '.join(repr(key) for key in missing)}. {fix}")
        try:
            problem = check(row) if check else None
        except (KeyError, TypeError, ValueError) as exc:
            problem = f"is not a usable record ({type(exc).__name__}: {exc})"
        if problem:
            raise InputError(f"{where} {problem}. {fix}")
        rows.append(row)
    return rows


def spread(rows: Sequence[Any], size: int) -> list[Any]:
    """``size`` items evenly spaced through ``rows``, in order (all of them when ``size >= len(rows)``)."""
    return [rows[i * len(rows) // size] for i in range(size)] if size < len(rows) else list(rows)


def resamples(n: int, *, n_boot: int = 1000, seed: int = 0) -> list[list[int]]:
    """``n_boot`` bootstrap resamples of ``n`` rows (row indexes drawn with replacement); the same for a seed."""
    rng = random.Random(seed)
    return [[rng.randrange(n) for _ in range(n)] for _ in range(n_boot)]


def percentile_ci(values: Sequence[float | None]) -> tuple[float, float]:
    """The 2.5th and 97.5th percentiles (nearest rank below) of bootstrap values, None and NaN left out.

    Returns (nan, nan) when no value is left.
    """
    kept = sorted(v for v in values if v is not None and not math.isnan(v))
    if not kept:
        return (float("nan"), float("nan"))
    return kept[int(0.025 * (len(kept) - 1))], kept[int(0.975 * (len(kept) - 1))]
