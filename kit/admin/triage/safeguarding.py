"""The deterministic safeguarding check: phrases that mean a person may be at risk, found with no model.

The phrases are data (``kit/prompts/admin_triage_safeguarding.txt``, with its format and the negation rule
explained at its top). :func:`check` finds every phrase in a text; a match not negated ("no sign of abuse")
flags the text, and triage then always sets urgency to "urgent", whatever the model said.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import lru_cache

from kit import prompts

NEGATIONS = frozenset({"no", "not", "never", "without", "nor", "denies", "denied"})
NOT_NEGATING = ("not sure", "not only", "no longer", "not just")
WINDOW = 3  # words before a phrase that are searched for a negation
_CLAUSE = re.compile(r"[.!?;,:\n]|\bbut\b", re.I)
_WORD = re.compile(r"[\w'’]+")
_LIST = re.compile(r"\s*(?:,\s*)?(?:or|nor)\s+", re.I)


@dataclass(frozen=True)
class Phrase:
    """One phrase from the data file and the pattern that finds it."""

    text: str
    category: str
    pattern: re.Pattern[str]
    negatable: bool


@dataclass(frozen=True)
class Match:
    """A phrase found in a text: where, in the text's own words, and whether a negation set it aside."""

    phrase: str
    category: str
    text: str
    start: int
    end: int
    negated: bool = False


@dataclass(frozen=True)
class SafeguardingCheck:
    """The result for one text: ``flagged`` when any match is not negated."""

    matches: tuple[Match, ...]

    @property
    def flagged(self) -> bool:
        """Whether the text holds a risk phrase that is not negated."""
        return any(not m.negated for m in self.matches)

    @property
    def categories(self) -> tuple[str, ...]:
        """The categories of the matches that flag the text, in order found."""
        return tuple(dict.fromkeys(m.category for m in self.matches if not m.negated))

    def reason(self) -> str:
        """One line saying which words raised the flag (empty when not flagged)."""
        hits = [m for m in self.matches if not m.negated]
        if not hits:
            return ""
        words = ", ".join(f"\u201c{m.text}\u201d ({m.category.replace('_', ' ')})" for m in hits)
        return f"Safeguarding words found: {words}. Urgency set to urgent by the safeguarding rule."


def _pattern(phrase: str) -> re.Pattern[str]:
    words = []
    for word in phrase.split():
        stem = word.endswith("*")
        body = re.escape(word.rstrip("*")).replace("'", "['’]").replace(r"\-", r"[\s\-]?")
        words.append(body + (r"\w*" if stem else ""))
    return re.compile(r"(?<!\w)" + r"[\s\-]+".join(words) + r"(?!\w)", re.I)


def parse_phrases(text: str) -> tuple[Phrase, ...]:
    """Phrases from the data file's text: ``[category]`` headers, one phrase a line, ``#`` comments."""
    category = "other"
    found = []
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip() if not raw.lstrip().startswith("#") else ""
        if not line:
            continue
        if line.startswith("[") and line.endswith("]"):
            category = line[1:-1].strip()
            continue
        first = line.split()[0].lower().replace("’", "'")
        negatable = first not in NEGATIONS and not first.endswith("n't")
        found.append(Phrase(line, category, _pattern(line), negatable))
    return tuple(found)


@lru_cache(maxsize=1)
def phrases() -> tuple[Phrase, ...]:
    """The kit's safeguarding phrases (read once)."""
    return parse_phrases(prompts.load("admin_triage_safeguarding"))


def _negated(text: str, start: int) -> bool:
    before = text[:start]
    clause = _CLAUSE.split(before)[-1].lower().replace("’", "'")
    for phrase in NOT_NEGATING:
        clause = clause.replace(phrase, " ")
    words = _WORD.findall(clause)[-WINDOW:]
    return any(w in NEGATIONS or w.endswith("n't") for w in words)


def _can_negate(match: Match) -> bool:
    first = match.phrase.split()[0].lower().replace("’", "'")
    return first not in NEGATIONS and not first.endswith("n't")


def check(text: str, extra: tuple[Phrase, ...] = ()) -> SafeguardingCheck:
    """Every safeguarding phrase in ``text`` (overlapping finds kept once, the longest), negation marked."""
    found: list[Match] = []
    for phrase in (*phrases(), *extra):
        for hit in phrase.pattern.finditer(text or ""):
            negated = phrase.negatable and _negated(text, hit.start())
            found.append(Match(phrase.text, phrase.category, hit.group(0), hit.start(), hit.end(), negated))
    found.sort(key=lambda m: (m.start, -(m.end - m.start)))
    kept: list[Match] = []
    for match in found:
        if kept and match.start < kept[-1].end:
            if kept[-1].negated and not match.negated:
                kept[-1] = match  # a non-negatable reading of the same words wins
            continue
        if kept and kept[-1].negated and _LIST.fullmatch(text[kept[-1].end:match.start]) and _can_negate(match):
            match = replace(match, negated=True)  # "never abused or neglected": the negation covers both
        kept.append(match)
    return SafeguardingCheck(tuple(kept))
