"""Glossaries: required translations of terms (``source,target`` CSV), and checking outputs against them."""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from kit.translate.errors import GlossaryError

# Arabic short-vowel marks are optional in running text, so they are ignored when matching terms.
_ARABIC_MARKS = re.compile("[\u064b-\u0652\u0670]")


def normalise(text: str) -> str:
    """Text as compared for glossary terms: NFC, case-folded, Arabic marks and repeated spaces removed."""
    text = _ARABIC_MARKS.sub("", unicodedata.normalize("NFC", text)).casefold()
    return re.sub(r"\s+", " ", text)


@dataclass(frozen=True)
class Term:
    """One required translation."""

    source: str
    target: str


@dataclass(frozen=True)
class Glossary:
    """Required ``source term -> target translation`` pairs for one language direction."""

    terms: tuple[Term, ...] = ()

    def __len__(self) -> int:
        return len(self.terms)

    def __iter__(self):
        return iter(self.terms)

    @cached_property
    def _patterns(self) -> tuple[tuple[Term, re.Pattern[str]], ...]:
        return tuple(
            (term, re.compile(r"(?<!\w)" + re.escape(normalise(term.source)) + r"(?!\w)")) for term in self.terms
        )

    def applicable(self, text: str) -> tuple[Term, ...]:
        """The terms whose source occurs in ``text`` (whole words, any case)."""
        plain = normalise(text)
        return tuple(term for term, pattern in self._patterns if pattern.search(plain))

    def missing(self, source: str, output: str) -> tuple[Term, ...]:
        """The applicable terms whose required translation does not appear in ``output``."""
        plain = normalise(output)
        return tuple(term for term in self.applicable(source) if normalise(term.target) not in plain)

    def to_dict(self) -> dict[str, str]:
        """The glossary as a plain ``{source: target}`` dict."""
        return {term.source: term.target for term in self.terms}


def _from_rows(rows: list[tuple[int, list[str]]], where: str) -> Glossary:
    rows = [(number, row) for number, row in rows if row and any(cell.strip() for cell in row)]
    if not rows:
        raise GlossaryError(f"{where} is empty. A glossary is a CSV with the header 'source,target'.")
    first, header = rows[0]
    if [cell.strip().lower() for cell in header] != ["source", "target"]:
        raise GlossaryError(
            f"{where} line {first}: the header is {','.join(header)!r}; it must be exactly 'source,target'."
        )
    terms: list[Term] = []
    seen: dict[str, int] = {}
    for number, row in rows[1:]:
        if len(row) != 2:
            raise GlossaryError(
                f"{where} line {number}: expected 2 columns (source,target), found {len(row)}. "
                "Quote a term that holds a comma, e.g. \"Tax, Council\",Treth."
            )
        source, target = (cell.strip() for cell in row)
        if not source or not target:
            raise GlossaryError(f"{where} line {number}: the source or the target is empty.")
        key = normalise(source)
        if key in seen:
            raise GlossaryError(f"{where} line {number}: {source!r} is already defined on line {seen[key]}.")
        seen[key] = number
        terms.append(Term(source, target))
    return Glossary(tuple(terms))


def load_glossary(src: str | Path | Mapping[str, str] | Glossary) -> Glossary:
    """A glossary from a CSV path, CSV text (header ``source,target``) or a ``{source: target}`` dict.

    Raises:
        GlossaryError: the file is missing, the header is wrong, or a line is malformed (named by number).
    """
    if isinstance(src, Glossary):
        return src
    if isinstance(src, Mapping):
        pairs = [["source", "target"], *([str(k), str(v)] for k, v in src.items())]
        rows = [(number, row) for number, row in enumerate(pairs, 1)]
        return _from_rows(rows, "The glossary dict")
    if isinstance(src, Path) or (isinstance(src, str) and "\n" not in src and src.lower().endswith(".csv")):
        path = Path(src)
        if not path.is_file():
            raise GlossaryError(f"No glossary file at {path}. Give a CSV path, CSV text or a dict.")
        try:
            text = path.read_text(encoding="utf-8-sig")
        except UnicodeDecodeError:
            raise GlossaryError(f"{path} is not UTF-8 text. Save the glossary as UTF-8 CSV.") from None
        where = path.name
    elif isinstance(src, str):
        text, where = src, "The glossary text"
    else:
        raise GlossaryError(f"A glossary must be a CSV path, CSV text or a dict, not {type(src).__name__}.")
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff"), newline=""))
    rows = []
    try:
        for row in reader:
            rows.append((reader.line_num, row))
    except csv.Error as exc:
        raise GlossaryError(f"{where} line {reader.line_num}: not valid CSV ({exc}).") from None
    return _from_rows(rows, where)
