"""Inline formatting inside a segment: Markdown emphasis, code and links, and .docx run-format switches.

Formatting marks travel through the model as placeholders, like protected tokens. Each mark carries a
``fallback``: what replaces it when the model did not keep every mark in order, so the translation is
left as plain, well-formed text (and flagged) rather than with half a bold marker or a broken link.
Code spans are content (kept exactly, never translated); the URL of a link is content too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# .docx runs: a character from Plane 15's private-use area marks "from here on, format number N"
# (N = code point - SWITCH_BASE). Word text practically never holds these, and read_docx removes any it does.
SWITCH_BASE = 0xF0000
SWITCH_LIMIT = 0xF0FFF
SWITCH_RE = re.compile(f"[{chr(SWITCH_BASE)}-{chr(SWITCH_LIMIT)}]")

_FREE = r"[^\s\x00]"  # a character that is not space and not already taken by another mark
_CODE = re.compile(r"(?<![\\`])(`+)(?!`)(.+?)(?<!`)\1(?!`)")
_LINK = re.compile(r"(?<!\\)(!?\[)(?=" + _FREE + r")([^\[\]\x00]+?)(\]\()([^()\s\x00]+)(\))")
_EMPHASIS = (
    re.compile(r"(?<![\\*])(\*\*)(?=" + _FREE + r")(.+?)(?<=\S)(\*\*)"),
    re.compile(r"(?<![\\\w])(__)(?=" + _FREE + r")(.+?)(?<=\S)(__)(?!\w)"),
    re.compile(r"(?<![\\*])(\*)(?=[^\s*\x00])(.+?)(?<=[^\s*])(\*)(?!\*)"),
    re.compile(r"(?<![\\\w])(_)(?=[^\s_\x00])(.+?)(?<=[^\s_])(_)(?!\w)"),
)


@dataclass(frozen=True)
class Mark:
    """One formatting mark (``fallback`` is not None) or content kept exactly (a code span, a link's URL)."""

    kind: str  # emphasis, link, code, url, format
    text: str
    start: int
    end: int
    fallback: str | None = None


def _take(taken: list[bool], start: int, end: int) -> bool:
    if any(taken[start:end]):
        return False
    taken[start:end] = [True] * (end - start)
    return True


def _masked(text: str, taken: list[bool]) -> str:
    return "".join("\x00" if used else ch for ch, used in zip(text, taken))


def find_switches(text: str) -> list[Mark]:
    """The .docx format switches in ``text`` (see ``SWITCH_BASE``), each a mark that falls back to nothing."""
    return [Mark("format", m.group(0), m.start(), m.end(), "") for m in SWITCH_RE.finditer(text)]


def find_markdown(text: str) -> list[Mark]:
    """Markdown inline formatting in ``text``: code spans, links and images, bold and italic markers."""
    taken = [False] * len(text)
    marks: list[Mark] = []
    for match in _CODE.finditer(text):
        if _take(taken, match.start(), match.end()):
            marks.append(Mark("code", match.group(0), match.start(), match.end()))
    for match in _LINK.finditer(_masked(text, taken)):
        opener, closer, url = match.span(1), match.span(5), match.span(4)
        middle = match.span(3)
        for span in (opener, middle, url, closer):
            _take(taken, *span)
        marks.append(Mark("link", text[slice(*opener)], *opener, ""))
        marks.append(Mark("link", text[slice(*middle)], *middle, " ("))
        marks.append(Mark("url", text[slice(*url)], *url))
        marks.append(Mark("link", text[slice(*closer)], *closer, ")"))
    for pattern in _EMPHASIS:
        for match in pattern.finditer(_masked(text, taken)):
            for group in (1, 3):
                start, end = match.span(group)
                if _take(taken, start, end):
                    marks.append(Mark("emphasis", text[start:end], start, end, ""))
    return _merge(sorted(marks, key=lambda mark: mark.start))


def _merge(marks: list[Mark]) -> list[Mark]:
    """Adjacent formatting marks as one (``**[`` is one placeholder): fewer for the model to keep."""
    merged: list[Mark] = []
    for mark in marks:
        last = merged[-1] if merged else None
        if (last is not None and last.fallback is not None and mark.fallback is not None
                and last.end == mark.start):
            merged[-1] = Mark(last.kind, last.text + mark.text, last.start, mark.end, last.fallback + mark.fallback)
        else:
            merged.append(mark)
    return merged


def strip_switches(text: str) -> str:
    """Text without .docx format switches: what a reader sees."""
    return SWITCH_RE.sub("", text)
