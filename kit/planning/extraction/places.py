"""Find the settlement (town or village) an address or description names: an Isle of Man gazetteer, then layout."""

from __future__ import annotations

import re

from kit.planning.extraction.parsers import Found

# Towns, villages and postal districts of the Isle of Man, as addresses spell them.
SETTLEMENTS: tuple[str, ...] = (
    "Douglas", "Onchan", "Ramsey", "Peel", "Castletown", "Port Erin", "Port St Mary", "Port St. Mary", "Laxey",
    "Kirk Michael", "Ballasalla", "Union Mills", "Glen Vine", "Crosby", "St Johns", "St. Johns", "St John's",
    "Foxdale", "Lower Foxdale", "Colby", "Ballabeg", "Santon", "Sulby", "Andreas", "Jurby", "Bride", "Ballaugh",
    "Maughold", "Baldrine", "Glen Maye", "Port Soderick", "Strang", "Braddan", "Greeba", "Patrick", "Dalby",
    "Cregneash", "Derbyhaven", "Ballafesson", "Arbory", "Rushen", "Malew", "Marown", "German", "Lonan", "Lezayre",
    "Glen Auldyn", "Abbeylands", "Ballacraine", "Baldwin", "Glen Mona", "Dhoon", "Port Lewaigue", "Port-e-Vullen",
    "Grenaby", "Ronague", "Kirk Braddan", "Willaston", "Governors Hill", "Tromode", "Cronk-y-Voddy", "The Level",
    "Ballamodha", "Ballakillowey", "Glenfaba", "Garff", "Ayre", "Michael", "Ballure", "Minorca", "Fairy Cottage",
    "Cornaa", "Ballaragh", "Baldhoo", "Injebreck", "Eairy", "Newtown", "Silverdale", "St Marks", "St. Marks",
)
_GAZETTEER = re.compile(r"\b(?:" + "|".join(re.escape(name) for name in sorted(SETTLEMENTS, key=len, reverse=True))
                        + r")\b", re.IGNORECASE)
_COUNTRY = re.compile(r",?\s*(?:Isle of Man|IOM|United Kingdom|UK|England|Scotland|Wales)\b", re.IGNORECASE)
_STREET = re.compile(r"\b(?:road|street|st|lane|avenue|drive|close|crescent|terrace|way|place|court|hill|park|"
                     r"gardens|grove|view|square|parade|promenade|quay|row|walk|mews|green)\.?$", re.IGNORECASE)


def find_settlement(text: str | None) -> Found:
    """The settlement nearest the end of an address (before the country and postcode), with its span."""
    if not text:
        return Found(None)
    end = _COUNTRY.search(text)
    head = text[:end.start()] if end else text
    found = list(_GAZETTEER.finditer(head)) or list(_GAZETTEER.finditer(text))
    if found:
        match = found[-1]
        name = match.group(0)
        return Found(" ".join(w if w.isupper() or w.lower() in ("y", "e") else w.capitalize() for w in name.split()),
                     (match.span(),))
    parts = [p for p in re.split(r",", head) if p.strip()]
    if len(parts) > 1:  # "12 High Street, Hebden Bridge, HX7 8AA": the last part that is not a street or postcode
        for part in reversed(parts):
            clean = re.sub(r"\b[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}\b", "", part).strip()
            if clean and not re.search(r"\d", clean) and not _STREET.search(clean):
                start = text.index(clean)
                return Found(clean, ((start, start + len(clean)),))
    return Found(None)
