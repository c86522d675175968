"""Dates in meetings: the meeting's own date, and due dates ("by Friday 14 March") resolved against it.

Only wording that names a day exactly is resolved; the rules, so a reader can predict every answer:

- an explicit date (``2025-03-14``, ``14/03/2025``, ``14 March``, ``March 14th``, with or without a weekday):
  without a year, the first such day on or after the meeting;
- ``today``, ``tomorrow``, ``in two weeks``, ``within 10 days``;
- a weekday (``by Friday``): the first such day after the meeting; ``next Friday``: that weekday in the
  calendar week (Monday to Sunday) after the meeting's;
- ``end of the week`` (that week's Friday), ``end of next week``, ``end of the month``, ``end of next month``.

Anything vaguer ("soon", "before the next meeting") is left unresolved: the minutes show no date.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_name) if name}
MONTHS |= {name.lower(): i for i, name in enumerate(calendar.month_abbr) if name}
MONTHS["sept"] = 9
WEEKDAYS = {name.lower(): i for i, name in enumerate(calendar.day_name)}
NUMBERS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "ten": 10, "a": 1}

_MONTH = r"(?P<month>" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
_WEEKDAY = r"(?P<weekday>" + "|".join(WEEKDAYS) + r")"
_ORD = r"(?:st|nd|rd|th)?"
_PATTERNS = [
    ("iso", re.compile(r"\b(?P<year>\d{4})-(?P<mnum>\d{1,2})-(?P<day>\d{1,2})\b")),
    ("numeric", re.compile(r"\b(?P<day>\d{1,2})/(?P<mnum>\d{1,2})(?:/(?P<year>\d{2,4}))?\b")),
    ("day_month", re.compile(rf"\b(?:{_WEEKDAY},?\s+)?(?:the\s+)?(?P<day>\d{{1,2}}){_ORD}(?:\s+of)?\s+{_MONTH}"
                             rf"(?:,?\s+(?P<year>\d{{4}}))?\b", re.I)),
    ("month_day", re.compile(rf"\b(?:{_WEEKDAY},?\s+)?{_MONTH}\s+(?P<day>\d{{1,2}}){_ORD}(?:,?\s+(?P<year>\d{{4}}))?\b",
                             re.I)),
    ("relative", re.compile(r"\b(?P<word>today|tomorrow)\b", re.I)),
    ("span", re.compile(r"\b(?:in|within)\s+(?P<n>\d+|one|two|three|four|five|six|ten|a)\s+(?P<unit>days?|weeks?)\b",
                        re.I)),
    ("end", re.compile(r"\bend\s+of\s+(?P<which>the|this|next)\s+(?P<unit>week|month)\b", re.I)),
    ("weekday", re.compile(rf"\b(?P<next>next\s+)?{_WEEKDAY}\b", re.I)),
]


@dataclass(frozen=True)
class DueDate:
    """A resolved date, the words it came from, and a note when the words disagree with themselves."""

    date: dt.date
    text: str
    note: str = ""


def parse_date(text: str) -> dt.date | None:
    """An explicit date with a year (``12 March 2025``, ``2025-03-12``, ``12/03/2025``) in ``text``, else None."""
    for kind, pattern in _PATTERNS[:4]:
        for match in pattern.finditer(text or ""):
            if match.groupdict().get("year"):
                found = _explicit(match, None)
                if found is not None:
                    return found[0]
    return None


def _year(raw: str) -> int:
    year = int(raw)
    return year + 2000 if year < 100 else year


def _explicit(match: re.Match, meeting: dt.date | None) -> tuple[dt.date, str] | None:
    parts = match.groupdict()
    month = int(parts["mnum"]) if parts.get("mnum") else MONTHS[parts["month"].lower().rstrip(".")]
    day = int(parts["day"])
    note = ""
    try:
        if parts.get("year"):
            found = dt.date(_year(parts["year"]), month, day)
        elif meeting is not None:
            found = dt.date(meeting.year, month, day)
            if found < meeting:
                found = dt.date(meeting.year + 1, month, day)
        else:
            return None
    except ValueError:
        return None  # 31 February and the like: not a date
    weekday = parts.get("weekday")
    if weekday and WEEKDAYS[weekday.lower()] != found.weekday():
        note = f"the text says {weekday} but {found:%d %B %Y} is a {found:%A}"
    return found, note


def due_date(text: str, meeting: dt.date | None) -> DueDate | None:
    """The first due date ``text`` names exactly, resolved against the meeting's date (see the module rules).

    Relative wording (weekdays, "tomorrow", "end of the month") needs the meeting date; without one only
    explicit dates with a year resolve.
    """
    best: tuple[int, DueDate] | None = None
    for kind, pattern in _PATTERNS:
        for match in pattern.finditer(text or ""):
            resolved = _resolve(kind, match, meeting)
            if resolved is None:
                continue
            candidate = (match.start(), DueDate(resolved[0], match.group(0), resolved[1]))
            if best is None or candidate[0] < best[0]:
                best = candidate
            break
        if best is not None and kind in ("iso", "numeric", "day_month", "month_day"):
            break  # an explicit date beats any relative wording in the same text
    return best[1] if best else None


def _resolve(kind: str, match: re.Match, meeting: dt.date | None) -> tuple[dt.date, str] | None:
    if kind in ("iso", "numeric", "day_month", "month_day"):
        return _explicit(match, meeting)
    if meeting is None:
        return None
    parts = match.groupdict()
    if kind == "relative":
        return meeting + dt.timedelta(days=0 if parts["word"].lower() == "today" else 1), ""
    if kind == "span":
        n = int(parts["n"]) if parts["n"].isdigit() else NUMBERS[parts["n"].lower()]
        return meeting + dt.timedelta(days=n * (7 if parts["unit"].lower().startswith("week") else 1)), ""
    if kind == "end":
        nxt = parts["which"].lower() == "next"
        if parts["unit"].lower() == "week":
            friday = meeting + dt.timedelta(days=4 - meeting.weekday())
            return friday + dt.timedelta(days=7 if nxt else 0), ""
        year, month = (meeting.year + (meeting.month == 12), meeting.month % 12 + 1) if nxt else (meeting.year,
                                                                                                     meeting.month)
        return dt.date(year, month, calendar.monthrange(year, month)[1]), ""
    target = WEEKDAYS[parts["weekday"].lower()]
    if parts.get("next"):
        monday_next = meeting + dt.timedelta(days=7 - meeting.weekday())
        return monday_next + dt.timedelta(days=target), ""
    ahead = (target - meeting.weekday()) % 7 or 7
    return meeting + dt.timedelta(days=ahead), ""
