"""Read a published planning CSV liberally: any encoding, line ending or title rows, with line numbers kept."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from kit import limits
from kit.errors import InputError

# Tried in this order when the bytes are not UTF-8; the one that yields the most plausible letters wins.
_LEGACY = ("cp1252", "mac_roman", "cp437", "latin-1")
_PLAUSIBLE = set("éèêëàâäáçôöóòûüúùîïíñÉÈÀÇÔÖÜ£€’‘“”–—°½¼¾")


class PlanningDataError(InputError):
    """A planning file or table the loader cannot read (wrong columns, not a CSV, empty)."""


def decode(data: bytes) -> tuple[str, str]:
    """Decode ``data``: UTF-8 (with or without BOM) if valid, else the legacy code page whose accents read best."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace"), "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):  # Excel's "Unicode text"
        return data.decode("utf-16", errors="replace"), "utf-16"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    best: tuple[int, int, str, str] | None = None
    for rank, encoding in enumerate(_LEGACY):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        score = _plausibility(text)
        if best is None or (score, -rank) > (best[0], best[1]):
            best = (score, -rank, encoding, text)
    assert best is not None  # latin-1 decodes any bytes
    return best[3], best[2]


def _plausibility(text: str) -> int:
    """Higher when non-ASCII characters read as accented letters inside words ('café', not 'cafÇ')."""
    score = 0
    for i, ch in enumerate(text):
        if ord(ch) < 128:
            continue
        before = text[i - 1] if i else " "
        if ord(ch) < 160 or (ch.isupper() and before.islower()):
            score -= 1  # C1 control characters and capitals inside a lower-case word are decoding mistakes
        elif ch in _PLAUSIBLE:
            score += 1
    return score


def _delimiter(text: str) -> str:
    """Comma, unless tabs, semicolons or pipes split the first lines more consistently (European/TSV exports)."""
    lines = [line for line in text[:8192].splitlines()[:12] if line.strip()]
    best, best_score = ",", 0
    for candidate in (",", "\t", ";", "|"):
        counts = [line.count(candidate) for line in lines]
        common = max(set(counts), key=counts.count) if counts else 0
        score = common * counts.count(common)
        if common and score > best_score:
            best, best_score = candidate, score
    return best


def read_rows(path: Path) -> tuple[list[tuple[int, list[str]]], str]:
    """All CSV rows of ``path`` with the line each starts on, and the encoding used.

    A file over ``KIT_MAX_CSV_BYTES`` is refused before it is read (``kit.limits``). Cells of any length are read
    (one huge cell must not cost the whole file); :func:`oversized` says which row to skip.
    """
    try:
        limits.check("csv_bytes", path.stat().st_size, str(path), hint="Split the list into one file per year.")
    except limits.LimitError as exc:
        raise PlanningDataError(str(exc)) from None
    except OSError:
        pass  # read_bytes says why
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise PlanningDataError(f"Cannot read {path}: {exc.strerror}. Check the path.") from None
    if b"\x00" in data[:4096] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise PlanningDataError(f"{path} is not a text CSV (it holds NUL bytes: an Excel .xls/.xlsx file?). "
                                "Save it as CSV first.")
    text, encoding = decode(data)
    # csv's own cell limit (128 KiB) fails the whole file on one long cell; the file size bounds a cell instead.
    csv.field_size_limit(max(csv.field_size_limit(), len(data) + 1))
    # newline="" lets csv see \r, \n and \r\n alike, and keeps newlines inside quoted fields.
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    rows: list[tuple[int, list[str]]] = []
    start = 1
    try:
        for row in reader:
            rows.append((start, row))
            start = reader.line_num + 1
    except csv.Error as exc:
        raise PlanningDataError(f"{path} line {reader.line_num}: not readable as CSV ({exc}).") from None
    return rows, encoding


def oversized(row: list[str]) -> str | None:
    """Why a row is skipped when one of its cells is over ``KIT_MAX_CSV_CELL_CHARS``, else None."""
    longest = max((len(cell) for cell in row), default=0)
    if not limits.over("csv_cell_chars", longest):
        return None
    limit = limits.LIMITS["csv_cell_chars"]
    return (f"a cell of {longest:,} characters, over the limit of {limits.allowed('csv_cell_chars'):,} for one cell "
            f"(row skipped; set {limit.env} to a larger number to read it)")


def normalise_header(name: str) -> str:
    """A header cell as lower-case words: 'PA Ref ' -> 'pa ref', 'Appeal/Dept Decision' -> 'appeal dept decision'."""
    return " ".join(re.sub(r"[^a-z0-9]+", " ", name.lower()).split())


def clean(value: str | None, *, lines_as: str = " ") -> str | None:
    """Trim a cell and collapse white space; cells split over lines are joined with ``lines_as``."""
    if value is None:
        return None
    parts = [" ".join(part.split()) for part in re.split(r"[\r\n]+", value)]
    text = lines_as.join(part for part in parts if part)
    return text or None
