"""Verbatim grounding and the evidence rules: is a quoted span in its source, and does it show anything?

Every capability that shows a quote or evidence (planning evidence, grounded answers, copilot drafts, minutes,
consultation quotes) checks it here, so "evidence" means the same thing everywhere (:func:`check_evidence`):
the quote occurs in the source character for character (runs of white space match any run of white space,
typographic quotes, apostrophes and dashes match their plain forms), it is whole words of the source, it holds
at least one content word, and, where the caller says what the quote must state (a number, a category's
deciding wording), it states it. The located span is always the source's own text.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

_FOLD = str.maketrans({
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u2032": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u2033": '"',
    "\u2013": "-", "\u2014": "-", "\u2212": "-", "\u00a0": " ",
})
_SPACE = re.compile(r"\s+")
_TOKEN = re.compile(r"\w+")
# Words that say nothing on their own: a quote of only these (or of single letters) is not evidence.
STOP_WORDS = frozenset("""a an the of to in on at by for from with and or but nor as is are was were be been being it
its this that these those there here he she they them his her their we us our you your i me my mine not no so
than then if into onto over under up out off per via""".split())
# Why a quote was not accepted, in the order the rules are applied.
NOT_IN_SOURCE = "not in the source"
CUTS_A_WORD = "cuts a word"
NO_CONTENT_WORD = "no content word"
NOT_THE_VALUE = "does not state the value"


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

    reason: str = ""  # why it was not accepted ("" when found)

    @property
    def found(self) -> bool:
        return self.span is not None


@dataclass(frozen=True)
class EvidenceCheck:
    """A quote checked by the evidence rules: the span it was found at, or why it is not evidence."""

    quote: str
    span: Span | None
    reason: str = ""  # "" when accepted, else one of NOT_IN_SOURCE, CUTS_A_WORD, NO_CONTENT_WORD, NOT_THE_VALUE

    @property
    def ok(self) -> bool:
        """Whether the quote is evidence."""
        return not self.reason


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


def on_word_boundaries(text: str, start: int, end: int) -> bool:
    """Whether ``text[start:end]`` starts and ends on word boundaries (never inside a word)."""
    cut_start = 0 < start < len(text) and text[start - 1].isalnum() and text[start].isalnum()
    cut_end = 0 < end < len(text) and text[end - 1].isalnum() and text[end].isalnum()
    return start < end and not cut_start and not cut_end


def content_words(text: str) -> list[str]:
    """The words of ``text`` that carry meaning: any with a digit, or of two letters or more and not a stop word."""
    return [w for w in _TOKEN.findall(text.lower())
            if any(c.isdigit() for c in w) or (len(w) > 1 and w not in STOP_WORDS)]


def locate(quote: str, text: str, *, ignore_case: bool = False, whole_words: bool = False) -> Span | None:
    """Find ``quote`` in ``text`` (white space and typographic punctuation folded); None when it is not there.

    An empty or blank quote is never found: evidence must say something. ``whole_words``: only an occurrence
    that starts and ends on word boundaries counts ("a" is not found inside "apartments").
    """
    needle = _SPACE.sub(" ", quote.translate(_FOLD)).strip()
    if not needle:
        return None
    hay, index = _normalise(text)
    if ignore_case:
        hay, needle = hay.lower(), needle.lower()
    at = hay.find(needle)
    while at >= 0:
        start = index[at]
        end = index[at + len(needle) - 1] + 1
        if not whole_words or on_word_boundaries(text, start, end):
            return Span(text[start:end], start, end)
        at = hay.find(needle, at + 1)
    return None


def check_evidence(quote: str | None, text: str, *, states: Callable[[Span, str], bool] | None = None,
                   ignore_case: bool = False) -> EvidenceCheck:
    """Check a quote by the evidence rules: verbatim, whole words, a content word, and (``states``) the value.

    Args:
        states: what the located span must state, e.g. a number or the wording that decides a category;
            called with the span and ``text``, True when the span states the value.
    """
    quote = quote or ""
    span = locate(quote, text, ignore_case=ignore_case, whole_words=True)
    if span is None:  # searched again only to say why
        cut = locate(quote, text, ignore_case=ignore_case) is not None
        return EvidenceCheck(quote, None, CUTS_A_WORD if cut else NOT_IN_SOURCE)
    if not content_words(span.text):
        return EvidenceCheck(quote, None, NO_CONTENT_WORD)
    if states is not None and not states(span, text):
        return EvidenceCheck(quote, None, NOT_THE_VALUE)
    return EvidenceCheck(quote, span)


def is_verbatim(quote: str, text: str) -> bool:
    """True when ``quote`` occurs in ``text`` as :func:`locate` defines it."""
    return locate(quote, text) is not None


def check_quotes(quotes: Iterable[str], sources: Mapping[str, str]) -> list[QuoteCheck]:
    """Check each quote by the evidence rules against the sources (id -> text); the first source holding it is named."""
    results = []
    for quote in quotes:
        found: QuoteCheck = QuoteCheck(quote, None, None, NOT_IN_SOURCE)
        for source_id, text in sources.items():
            check = check_evidence(quote, text)
            if check.ok:
                found = QuoteCheck(quote, source_id, check.span)
                break
            if check.reason != NOT_IN_SOURCE:
                found = QuoteCheck(quote, None, None, check.reason)
        results.append(found)
    return results
