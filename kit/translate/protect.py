"""Protected tokens (numbers, money, dates, references, postcodes, emails, URLs) and their placeholders.

Each protected token is swapped for a placeholder such as ``⟦1⟧`` before the model sees the text, put
back afterwards, and then checked for in the output, so a changed number is flagged, never passed.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

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


@dataclass(frozen=True)
class Masked:
    """A text with its protected tokens swapped for placeholders ``⟦1⟧``, ``⟦2⟧``... (in order)."""

    text: str
    tokens: tuple[str, ...]


def find_protected(text: str, extra: Iterable[str] = ()) -> list[Token]:
    """Every protected token in ``text``, in order; ``extra`` adds exact strings (names, codes) to protect."""
    found: list[Token] = []
    taken = [False] * len(text)
    for term in sorted({t for t in extra if t}, key=len, reverse=True):
        for match in re.finditer(re.escape(term), text):
            if not any(taken[match.start():match.end()]):
                found.append(Token("extra", term, match.start(), match.end()))
                taken[match.start():match.end()] = [True] * (match.end() - match.start())
    for match in TOKEN_RE.finditer(text):
        if not any(taken[match.start():match.end()]):
            found.append(Token(match.lastgroup or "number", match.group(0), match.start(), match.end()))
    return sorted(found, key=lambda token: token.start)


def protect(text: str, extra: Iterable[str] = ()) -> Masked:
    """Swap each protected token for a numbered placeholder."""
    tokens = find_protected(text, extra)
    pieces, last = [], 0
    for number, token in enumerate(tokens, 1):
        pieces.append(text[last:token.start])
        pieces.append(f"⟦{number}⟧")
        last = token.end
    pieces.append(text[last:])
    return Masked("".join(pieces), tuple(token.text for token in tokens))


def restore(text: str, tokens: tuple[str, ...]) -> str:
    """Put the original tokens back in place of their placeholders (unknown placeholders are left)."""

    def back(match: re.Match[str]) -> str:
        number = int(match.group(1))
        return tokens[number - 1] if 1 <= number <= len(tokens) else match.group(0)

    return PLACEHOLDER_RE.sub(back, text)


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
