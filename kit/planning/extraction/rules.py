"""Keyword rules for the kinds of works (the WORKS vocabulary) and the application type a description states."""

from __future__ import annotations

import re

from kit.planning.extraction.parsers import VARIATION, Found, whole_words
from kit.planning.record import WORKS

# Each kind of works: the alternatives that name it (joined with "|", matched case-insensitively).
_WORK_RULES: dict[str, tuple[str, ...]] = {
    "extension": (
        r"\bextensions?\b(?! (?:of|to) (?:the )?(?:time|period|approval|permission|condition))",
        r"\bextend(?:ing)?\b(?! the (?:period|time))",
        r"(?<!existing )(?<!to )(?<!of )(?:conservator(?:y|ies)|sun ?rooms?|orangery)(?! roof)",
        r"\bporch(?:es)?\b", r"\bdormers?\b", r"to (?:make|create|provide) additional (?:living )?accommodation"),
    "alterations": (
        r"\balteration", r"re-?roof", r"refurbish", r"remodel", r"reconfigur", r"cladding", r"re-?render",
        r"\brender\b", r"roof ?lights?", r"\bbalcon(?:y|ies)\b", r"decking", r"internal works", r"\bpatio\b",
        r"roof terrace", r"(?:replacement|new|tiled|pitched) roof", r"\broof (?:tiles|covering)", r"canopy",
        r"replacement of (?:the )?(?:existing )?[\w ]{0,30}\broof\b",
        r"\b(?:reduc|enlarg|widen)\w* (?:in size of )?(?:an? |the )?(?:existing )?(?:windows?|doors?|openings?)",
        r"(?:conver\w+|alterations?) (?:of|to) (?:part of )?(?:the |an? |existing )?(?:integral |attached )?garage"),
    "change of use": (
        r"changes? of use", r"additional use", r"\bfor use as\b", r"\bto be used as\b",
        r"\bconver\w+\b.{0,40}\b(?:to|into) (?:an? )?(?:office|shop|retail|caf|restaurant|dwelling|residential|"
        r"tourist|holiday|apartment|flat)",
        r"\bconver\w+ (?:of )?(?:the |an? |existing |adjacent |redundant |former |two |part of )*(?:\w+ )?"
        r"(?:barn|stables?|office|shop|outbuildings?|stores?|building|hotel|guest house|church|chapel|warehouse|"
        r"workshop|nursery|bank|pub|public house|garage / store|store / garage)\b",
        r"residential curtilage", r"(?:inclusion|incorporation) of .{0,60} (?:garden|curtilage)"),
    "demolition": (
        r"demoli", r"\bto replace (?:the )?existing\b", r"knock(?:ing)? down",
        r"\bremoval of (?:an? |the )?(?:existing )?(?:\w+ ){0,2}(?:building|extension|garage|shed|conservatory|"
        r"outbuilding|structure|chimney|porch|store|barn)"),
    "replacement windows/doors": (
        r"(?:replac\w*|new|upvc|install\w*|insert\w*)\b[^.;]{0,50}?\b(?:windows?|doors?|glazing)\b",
        r"\b(?:windows?|doors?)\b[^.;]{0,20}?replac\w*"),
    "advertisement": (r"advert", r"signage", r"\bsigns?\b", r"hoarding", r"fascia", r"totem", r"\bbanners?\b"),
    "agricultural building": (
        r"agricultural (?:\w+ ){0,2}(?:building|shed|barn|store|storage)",
        r"(?<!conversion of )(?<!existing )\bstables?\b(?! building to)", r"polytunnel", r"livestock", r"\bbarn\b",
        r"slurry", r"silage", r"poultry", r"cattle", r"sheep", r"\bkennels?\b", r"equestrian", r"m[aée]n[eèä]ge"),
    "registered building works": (r"registered building", r"\bRB\b", r"listed building"),
    "tree works": (r"\btrees?\b", r"\bfell(?:ing)?\b", r"\blopping\b", r"pollard", r"crown (?:reduction|lift|thin)",
                   r"coppic", r"hedgerow"),
    "lawful use": (r"\blawful", r"lawfulness"),
    "outbuilding": (
        r"(?<!integral )(?<!integral double )(?<!attached )(?<!of existing )(?<!part of integral )(?<!to )"
        r"(?<!conversion of )\bgarag(?:e|es|ing)\b",
        r"car ?ports?", r"(?<!storage )\bsheds?\b", r"(?<!conversion of )(?<!existing )(?<!redundant farm )outbuilding",
        r"garden (?:room|building|office|store)", r"summer ?house", r"\bworkshop", r"greenhouse", r"log cabin",
        r"\bstudio\b", r"boat ?house", r"home office", r"\bstores?\b", r"storage (?:building|container|unit)"),
    "access and parking": (
        r"(?<!means of )(?<!pedestrian )(?<!disabled )(?<!doorway / )\baccess\b"
        r"(?! to (?:the )?(?:loft|roof|first floor|attic))(?! ramp)(?! alterations and installation)",
        r"driveway", r"parking", r"car park", r"hard ?standing", r"dropped kerb", r"turning (?:area|head)",
        r"\bfootpath", r"\broadway", r"estate road"),
    "boundary treatment": (
        r"boundar", r"\bfenc(?:e|es|ing)\b", r"\bgates?\b", r"railings?",
        r"\b(?:garden|front|rear|side|stone|block|new|retaining|perimeter) walls?\b", r"\bhedge\b"),
    "engineering works": (
        r"engineering", r"earth ?works", r"\binfill", r"in-fill", r"land ?raising", r"levell?ing", r"re-?profil",
        r"excavat", r"retaining wall", r"drainage", r"culvert", r"soakaway", r"septic tank", r"treatment plant",
        r"slipway", r"sea defen", r"\bpond\b", r"embankment", r"\bbund\b", r"\bweirs?\b", r"sluice", r"tipping",
        r"deposit(?:ion)? of", r"land ?fill", r"\btracks?\b"),
    "telecommunications": (r"telecom", r"\bmasts?\b", r"antenna", r"base station", r"\bdish(?:es)?\b"),
    "renewable energy": (r"solar", r"photovoltaic", r"\bPV\b", r"wind turbine", r"\bturbines?\b", r"heat pump",
                         r"biomass", r"hydro[\s-]?electric", r"renewable"),
}
_COMPILED = {work: re.compile("|".join(parts), re.IGNORECASE) for work, parts in _WORK_RULES.items()}
_RESIDENTIAL = re.compile(r"\bresidential (?:development|estate|scheme)\b", re.IGNORECASE)
# A building named as what is demolished, converted or altered is not a building proposed.
_EXISTING_CLAUSE = re.compile(r"demoli|\bremov|replac|conver|existing|redundant|former|alterations? to|"
                              r"extension (?:of|to)", re.IGNORECASE)
