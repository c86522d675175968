"""Sections: a document's paragraphs under their heading path, each with an id that is stable across runs."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from kit.docs.formats import Block

_SLUG = re.compile(r"[^a-z0-9]+")


@dataclass(frozen=True)
class Section:
    """One paragraph of a document: ``id`` is ``<document>#<heading-slug-path>/p<n>``."""

    id: str
    document: str
    heading: str  # the heading path joined with " > " ("" before the first heading)
    text: str


@dataclass(frozen=True)
class Hit:
    """A section that matched a search, with its BM25 score (higher is better)."""

    section: Section
    score: float


@dataclass(frozen=True)
class SkippedFile:
    """A file the ingest could not use (``skipped``), or read with a note (e.g. decoded as cp1252)."""

    path: str
    reason: str
    skipped: bool = True


def slug(heading: str) -> str:
    """A heading as lower-case ASCII words joined by '-' (at most 48 characters): "Café hours" -> "cafe-hours"."""
    ascii_text = unicodedata.normalize("NFKD", heading).encode("ascii", "ignore").decode()
    return _SLUG.sub("-", ascii_text.lower()).strip("-")[:48].strip("-") or "section"


def to_sections(document: str, blocks: Sequence[Block]) -> list[Section]:
    """Number each paragraph under its heading path; the same file always gives the same ids."""
    path: list[tuple[int, str]] = []
    counts: dict[str, int] = {}
    sections: list[Section] = []
    for block in blocks:
        if block.level:
            while path and path[-1][0] >= block.level:
                path.pop()
            path.append((block.level, block.text))
            continue
        key = "/".join(slug(title) for _, title in path)
        counts[key] = counts.get(key, 0) + 1
        anchor = f"{key}/p{counts[key]}" if key else f"p{counts[key]}"
        sections.append(Section(f"{document}#{anchor}", document, " > ".join(t for _, t in path), block.text))
    return sections
