"""Pieces every capability's evaluation shares: reading a JSONL dataset, even samples, the tuning/held-out split,
bootstrap and Wilson 95% intervals."""

from __future__ import annotations

import hashlib
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


SPLITS = ("tuning", "held-out")


def hash_split(key: str) -> str:
    """"held-out" or "tuning" for a row's id, from its SHA-256 (about half each; the same on every machine).

    The split of a dataset with no ``split`` field: fixed by the ids alone, so adding rows never moves old ones.
    """
    return "held-out" if int(hashlib.sha256(str(key).encode("utf-8")).hexdigest()[:8], 16) % 2 else "tuning"


def split_of_row(row: dict, key: str = "id") -> str:
    """A row's split: its own ``split`` field when it has one, else :func:`hash_split` of ``row[key]``."""
    return row.get("split") or hash_split(row[key])


def in_split(rows: Sequence[dict], split: str | None, key: str = "id") -> list[dict]:
    """The rows of ``split`` ("tuning" or "held-out"; None: all), in order."""
    if split is not None and split not in SPLITS:
        raise InputError(f"Unknown split {split!r}: use one of {', '.join(SPLITS)}, or None for every row.")
    return [row for row in rows if split is None or split_of_row(row, key) == split]


def sample_split(rows: Sequence[dict], size: int | None, split: str | None = "held-out", key: str = "id") -> list[dict]:
    """``size`` rows spread evenly through ``split`` (the held-out rows unless told otherwise; None or "all":
    every row), in order; all of that split when ``size`` is None or at least their number.

    A small sample taken from the top of a file would score whatever rows come first (often the ones the rules
    and prompts were refined on), so it comes from the held-out rows and the table says so (:func:`split_of`).
    """
    chosen = in_split(rows, None if split == "all" else split, key)
    if size is not None and size < 1:
        raise InputError(f"The sample size must be at least 1 (or None for all {len(chosen)} {split or 'all'} rows).")
    return chosen if size is None else spread(chosen, size)


def split_of(rows: Sequence[dict], key: str = "id") -> str:
    """Which split rows come from, for an evaluation table: "held-out", "tuning", or "held-out+tuning" for a mix
    ("unsplit" for a row with neither a ``split`` field nor ``row[key]``; "none" for no rows)."""
    names = {split_of_row(row, key) if row.get("split") or key in row else "unsplit" for row in rows}
    return "+".join(sorted(names)) or "none"


def wilson(successes: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """The Wilson score interval (95% by default) of a proportion ``successes / n``; (nan, nan) when n is 0."""
    if n <= 0:
        return (float("nan"), float("nan"))
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)
