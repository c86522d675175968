"""Deterministic parsers for what a description states exactly: references, postcodes, counts, storeys, flags.

Each ``find_*`` returns a :class:`Found`: the value and the spans (start, end) of the text it came from.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from kit.injection import INSTRUCTION
from kit.planning.extraction.numbers import NUMBER, to_int


@dataclass(frozen=True)
class Found:
    """A parsed value and the spans of the searched text that state it (empty when nothing was found)."""

    value: Any
    spans: tuple[tuple[int, int], ...] = ()
    note: str = ""
    created: int = 0  # for dwellings: how many are built, replacements included


def whole_words(text: str, start: int, end: int) -> tuple[int, int]:
    """Widen a span to whole words, so evidence reads 'Alterations', not 'Alteration'."""
    while start > 0 and text[start - 1].isalnum():
        start -= 1
    while end < len(text) and text[end].isalnum():
        end += 1
    return start, end


_REF_FULL = re.compile(r"^\s*(?:PA\s*)?(\d{2,4})\s*/\s*(\d{1,6})\s*/?\s*([A-Za-z]{1,5})\s*$")
_REF_IN_TEXT = re.compile(r"\b(?:PA\s*(?:No\.?\s*)?)?(\d{2})\s*/\s*(\d{4,6})\s*/?\s*([A-Z]{1,4})\b")
_IM_POSTCODE = re.compile(r"\b(IM\s?\d{1,2})\s*(\d[A-Z]{2})\b", re.IGNORECASE)
_UK_POSTCODE = re.compile(r"\b([A-Z]{1,2}\d[A-Z\d]?)\s*(\d[ABD-HJLNP-UW-Z]{2})\b")
_RB = re.compile(r"\b(?:RB|Registered\s+Buildings?)\s*(?:No|Nos|Number|Numbers|#)?\.?\s*(\d{1,4})"
                 r"((?:\s*(?:,|&|and)\s*\d{1,4})*)\b", re.IGNORECASE)
_RETRO = re.compile(r"\bretrospective(?:ly)?\b|\bas (?:built|constructed|erected|installed)\b|"
                    r"\balready (?:been )?(?:built|erected|constructed|installed|carried out|undertaken)\b|"
                    r"\bregularis(?:e|ation)\b|\bregulariz", re.IGNORECASE)


def normalise_reference(raw: str) -> str | None:
    """'PA 14/01230/B', '14/1230/b' -> '14/01230/B' style (YY/NNNNN/TYPE); None when it is not a reference."""
    match = _REF_FULL.match(raw or "")
    if not match:
        return None
    year, number, kind = match.groups()
    return f"{year}/{number.zfill(5)}/{kind.upper()}"


def reference_type(reference: str | None) -> str | None:
    """The application-type suffix of a reference ('16/00419/GB' -> 'GB'), or None."""
    match = _REF_FULL.match(reference or "")
    return match.group(3).upper() if match else None


def find_references(text: str, own: str | None = None) -> Found:
    """Other applications the text names ('PA 14/01230/B', 'in association with 16/00420/CON'), normalised."""
    values, spans = [], []
    for match in _REF_IN_TEXT.finditer(text):
        value = f"{match.group(1)}/{match.group(2).zfill(5)}/{match.group(3)}"
        if value != own and value not in values:
            values.append(value)
            spans.append(match.span())
    return Found(values, tuple(spans))


def _postcodes(text: str) -> list:
    return list(_IM_POSTCODE.finditer(text)) or list(_UK_POSTCODE.finditer(text))


def _format_postcode(match) -> str:
    return f"{match.group(1).upper().replace(' ', '')} {match.group(2).upper()}"


def find_postcodes(text: str | None) -> list[str]:
    """Every postcode in ``text`` (Isle of Man 'IM1 1AA' or UK form), normalised, in order."""
    return [_format_postcode(m) for m in _postcodes(text or "")]


def find_postcode(text: str | None) -> tuple[str | None, tuple[int, int] | None]:
    """The first postcode in ``text`` (Isle of Man 'IM1 1AA' or UK form), normalised, with its span."""
    found = _postcodes(text or "")
    if not found:
        return None, None
    return _format_postcode(found[0]), found[0].span()


def find_registered_building(text: str) -> Found:
    """The registered building number(s) ('RB no 264', 'Registered Building Nos. 261 and 262') as '261, 262'."""
    numbers, spans = [], []
    for match in _RB.finditer(text):
        for number in [match.group(1), *re.findall(r"\d{1,4}", match.group(2) or "")]:
            if number not in numbers:
                numbers.append(number)
        spans.append(match.span())
    return Found(", ".join(numbers) if numbers else None, tuple(spans))


def find_retrospective(text: str) -> Found:
    """True when the text says the works are already done ('retrospective', 'as built')."""
    spans = tuple(m.span() for m in _RETRO.finditer(text))
    return Found(bool(spans), spans)


_MOD_WORDS = ("new", r"detached", r"semi[\s-]?detached", "terraced", r"link[\s-]detached", "affordable", "residential",
              r"self[\s-]contained", "luxury", "dormer", "additional", "existing", "further", "replacement", "town",
              "family", "starter", "sheltered", "social", "private", "open market", r"agricultural workers?'?s?",
              "storey", "two", "three", "four", "one", "single", r"\d", r"bed(?:room)?(?:ed)?", "level", "split")
_ASIDE = r"(?:\([^)]{0,40}\)\s*)?"  # "seventy three (reduced by amendment) apartments"
_MOD = _ASIDE + r"(?:(?:" + "|".join(_MOD_WORDS) + r")[\s-]*" + _ASIDE + r")*"
_NOT_A_HOME = r"(?<!guest )(?<!public )(?<!summer )(?<!boat )(?<!coach )(?<!boarding )"
_NOT_HOMES = r"(?<!nursing )(?<!care )(?<!retirement )(?<!holiday )(?<!residential )"
_NOUNS = (r"dwelling\s?houses?", r"dwellings?",
          _NOT_A_HOME + r"houses?(?!\s+(?:extension|types?|roof|plans?|of multiple))", r"bungalows?",
          _NOT_HOMES + r"homes?", r"flats", r"flat(?=\s*(?:$|[,.;)]|\s+(?:and|with|for|above|within|at|on)\b))",
          r"residential propert(?:y|ies)", r"apartments?", r"maisonettes?", r"cottages?", r"town\s?houses?",
          r"(?:residential|housing|dwelling) units?", r"(?:residential|building) plots?",
          r"units? of (?:residential )?accommodation")
_NOUN = r"(?!\w+\s+(?:block|building|complex|extension)s?\b)(?:" + "|".join(_NOUNS) + ")"
_NOT_A_COUNT = r"(?![\s-]*(?:stor|bed|level|metre|m\b|car|vehicle))"  # "two storey", "3 bed", "2 car"
_DWELLING = re.compile(r"(?:\b(?P<n>(?:a\s+)?pair\s+of|" + NUMBER + ")" + _NOT_A_COUNT + r"\s+)?"
                       r"(?P<mods>" + _MOD + r")\b(?P<noun>" + _NOUN + r")\b", re.IGNORECASE)
_CREATE = re.compile(r"erect|construct|creat|build|conver|provi|develop|\buse as\b|scheme|\bnew\b|\bform|subdivi|"
                     r"sub-divi|comprising|additional|further|\bsplit", re.IGNORECASE)
_REMOVE = re.compile(r"demoli|to replace|replacing|replacement of|\bremov|in place of|instead of|loss of",
                     re.IGNORECASE)
_EXISTING_BEFORE = re.compile(r"(?:existing|former|old|original)\s+$", re.IGNORECASE)
_PART_OF = re.compile(r"(?:rear|side|front|part|curtilage|garden|extension|alterations?|works|windows?|doors?|roof|"
                      r"extensions|garage|decking|area|annex|use|accommodation|room)\s+(?:of|to|at|for|within|from)\s+"
                      r"(?:the\s+|an?\s+|existing\s+|main\s+)*$", re.IGNORECASE)
_CONVERTED = re.compile(r"(?:conversion|subdivision|sub-division|division|splitting|change of use)\s+of\s+"
                        r"(?:the\s+|an?\s+|existing\s+)*$", re.IGNORECASE)
_SERVING = re.compile(r"(?:serv(?:e|es|ing)|access(?:ing)? to|for the|between(?: the)?|adjacent to|rear of|of the|"
                      r"existing)\s+(?:(?:the|these|those|existing|approved|consented)\s+)*$", re.IGNORECASE)
# Homes of another application: "the 14 dwellings approved under 17/00123/B", "PA 16/01234/B (erection of 20 dwellings)".
_APPROVED_AFTER = re.compile(r"\s*(?:previously\s+|already\s+)?(?:approved|permitted|consented|granted)\b|"
                             r"\s*(?:under|of|in)\s+(?:PA\s*)?\d{2}\s*/\s*\d{4,6}", re.IGNORECASE)
_REFERENCE_ASIDE = re.compile(r"\b\d{2}\s*/\s*\d{4,6}\s*/?\s*[A-Z]{1,4}\s*\(([^)]*)\)")
# The type rules' variation wording (rules.py decides the VAR type with it too).
VARIATION = (r"^\W*(?:application for )?(?:the )?(?:variation|removal|modification) of (?:a |the )?conditions?|"
             r"\bvary(?:ing)? (?:a |the )?conditions?")
_VARIATION = re.compile(VARIATION, re.IGNORECASE)
# Where a variation's own purpose starts ("..., to permit the use of the building as a dwelling"): homes named
# before it are the earlier approval's; homes named after it are what the variation itself allows.
_PURPOSE = re.compile(r"(?:[,;]\s*|\s)(?:in order )?to (?:extend|permit|allow|amend|change|enable|remove|vary|alter|"
                      r"increase|reduce|regularise|include|use|make|omit|delete|relax|add)\b|\b(?:regarding|concerning|"
                      r"relating to|for the use)\b", re.IGNORECASE)
_CLAUSE_END = re.compile(r".*(?:[.;,()]|\band\b|\bwith\b)", re.IGNORECASE | re.DOTALL)


def _window(text: str, at: int) -> str:
    """The clause before ``at``: back to the last comma, semicolon, bracket, 'and' or 'with'."""
    before = text[max(0, at - 80):at]
    cut = _CLAUSE_END.match(before)
    return before[cut.end():] if cut else before


def _not_the_proposal(text: str) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """Spans that are not this application's proposal: sentences addressed to a reader or model (data, never
    instructions), and another application's description in brackets after its reference."""
    spans = []
    for hit in INSTRUCTION.finditer(text):
        start = max(text.rfind(end, 0, hit.start()) for end in (". ", "! ", "? ", "\n")) + 1
        stops = [at for at in (text.find(end, hit.end()) for end in (".", "!", "?", "\n")) if at >= 0]
        spans.append((start, min(stops) + 1 if stops else len(text)))
    return spans, [m.span(1) for m in _REFERENCE_ASIDE.finditer(text)]


