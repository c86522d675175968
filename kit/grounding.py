"""Verbatim grounding: find a quoted span in its source text, deterministically, with no judge model.

Every capability that shows a quote or evidence (planning evidence, grounded answers, minutes, copilot
drafts) checks it here, so "verbatim" means the same thing everywhere: the span occurs in the source
character for character, except that runs of white space match any run of white space and typographic
quotes, apostrophes and dashes match their plain forms. The located span is always the source's own text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

_FOLD = str.maketrans({
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u2032": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u2033": '"',
    "\u2013": "-", "\u2014": "-", "\u2212": "-", "\u00a0": " ",
})
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class Span:
    """Where a quote was found: the source's own text between ``start`` and ``end``."""

    text: str
    start: int
    end: int


@dataclass(frozen=True)
class QuoteCheck:
    """The result of checking one quote against the sources it claims to come from."""

    quote: str
    source_id: str | None  # the first source that holds it, or None
    span: Span | None

    @property
    def found(self) -> bool:
        return self.span is not None


def _normalise(text: str) -> tuple[str, list[int]]:
    """Fold quotes/dashes and collapse white space; return the folded text and, per character, its index in ``text``."""
    folded = text.translate(_FOLD)
    out: list[str] = []
    index: list[int] = []
    in_space = False
    for i, ch in enumerate(folded):
        if ch.isspace():
            if not in_space:
                out.append(" ")
                index.append(i)
            in_space = True
        else:
            out.append(ch)
            index.append(i)
            in_space = False
    return "".join(out), index


def locate(quote: str, text: str, *, ignore_case: bool = False) -> Span | None:
    """Find ``quote`` in ``text`` (white space and typographic punctuation folded); None when it is not there.

    An empty or blank quote is never found: evidence must say something.
    """
    needle = _SPACE.sub(" ", quote.translate(_FOLD)).strip()
    if not needle:
        return None
    hay, index = _normalise(text)
    if ignore_case:
        hay, needle = hay.lower(), needle.lower()
    at = hay.find(needle)
    if at < 0:
        return None
    start = index[at]
    end = index[at + len(needle) - 1] + 1
    return Span(text[start:end], start, end)


def is_verbatim(quote: str, text: str) -> bool:
    """True when ``quote`` occurs in ``text`` as :func:`locate` defines it."""
    return locate(quote, text) is not None


def check_quotes(quotes: Iterable[str], sources: Mapping[str, str]) -> list[QuoteCheck]:
    """Check each quote against the sources (id -> text); the first source holding it is named."""
    results = []
    for quote in quotes:
        found: QuoteCheck = QuoteCheck(quote, None, None)
        for source_id, text in sources.items():
            span = locate(quote, text)
            if span is not None:
                found = QuoteCheck(quote, source_id, span)
                break
        results.append(found)
    return results
