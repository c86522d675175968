"""Protected tokens (numbers, money, dates, references, postcodes, emails, URLs) and their placeholders.

Each protected token is swapped for a placeholder such as ``⟦1⟧`` before the model sees the text, put
back afterwards, and then checked for in the output, so a changed number is flagged, never passed.
Inline formatting marks (``kit.translate.inline``) travel the same way, with a plain-text fallback.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from kit.translate import inline

# Tried in this order at each position; the first kind that matches wins, so the specific kinds
# (a URL holding digits, a date holding slashes) come before the general number.
PATTERNS: dict[str, str] = {
    "url": r"(?:https?://|www\.)[^\s<>()\[\]{}\"'|]*[^\s<>()\[\]{}\"'|.,;:!?]",
    "email": r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+",
    "money": r"[£$€]\s?\d+(?:,\d{3})*(?:\.\d+)?(?:\s?(?:bn|m|k)\b)?|\d+(?:\.\d{2})?p\b",
    "date": r"\d{1,2}/\d{1,2}/\d{2,4}|\d{4}-\d{2}-\d{2}|\d{1,2}\.\d{1,2}\.\d{4}|\d{4}/\d{2}(?!\d)",
    "time": r"\d{1,2}:\d{2}(?::\d{2})?(?:\s?[ap]\.?m\b\.?)?|\d{1,2}(?:\.\d{2})?\s?[ap]\.?m\b\.?",
    "postcode": r"[A-Z]{1,2}\d[A-Z\d]?\s\d[A-Z]{2}",
    "phone": r"(?:\+44\s?(?:\(0\)\s?)?\d{2,4}|0\d{2,4})(?:[ -]\d{3,6}){1,2}",
    "reference": r"(?=[A-Z0-9/-]*\d)[A-Z][A-Z0-9]*(?:[-/][A-Z0-9]+)+|[A-Z]+\d[A-Z0-9]*",
    "percentage": r"\d+(?:\.\d+)?\s?%",
    "number": r"\d+(?:[.,]\d+)*",
}
# A token must not start or end inside a word ("1st" and "Y6" in "TRIP-Y6" are not tokens of their own).
_BEFORE = r"(?<![\w@/£$€.-])"
_AFTER = r"(?![\w@£$€]|[.,-]\w|/\d)"
TOKEN_RE = re.compile(
    "|".join(f"(?P<{kind}>{_BEFORE}(?:{pattern}){_AFTER})" for kind, pattern in PATTERNS.items())
)
PLACEHOLDER_RE = re.compile(r"⟦\s*(\d+)\s*⟧")


@dataclass(frozen=True)
class Token:
    """One protected token found in a text."""

    kind: str
    text: str
    start: int
    end: int
    fallback: str | None = None  # set for a formatting mark: what stands in for it when formatting is dropped


@dataclass(frozen=True)
class Masked:
    """A text with its protected tokens swapped for placeholders ``⟦1⟧``, ``⟦2⟧``... (in order)."""

    text: str
    tokens: tuple[str, ...]
    fallbacks: tuple[str | None, ...] = ()  # per token: None for content, the plain-text stand-in for a mark

    @property
    def content(self) -> tuple[str, ...]:
        """The tokens that are content (numbers, codes, URLs), not formatting marks."""
        return tuple(token for token, fallback in zip(self.tokens, self._fallbacks) if fallback is None)

    @property
    def has_markup(self) -> bool:
        """Whether the text holds formatting marks."""
        return any(fallback is not None for fallback in self.fallbacks)

    @property
    def _fallbacks(self) -> tuple[str | None, ...]:
        return self.fallbacks or (None,) * len(self.tokens)


def find_protected(text: str, extra: Iterable[str] = (), markdown: bool = False) -> list[Token]:
    """Every protected token in ``text``, in order; ``extra`` adds exact strings (names, codes) to protect.

    .docx format switches are always formatting marks; with ``markdown``, so are Markdown emphasis and
    link markers (code spans and link URLs are then content tokens of their own).
    """
    found: list[Token] = []
    taken = [False] * len(text)
    marks = inline.find_switches(text) + (inline.find_markdown(text) if markdown else [])
    for mark in marks:
        found.append(Token(mark.kind, mark.text, mark.start, mark.end, mark.fallback))
        taken[mark.start:mark.end] = [True] * (mark.end - mark.start)
    for term in sorted({t for t in extra if t}, key=len, reverse=True):
        for match in re.finditer(re.escape(term), text):
            if not any(taken[match.start():match.end()]):
                found.append(Token("extra", term, match.start(), match.end()))
                taken[match.start():match.end()] = [True] * (match.end() - match.start())
    for match in TOKEN_RE.finditer(text):
        if not any(taken[match.start():match.end()]):
            found.append(Token(match.lastgroup or "number", match.group(0), match.start(), match.end()))
    return sorted(found, key=lambda token: token.start)


def protect(text: str, extra: Iterable[str] = (), markdown: bool = False) -> Masked:
    """Swap each protected token (and formatting mark, see ``find_protected``) for a numbered placeholder."""
    tokens = find_protected(text, extra, markdown)
    pieces, last = [], 0
    for number, token in enumerate(tokens, 1):
        pieces.append(text[last:token.start])
        pieces.append(f"⟦{number}⟧")
        last = token.end
    pieces.append(text[last:])
    return Masked("".join(pieces), tuple(token.text for token in tokens), tuple(token.fallback for token in tokens))


def restore(text: str, tokens: tuple[str, ...]) -> str:
    """Put the original tokens back in place of their placeholders (unknown placeholders are left)."""

    def back(match: re.Match[str]) -> str:
        number = int(match.group(1))
        return tokens[number - 1] if 1 <= number <= len(tokens) else match.group(0)

    return PLACEHOLDER_RE.sub(back, text)


def restore_checked(text: str, masked: Masked) -> tuple[str, bool]:
    """Put the tokens back, and say whether the formatting was kept.

    Formatting is kept only when every mark's placeholder is in the answer once, in the source's order;
    otherwise each mark becomes its plain fallback (no stray ``**``, a link becomes ``text (url)``).
    """
    fallbacks = masked._fallbacks
    marks = [number for number, fallback in enumerate(fallbacks, 1) if fallback is not None]
    if not marks:
        return restore(text, masked.tokens), True
    wanted = set(marks)
    seen = [int(match.group(1)) for match in PLACEHOLDER_RE.finditer(text)]
    kept = [number for number in seen if number in wanted] == marks

    def back(match: re.Match[str]) -> str:
        number = int(match.group(1))
        if not 1 <= number <= len(masked.tokens):
            return match.group(0)
        fallback = fallbacks[number - 1]
        return masked.tokens[number - 1] if kept or fallback is None else fallback

    restored = PLACEHOLDER_RE.sub(back, text)
    if not kept:
        restored = re.sub(r"(?<=\S) {2,}(?=\S)", " ", restored).strip()
    return restored, kept


def missing_tokens(output: str, tokens: Iterable[str]) -> list[str]:
    """The protected tokens that do not appear in ``output`` as often as in the source, in source order."""
    need = Counter(tokens)
    missing = []
    for token, count in need.items():
        if output.count(token) < count:
            missing.append(token)
    return missing


def has_words(masked_text: str) -> bool:
    """Whether a masked text has anything to translate (letters outside its placeholders)."""
    return any(ch.isalpha() for ch in PLACEHOLDER_RE.sub("", masked_text))