def dwelling_counts(text: str) -> list[str]:
    """The count words of each homes phrase in ``text`` ('a', '12', 'pair of'), for checking a quote states one."""
    return [m.group("n") for m in _DWELLING.finditer(text) if m.group("n")]


def _classify(text: str, match: re.Match) -> tuple[int, int, int] | None:
    """(created, removed, replaced) by one homes phrase; None when it names homes this proposal does not touch."""
    start = match.start()
    count = to_int(match.group("n")) if match.group("n") else None
    mods = (match.group("mods") or "").lower()
    window = _window(text, match.start("noun"))
    before = text[max(0, start - 40):start]
    if (_CONVERTED.search(before) or (count is None and _EXISTING_BEFORE.search(before)) or "existing" in mods
            or _REMOVE.search(window)):
        return 0, count or 1, 0  # an existing home demolished or turned into the new ones
    if "replacement" in mods:
        return count or 1, 0, count or 1
    if _SERVING.search(before):
        return None  # homes that exist already ("an access to serve three dwellings")
    explicit = count is not None and match.group("n").lower() not in ("a", "an")
    if explicit or (_CREATE.search(window) and not _PART_OF.search(before)):
        return count or 1, 0, 0
    return None


def find_dwellings(text: str) -> Found:
    """Net new dwellings that this application creates: created minus demolished ('replacement dwelling' = 0).

    None when it proposes none. Not counted: homes of another application (those a variation's approval
    describes, "the 14 dwellings approved under ...", the description in brackets after a reference), homes an
    access or garage serves, and any sentence addressed to a reader or model (data, never an instruction).
    A variation whose approval names homes, and that does not itself add any, is 0.
    """
    created = removed = replaced = 0
    spans: list[tuple[int, int]] = []
    notes = []
    instructions, asides = _not_the_proposal(text)
    variation = _VARIATION.search(text)
    purpose = _PURPOSE.search(text, variation.end()) if variation else None
    approval_homes = False
    for match in _DWELLING.finditer(text):
        start = match.start()
        if any(a <= start < b for a, b in instructions):
            continue
        change = _classify(text, match)
        if change is None:
            continue
        if (variation and (purpose is None or start < purpose.start())) or any(a <= start < b for a, b in asides) \
                or _APPROVED_AFTER.match(text, match.end()):
            approval_homes = approval_homes or bool(variation)
            continue  # another application's homes
        created, removed, replaced = created + change[0], removed + change[1], replaced + change[2]
        spans.append(match.span())
    if not spans:
        if approval_homes:
            return Found(0, (variation.span(),), "a variation of an earlier approval: the homes it names are that "
                         "approval's, not new ones (0 added)")
        if re.search(r"\bresidential (?:development|estate|scheme)\b", text, re.IGNORECASE):
            notes.append("residential development with no stated number of dwellings")
        return Found(None, (), "; ".join(notes))
    removed = removed or replaced  # "demolition of a dwelling and erection of a replacement dwelling" is one loss
    return Found(created - removed, tuple(spans), created=created)


_STOREYS = re.compile(r"\b(?P<n>" + NUMBER + r"|single|one)(?:\s+and\s+a\s+half)?[\s-]*stor(?:e)?y\b", re.IGNORECASE)


def find_storeys(text: str) -> Found:
    """The most storeys the text states for what is proposed ('two storey extension' -> 2)."""
    best, spans = None, []
    for match in _STOREYS.finditer(text):
        if _EXISTING_BEFORE.search(text[max(0, match.start() - 12):match.start()]):
            continue
        value = to_int(match.group("n"))
        if value and 0 < value < 100:
            spans.append(match.span())
            best = max(best or 0, value)
    return Found(best, tuple(spans))
