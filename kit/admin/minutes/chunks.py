"""Long transcripts: token-bounded windows of whole lines that overlap, quotes linked to lines, and the merge.

Windows overlap by ``overlap`` lines, so any item spanning up to ``overlap + 1`` consecutive lines lies
whole inside at least one window: an action that starts at the end of one window and finishes at the start
of the next is read in full in the next. Items found twice (once in each of two overlapping windows) are
merged by the transcript lines they cite.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace

from kit import grounding
from kit.admin.minutes.items import Item
from kit.admin.minutes.transcripts import Line, render_line


@dataclass(frozen=True)
class Window:
    """Consecutive transcript lines that fit the token budget, and how many tokens they take."""

    lines: tuple[Line, ...]
    tokens: int

    @property
    def first(self) -> int:
        """The number of the window's first line."""
        return self.lines[0].number

    @property
    def last(self) -> int:
        """The number of the window's last line."""
        return self.lines[-1].number


def _split_long(line: Line, count: Callable[[str], int], max_tokens: int) -> list[Line]:
    """A line over the budget as several pieces with the same number (the text split on sentences/words)."""
    from kit.chunking import chunk_text

    head = count(render_line(replace(line, text=""))) + 1
    pieces = chunk_text(line.text, max(1, max_tokens - head), count)
    return [replace(line, text=piece.strip(), continued=line.continued or i > 0)
            for i, piece in enumerate(pieces) if piece.strip()]


def windows(lines: Iterable[Line], count: Callable[[str], int], max_tokens: int, overlap: int = 2) -> list[Window]:
    """Windows of at most ``max_tokens`` (each line as the model sees it, plus its newline), overlapping.

    Each window after the first starts ``overlap`` lines before the previous one ended (always moving on
    by at least one line). A single line over the budget is split into pieces that keep its number.
    """
    if max_tokens < 8:
        raise ValueError("max_tokens must be at least 8 for a window to hold a line")
    pieces: list[Line] = []
    sizes: list[int] = []
    for line in lines:
        size = count(render_line(line)) + 1
        parts = [line] if size <= max_tokens else _split_long(line, count, max_tokens)
        for part in parts:
            pieces.append(part)
            sizes.append(size if len(parts) == 1 else count(render_line(part)) + 1)
    out: list[Window] = []
    start = 0
    while start < len(pieces):
        end, total = start, 0
        while end < len(pieces) and (end == start or total + sizes[end] <= max_tokens):
            total += sizes[end]
            end += 1
        out.append(Window(tuple(pieces[start:end]), total))
        if end >= len(pieces):
            break
        start = max(start + 1, end - max(0, overlap))
    return out


def link_quote(quote: str, lines: Iterable[Line]) -> tuple[tuple[int, ...], str] | None:
    """The line numbers a quote spans, and the transcript's own words for it; None when it is not verbatim.

    The lines' texts are joined with newlines, so a quote may run across a line break; the check is
    :func:`kit.grounding.check_evidence` (verbatim with white space and typographic punctuation folded, whole
    words, at least one content word).
    """
    lines = list(lines)
    joined, starts = "", []
    for line in lines:
        starts.append(len(joined))
        joined += line.text + "\n"
    span = grounding.check_evidence(quote, joined).span
    if span is None:
        return None
    numbers = [line.number for line, at in zip(lines, starts) if at < span.end and at + len(line.text) >= span.start]
    return tuple(dict.fromkeys(numbers)), " ".join(span.text.split())


_WORD = re.compile(r"[a-z]{4,}")
_STOP = frozenset("that this with from have will they them their there what when which would should could about "
                  "into been were your ours".split())


def content_words(text: str) -> set[str]:
    """The words of 4+ letters that carry meaning (a few common ones left out), for comparing items with lines."""
    return {w for w in _WORD.findall(text.lower()) if w not in _STOP}


def _restates(model_item: Item, rule_item: Item) -> bool:
    """Whether a model item mostly repeats a rule item's words (the model copying a rule-found action onto
    a neighbouring line)."""
    words = content_words(model_item.text)
    return bool(words) and len(words & content_words(rule_item.text)) >= 0.6 * len(words)


def _same(a: Item, b: Item) -> bool:
    if a.kind != b.kind:
        return False
    if a.by_rule != b.by_rule and _restates(*((b, a) if a.by_rule else (a, b))):
        return True
    if not set(a.lines) & set(b.lines):
        return False
    if a.by_rule != b.by_rule:
        return True  # a rule's item owns its lines: the model's reading of them is a duplicate
    if a.kind == "action" and a.owner and b.owner and a.owner.casefold() != b.owner.casefold():
        return False  # two people's actions on one line (both by rules, or both by the model) stay two
    return True


def merge(items: Iterable[Item]) -> tuple[list[Item], list[tuple[Item, Item]]]:
    """Items in line order with duplicates dropped; returns (kept, [(dropped, kept_instead), ...]).

    Two items are duplicates when they are of one kind, cite at least one common line and (for actions)
    do not name different owners; a model item citing a rule item's line, or mostly repeating its words,
    is always a duplicate of it. A rule's item beats the model's; between equals, the one citing more
    lines (the fuller reading of a boundary-straddling item) is kept.
    """
    ranked = sorted(items, key=lambda i: (not i.by_rule, -len(i.lines), i.lines))
    kept: list[Item] = []
    dropped: list[tuple[Item, Item]] = []
    for item in ranked:
        twin = next((k for k in kept if _same(item, k)), None)
        if twin is None:
            kept.append(item)
        else:
            dropped.append((item, twin))
    kept.sort(key=lambda i: (i.lines, i.kind))
    return kept, dropped
