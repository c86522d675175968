"""Published decisions, appeal outcomes and dates in their many spellings, normalised: 'PER', 'APER1', '05-Jan-16'..."""

from __future__ import annotations

import re
from datetime import date, datetime

_DATE_FORMATS = ("%d-%b-%y", "%d-%b-%Y", "%d/%m/%Y", "%d/%m/%y", "%Y-%m-%d", "%d %B %Y", "%d %b %Y", "%d.%m.%Y",
                 "%d-%B-%Y", "%d-%m-%Y", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S", "%d/%m/%Y %H:%M",
                 "%d/%m/%Y %H:%M:%S")


def parse_date(value: str | None) -> date | None:
    """A published date ('05-Jan-16', '05/01/2016', '2016-01-05', ...) or None when it is not one."""
    if not value:
        return None
    value = value.strip()
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    return None


def normalise_decision(raw: str | None) -> str | None:
    """The published decision as one of permitted, refused, withdrawn, lawful, not lawful, or 'other'."""
    if not raw:
        return None
    text = raw.strip().lower()
    rules = (("withdraw", "withdrawn"), ("wdn", "withdrawn"), ("clawa", "lawful"), ("clawr", "not lawful"),
             ("lawful", "not lawful" if re.search(r"declin|refus|not", text) else "lawful"),
             ("refus", "refused"), ("ref", "refused"), ("per", "permitted"), ("approv", "permitted"),
             ("grant", "permitted"), ("deemed consent", "permitted"), ("split", "split"))
    for needle, value in rules:
        if text.startswith(needle) or (len(needle) > 3 and needle in text):
            return value
    return "other"


# What the appeal list's last column says the appeal body did, in each year's spelling. 2018 uses codes: the "1"
# of APER1/AREF1 follows a reversed decision in 15 of 16 rows, but the code list is not published, so the two
# columns together decide the outcome (APPEALS), never the suffix.
_CODES = {"aper": "approved", "aref": "refused", "asplit": "split", "awdn": "withdrawn", "adept": "department approved",
          "arde": "department refused"}
_WORDS = (("withdrawn", "withdrawn"), ("split", "split"), ("department application approved", "department approved"),
          ("department application refused", "department refused"),
          ("approved by council of ministers", "council of ministers approved"), ("approved at appeal", "approved"),
          ("refused at appeal", "refused"))

# (original decision, what the appeal body did) -> (who appealed, how the appeal ended). A refusal is appealed
# by the applicant, a permission by a third party: "approved at appeal" after a permission means the permission
# stood, so the third party's appeal was dismissed. A Department application (the Government's own, decided by
# the Department or the Council of Ministers after an inquiry) is in the same lists but is no appeal.
APPEALS: dict[tuple[str, str], tuple[str, str]] = {
    ("refused", "approved"): ("applicant", "allowed"),
    ("refused", "refused"): ("applicant", "dismissed"),
    ("refused", "split"): ("applicant", "split"),
    ("refused", "withdrawn"): ("applicant", "withdrawn"),
    ("permitted", "refused"): ("third party", "allowed"),
    ("permitted", "approved"): ("third party", "dismissed"),
    ("permitted", "split"): ("third party", "split"),
    ("permitted", "withdrawn"): ("third party", "withdrawn"),
    ("permitted", "department approved"): ("department application", "approved"),
    ("refused", "department refused"): ("department application", "refused"),
    ("permitted", "council of ministers approved"): ("department application", "approved"),
}


def appeal_result(raw: str | None) -> str | None:
    """What the appeal body did, from the appeal column alone: approved, refused, split, withdrawn, department
    approved, department refused, council of ministers approved; None when blank or not a known spelling."""
    text = " ".join((raw or "").lower().split())
    code = re.fullmatch(r"([a-z]+)\d*", text)
    if code and code.group(1) in _CODES:
        return _CODES[code.group(1)]
    return next((value for words, value in _WORDS if words in text), None)


def appeal_outcome(decision_raw: str | None, appeal_raw: str | None) -> tuple[str, str] | None:
    """(appellant, outcome) from both columns of an appeals list: e.g. ('Permitted', 'Approved at Appeal') ->
    ('third party', 'dismissed'). None for a pair not in APPEALS: the loader reports it rather than guess."""
    return APPEALS.get((normalise_decision(decision_raw), appeal_result(appeal_raw)))
