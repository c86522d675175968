"""The pieces a record is made of (headings, paragraphs, lists, tables, a footnote), for any renderer."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

TODO = "TO COMPLETE by the service owner:"
NOT_MEASURED = "not measured yet"
REF = "[^run-1]"  # the footnote every figure carries: its run manifest, run time and model hash


@dataclass(frozen=True)
class Block:
    """One piece of the record: ``kind`` is heading, para, bullets, table or footnote."""

    kind: str
    text: str = ""
    level: int = 0
    items: tuple[str, ...] = ()
    header: tuple[str, ...] = ()
    rows: tuple[tuple[str, ...], ...] = ()


def heading(level: int, text: str) -> Block:
    """A heading (level 1 is the title)."""
    return Block("heading", text, level)


def para(text: str) -> Block:
    """A paragraph."""
    return Block("para", text)


def bullets(*items: str) -> Block:
    """A bulleted list (empty items left out)."""
    return Block("bullets", items=tuple(i for i in items if i))


def table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> Block:
    """A table with a header row."""
    return Block("table", header=header, rows=tuple(rows))


def shown(value: Any) -> str:
    """A figure as the main table shows it (4 significant digits for fractions)."""
    return f"{value:.4g}" if isinstance(value, float) else "none" if value is None else str(value)


def exact(value: Any) -> str:
    """A figure exactly as the run recorded it (JSON), for the provenance table."""
    return json.dumps(value, ensure_ascii=False)
