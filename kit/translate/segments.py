"""Documents as units of text to translate, laid out between the markup that stays as it is.

A text or Markdown document is parsed into a :class:`Layout`: literal parts (markers such as ``#``,
``-``, ``1.``, table pipes, blank lines, code blocks) and translatable units (a heading, a list item,
a table cell, a paragraph). Rendering with each unit's translation rebuilds the document, so
rendering the units unchanged gives back the input exactly. Long units are cut into token-bounded
segments on sentence boundaries by :func:`split_unit`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from kit.chunking import chunk_text

HEADING = re.compile(r"^( {0,3}#{1,6}[ \t]+)(.*?)([ \t]+#+[ \t]*|[ \t]*)$")
LIST_ITEM = re.compile(r"^([ \t]*(?:[-*+•]|\d{1,3}[.)])[ \t]+(?:\[[ xX]\][ \t]+)?)(.*?)([ \t]*)$")
QUOTE = re.compile(r"^([ \t]*>[ \t]?)(.*?)([ \t]*)$")
RULE = re.compile(r"^[ \t]*([-*_])([ \t]*\1){2,}[ \t]*$")
FENCE = re.compile(r"^[ \t]*(```|~~~)")
TABLE_SEPARATOR = re.compile(r"^[ \t]*\|?[ \t]*:?-{3,}:?[ \t]*(\|[ \t]*:?-{3,}:?[ \t]*)*\|?[ \t]*$")
HTML_LINE = re.compile(r"^[ \t]*<[^>]+>[ \t]*$")
PLAIN = re.compile(r"^([ \t]*)(.*?)([ \t]*)$", re.S)
_CELL_SPLIT = re.compile(r"(?<!\\)\|")
_SENTENCE_END = re.compile(r"[.!?:;。؟۔]['\")\]]*$")


@dataclass(frozen=True)
class Unit:
    """One piece of a document translated as a whole: its kind and its text (trimmed)."""

    kind: str
    text: str
    simplified: bool = False  # its inline formatting cannot be kept whatever the translation (flagged)


@dataclass
class Layout:
    """A document as literal strings and indexes into ``units``, in order."""

    parts: list[str | int] = field(default_factory=list)
    units: list[Unit] = field(default_factory=list)

    def literal(self, text: str) -> None:
        """Append markup kept as it is."""
        if text:
            self.parts.append(text)

    def unit(self, kind: str, text: str) -> None:
        """Append text to translate (kept literally when it has nothing to translate)."""
        if text.strip():
            self.parts.append(len(self.units))
            self.units.append(Unit(kind, text))
        else:
            self.literal(text)

    def render(self, translations: Sequence[str] | None = None) -> str:
        """The document with each unit replaced by its translation (the source text when none given)."""
        texts = translations if translations is not None else [unit.text for unit in self.units]
        return "".join(texts[part] if isinstance(part, int) else part for part in self.parts)


def _continues(previous: str, line: str) -> bool:
    """Whether ``line`` carries on the sentence of ``previous`` (hard-wrapped prose), by punctuation and case."""
    first = next((ch for ch in line if ch.isalpha()), "")
    return bool(previous.strip()) and not _SENTENCE_END.search(previous.strip()) and first.islower()


def _add_prose(layout: Layout, lines: list[str], kind: str = "paragraph") -> None:
    """Add plain lines as units; hard-wrapped lines form one unit (their line breaks stay inside it)."""
    i = 0
    while i < len(lines):
        first = i
        i += 1
        while i < len(lines) and _continues(lines[i - 1], lines[i]):
            i += 1
        lead, text, trail = PLAIN.match("\n".join(lines[first:i])).groups()
        layout.literal(lead)
        layout.unit(kind, text)
        layout.literal(trail + "\n")


def _add_marked(layout: Layout, match: re.Match[str], kind: str) -> None:
    prefix, text, suffix = match.groups()
    layout.literal(prefix)
    layout.unit(kind, text)
    layout.literal(suffix + "\n")


def _add_table_row(layout: Layout, line: str) -> None:
    cells = _CELL_SPLIT.split(line)
    for i, cell in enumerate(cells):
        if i:
            layout.literal("|")
        lead, text, trail = PLAIN.match(cell).groups()
        layout.literal(lead)
        layout.unit("table_cell", text)
        layout.literal(trail)
    layout.literal("\n")


def _lines(text: str) -> tuple[list[str], bool]:
    return text.split("\n"), text.endswith("\n")


def _finish(layout: Layout, ends_with_newline: bool) -> Layout:
    # Every line added "\n"; drop the last one when the input did not end with a newline.
    if not ends_with_newline and layout.parts and isinstance(layout.parts[-1], str):
        layout.parts[-1] = layout.parts[-1][:-1]
        if not layout.parts[-1]:
            layout.parts.pop()
    return layout


def parse_text(text: str) -> Layout:
    """A plain-text document: each line (or run of wrapped lines) is a unit; bulleted lines are list items."""
    layout = Layout()
    lines, ends = _lines(text)
    if ends:
        lines = lines[:-1]
    prose: list[str] = []
    for line in lines:
        match = LIST_ITEM.match(line)
        if not line.strip() or match:
            _add_prose(layout, prose)
            prose = []
            if match:
                _add_marked(layout, match, "list_item")
            else:
                layout.literal(line + "\n")
        else:
            prose.append(line)
    _add_prose(layout, prose)
    return _finish(layout, ends)


def parse_markdown(text: str) -> Layout:
    """A Markdown document: headings, list items, quotes, table cells and paragraphs are units."""
    layout = Layout()
    lines, ends = _lines(text)
    if ends:
        lines = lines[:-1]
    prose: list[str] = []
    fence: str | None = None
    for i, line in enumerate(lines):
        if fence is None and (match := FENCE.match(line)):
            fence = match.group(1)
        elif fence is not None:
            if line.strip().startswith(fence):
                fence = None
            layout.literal(line + "\n")
            continue
        is_table = line.lstrip().startswith("|") or (
            i + 1 < len(lines) and "|" in line and bool(TABLE_SEPARATOR.match(lines[i + 1]))
        )
        special = fence is not None or not line.strip() or is_table or bool(
            HEADING.match(line) or RULE.match(line) or LIST_ITEM.match(line) or QUOTE.match(line)
            or HTML_LINE.match(line)
        )
        if not special:
            prose.append(line)
            continue
        _add_prose(layout, prose)
        prose = []
        if fence is not None or not line.strip() or RULE.match(line) or HTML_LINE.match(line) or (
            is_table and TABLE_SEPARATOR.match(line)
        ):
            layout.literal(line + "\n")
        elif is_table:
            _add_table_row(layout, line)
        elif match := HEADING.match(line):
            _add_marked(layout, match, "heading")
        elif match := LIST_ITEM.match(line):
            _add_marked(layout, match, "list_item")
        elif match := QUOTE.match(line):
            _add_marked(layout, match, "quote")
    _add_prose(layout, prose)
    return _finish(layout, ends)


@dataclass(frozen=True)
class Piece:
    """A segment of a unit: the text sent to the model and the whitespace around it in the unit."""

    unit: int
    text: str
    before: str = ""
    after: str = ""


def split_unit(index: int, text: str, max_tokens: int, count_tokens: Callable[[str], int]) -> list[Piece]:
    """Cut a unit into segments of at most ``max_tokens`` tokens on sentence boundaries (whole if it fits)."""
    pieces = []
    for chunk in chunk_text(text, max_tokens, count_tokens) or [text]:
        stripped = chunk.strip()
        if not stripped:
            continue
        start = chunk.index(stripped)
        pieces.append(Piece(index, stripped, chunk[:start], chunk[start + len(stripped):]))
    return pieces


def join_pieces(pieces: Sequence[Piece], translations: Sequence[str]) -> str:
    """A unit's translation from its segments' translations, with the original spacing between them."""
    return "".join(piece.before + text + piece.after for piece, text in zip(pieces, translations)).strip()
