"""Split long text into token-bounded chunks on paragraph, then sentence, then word boundaries."""

from __future__ import annotations

import re
from collections.abc import Callable

# A sentence ends at . ! ? (and the Arabic/Urdu/CJK stops) followed by space; the space stays with it.
_SENTENCE_END = re.compile(r"(?<=[.!?。؟۔])\s+")
_PARAGRAPH = re.compile(r"(\n\s*\n)")


def _split_keep(pattern: re.Pattern[str], text: str) -> list[str]:
    """Split ``text`` after each match of ``pattern``, keeping every character."""
    pieces, start = [], 0
    for match in pattern.finditer(text):
        pieces.append(text[start : match.end()])
        start = match.end()
    if start < len(text):
        pieces.append(text[start:])
    return pieces


def _words(text: str) -> list[str]:
    return re.findall(r"\S+\s*|\s+", text)


def chunk_text(text: str, max_tokens: int, count_tokens: Callable[[str], int]) -> list[str]:
    """Chunks of at most ``max_tokens`` whose concatenation is exactly ``text``.

    Paragraphs are kept whole where they fit; a long paragraph is split into sentences, and a
    sentence longer than the budget into runs of words (a single word over the budget stands alone).
    """
    if max_tokens < 1:
        raise ValueError("max_tokens must be at least 1")
    if not text:
        return []
    levels = [lambda t: _split_keep(_PARAGRAPH, t), lambda t: _split_keep(_SENTENCE_END, t), _words]

    def pieces(segment: str, level: int) -> list[str]:
        if count_tokens(segment) <= max_tokens or level == len(levels):
            return [segment]
        parts = levels[level](segment)
        if len(parts) <= 1:
            return pieces(segment, level + 1)
        return [p for part in parts for p in pieces(part, level + 1)]

    chunks: list[str] = []
    current = ""
    for piece in pieces(text, 0):
        candidate = current + piece
        if current and count_tokens(candidate) > max_tokens:
            chunks.append(current)
            current = piece
        else:
            current = candidate
    if current:
        chunks.append(current)
    return chunks
