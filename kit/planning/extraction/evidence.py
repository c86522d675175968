"""What a quote must state to be evidence for a planning value (the checks themselves are kit.grounding's).

A count's quote states the count: the number in digits or words, or wording the parsers read as that count
("a replacement dwelling" is 0 net, "a pair of semi-detached dwellings" 2). An application type's quote holds
the wording that decides the type (the words of the type rules in ``rules.py``, without their anchors); a
full-permission (B) quote holds no other type's wording. Retrospective needs the parsers' retrospective wording.
Works kinds are named, not decided, by wording, so their quotes meet only the general rules.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from kit.grounding import Span
from kit.planning.extraction import parsers
from kit.planning.extraction.numbers import NUMBER_RE, to_int

# The wording that decides each application type (the type rules' words; B is the absence of all of them).
TYPE_WORDING = {code: re.compile(pattern, re.IGNORECASE) for code, pattern in {
    "REM": r"reserved matters",
    "A": r"approval in principle|\boutline\b",
    "VAR": r"\b(?:variation|removal|modification|vary|varying|amendment)\b.{0,25}\bconditions?\b",
    "LAW": r"\blawful|\bCLU\b|\bCLD\b|certificate of",
    "CON": r"registered building|listed building|\bconsent\b",
    "TEL": r"telecommunication|base station|\bmasts?\b|antenna",
    "C": r"\bchanges? of use\b|\badditional use\b|\buse (?:of|as)\b|\bfor use\b|\bused as\b",
    "D": r"\bsign(?:s|age)?\b|advertis|hoarding|\bbanners?\b|fascia|totem",
    "GB": r"registered building|listed building|\bRB\b|\bin (?:association|connection) with\b.{0,40}/CON\b",
}.items()}


def _numbers(quote: str) -> set[int | None]:
    return {to_int(m.group(0)) for m in NUMBER_RE.finditer(quote)}


def states_dwellings(value: int) -> Callable[[Span, str], bool]:
    """A dwellings quote states ``value``: as a number, as the parsers read its own words ('a dwelling' 1,
    'a replacement dwelling' 0), or as the net count the parsers read from the text it is the wording of."""
    def check(span: Span, text: str) -> bool:
        if value in _numbers(span.text) or parsers.find_dwellings(span.text).value == value:
            return True
        if any(to_int(n) == value for n in parsers.dwelling_counts(span.text)):
            return True
        whole = parsers.find_dwellings(text)
        return whole.value == value and any(a < span.end and span.start < b for a, b in whole.spans)
    return check


def states_storeys(value: int) -> Callable[[Span, str], bool]:
    """A storeys quote states ``value`` ('two storey', '3 storeys', 'single storey')."""
    return lambda span, text: value in _numbers(span.text) or parsers.find_storeys(span.text).value == value


def states_type(code: str) -> Callable[[Span, str], bool]:
    """A type quote holds the wording that decides ``code``; a B quote holds no other type's wording."""
    if code == "B":
        return lambda span, text: not any(p.search(span.text) for p in TYPE_WORDING.values())
    pattern = TYPE_WORDING.get(code)
    return lambda span, text: bool(pattern and pattern.search(span.text))


def states_retrospective(span: Span, text: str) -> bool:
    """A retrospective quote holds the parsers' wording for works already done ('retrospective', 'as built')."""
    return bool(parsers.find_retrospective(span.text).value)