_PROPOSED_ONLY = ("outbuilding", "agricultural building")

# Ordered: the first rule that matches gives the type; B (full permission) when none does.
_TYPE_RULES: tuple[tuple[str, str], ...] = (
    ("REM", r"reserved matters"),
    ("A", r"approval in principle|\boutline (?:application|planning|permission)"),
    ("VAR", VARIATION),
    ("LAW", r"lawful development|certificate of lawful|lawfulness|make lawful|lawful use|\bCLU\b|\bCLD\b"),
    ("CON", r"registered building consent|listed building consent|^\W*registered building"),
    ("TEL", r"telecommunication|base station|\bmast\b.*\bantenna"),
    ("C", r"^\W*(?:application for )?(?:a |the )?(?:proposed )?(?:change|changes) of use|^\W*additional use|"
          r"^\W*(?:application for )?(?:the )?use of\b"),
    ("D", r"^\W*(?:application for |retrospective )?(?:the )?(?:installation|erection|display|replacement|retention|"
          r"siting)? ?(?:of )?(?:[\w-]+\s+){0,5}?"
          r"(?:sign|signs|signage|advertisement|advertising|hoarding|banner|fascia)\b"),
    ("GB", r"\bRB\s*(?:no\.?\s*)?\d|registered building (?:no|number)|"
           r"\bin (?:association|connection) with .{0,40}/CON\b"),
)
_TYPES = tuple((code, re.compile(pattern, re.IGNORECASE)) for code, pattern in _TYPE_RULES)


def find_works(text: str, new_dwellings: bool = False, dwelling_spans: tuple = ()) -> Found:
    """The kinds of works the text names (WORKS vocabulary, in that order), one evidence span per kind."""
    values, spans = [], []
    residential = _RESIDENTIAL.search(text)
    if new_dwellings and dwelling_spans:
        values.append("new dwellings")
        spans.append(dwelling_spans[0])
    elif residential:
        values.append("new dwellings")
        spans.append(residential.span())
    for work in WORKS:
        pattern = _COMPILED.get(work)
        for match in pattern.finditer(text) if pattern else ():
            if work in _PROPOSED_ONLY and _EXISTING_CLAUSE.search(_clause_before(text, match.start())):
                continue
            values.append(work)
            spans.append(whole_words(text, *match.span()))
            break
    return Found(values, tuple(spans))


def _clause_before(text: str, at: int) -> str:
    """The words before ``at`` back to the last comma, semicolon, 'and' or 'with'."""
    before = text[max(0, at - 60):at]
    cut = list(re.finditer(r"[,;(]|\band\b|\bwith\b|\bfor\b", before, re.IGNORECASE))
    return before[cut[-1].end():] if cut else before


def find_type(text: str, works: list[str] | None = None) -> Found:
    """The application type the wording implies (REM, A, VAR, LAW, CON, TEL, C, D, GB, else B)."""
    for code, pattern in _TYPES:
        match = pattern.search(text)
        if match:
            if code == "D" and works and set(works) - {"advertisement", "registered building works"}:
                continue  # signs alongside other works are part of a full application
            return Found(code, (match.span(),))
    lead = re.match(r"\s*\S+(?:\s+\S+){0,2}", text)
    return Found("B", (lead.span(),) if lead else (), "no wording of another type: full permission assumed")
