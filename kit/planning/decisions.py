"""Published decisions and dates in their many spellings, normalised: 'PER', 'Permitted', '05-Jan-16'..."""

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


def normalise_appeal(raw: str | None) -> str | None:
    """An appeal outcome as allowed, dismissed, withdrawn, split, or 'other' (Department/Council decisions)."""
    if not raw:
        return None
    text = raw.strip().lower()
    if "withdr" in text or text == "awdn":
        return "withdrawn"
    if "split" in text:
        return "split"
    if text.startswith("department") or "council" in text or text in ("adept", "arde"):
        return "other"
    if "approved" in text or text.startswith("aper"):
        return "allowed"
    if "refused" in text or text.startswith("aref"):
        return "dismissed"
    return "other"
