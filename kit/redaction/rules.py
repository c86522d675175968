"""Rules that find UK personal identifiers in text: NHS and NI numbers, postcodes, phones, emails, bank details.

Each rule is a regular expression plus, where the identifier has one, its check (the NHS number's mod-11
digit, the IBAN's mod-97), so a ten-digit reference number is not mistaken for an NHS number. Dates count
as personal data only as dates of birth: a date with a birth cue ("DOB", "born on") just before it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass


@dataclass(frozen=True)
class Found:
    """One identifier found by a rule: its type and where it is."""

    type: str
    start: int
    end: int


# Not inside a longer word or number.
_B = r"(?<![\w@.+-])"
_A = r"(?![\w@]|[.-]\w)"

# Shared mailboxes of an organisation, not a person ("repairs@", "benefits@"): not personal data.
ROLE_ACCOUNTS = frozenset("""admin benefits contact counciltax customerservices enquiries help helpdesk housing info
mail noreply no-reply office parking planning post reception repairs sales support team webmaster""".split())
EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+(?<!\.)", re.UNICODE)
NHS = re.compile(_B + r"(\d{3})[ -]?(\d{3})[ -]?(\d{4})" + _A)
NHS_CUE = re.compile(r"\bNHS\b(?:\s*(?:no\.?|number|num|#))?\s*[:.]?\s*$", re.IGNORECASE)
NINO = re.compile(
    _B + r"(?:QQ|(?!BG|GB|KN|NK|NT|TN|ZZ)[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z])"  # QQ: HMRC's example prefix
    r"\s?\d{2}\s?\d{2}\s?\d{2}\s?[A-D]" + _A,
    re.IGNORECASE,
)
POSTCODE = re.compile(
    r"(?<![\w-])(?:GIR ?0AA|[A-PR-UWYZ](?:\d{1,2}|[A-HK-Y]\d{1,2}|\d[A-HJKPSTUW]|[A-HK-Y]\d[ABEHMNPRVWXY])"
    r" ?\d[ABD-HJLNP-UW-Z]{2})(?![\w-])",
)
PHONE = re.compile(
    r"(?<![\w+])(?:\+44\s?(?:\(0\)\s?)?|0044\s?|\(0(?=\d{2,4}\))|0)\d(?:[\s)-]{0,2}\d){7,10}(?![\w])"
)
IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?\b")
SORT_CODE = re.compile(_B + r"\d{2}([- ]?)\d{2}\1\d{2}" + _A)
ACCOUNT = re.compile(_B + r"\d{8}" + _A)
BANK_CUE = re.compile(r"(?:sort[\s-]?code|s/c|bank)", re.IGNORECASE)
ACCOUNT_CUE = re.compile(r"(?:account|acc(?:t)?\.?|a/c)(?:\s*(?:no\.?|number|num|#))?\s*[:.]?\s*(?:is\s*)?$",
                         re.IGNORECASE)

_MONTHS = (r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
           r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)")
DATE = re.compile(
    r"(?<![\w/.-])(?:\d{1,2}[/.-]\d{1,2}[/.-](?:\d{4}|\d{2})|\d{4}-\d{2}-\d{2}"
    rf"|\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTHS}\.?,?\s+\d{{4}}"
    rf"|{_MONTHS}\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}})(?![\w/])",
    re.IGNORECASE,
)
DOB_CUE = re.compile(
    r"(?:date\s+of\s+birth|\bd\.?\s?o\.?\s?b\b\.?|\bborn\b|\bbirthday\b|birth\s+date)[^\n.;]{0,30}$",
    re.IGNORECASE,
)
ADDRESS = re.compile(
    r"\b\d{1,4}[A-Za-z]?,?\s+(?:[A-Z][a-z']+\s+){1,3}"
    r"(?:Road|Rd|Street|St|Lane|Ln|Avenue|Ave|Close|Drive|Dr|Way|Crescent|Place|Court|Gardens|Terrace"
    r"|Grove|Hill|Park|Row|Walk|Square|Mews|Rise|View|Parade)\b"
)


def nhs_check_ok(digits: str) -> bool:
    """Whether a ten-digit NHS number's last digit matches its mod-11 check digit."""
    if len(digits) != 10 or not digits.isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(digits[:9], range(10, 1, -1)))
    check = 11 - total % 11
    if check == 11:
        check = 0
    return check != 10 and check == int(digits[9])


def iban_check_ok(text: str) -> bool:
    """Whether an IBAN passes the ISO 13616 mod-97 check (spaces ignored)."""
    iban = text.replace(" ", "").upper()
    if not 15 <= len(iban) <= 34:
        return False
    moved = iban[4:] + iban[:4]
    number = "".join(str(int(ch, 36)) for ch in moved)
    return int(number) % 97 == 1


def _before(text: str, start: int, width: int = 40) -> str:
    return text[max(0, start - width):start]


def _phone_ok(raw: str) -> bool:
    digits = re.sub(r"\D", "", raw)
    if digits.startswith("44"):
        digits = "0" + digits[2:].removeprefix("0")
    elif digits.startswith("0044"):
        digits = "0" + digits[4:]
    return digits.startswith("0") and len(digits) in (10, 11) and digits[1] in "1235789"


def find_structured(text: str) -> Iterator[Found]:
    """Every structured identifier in ``text`` (overlaps are resolved by the caller)."""
    for m in EMAIL.finditer(text):
        if m.group(0).split("@")[0].lower() not in ROLE_ACCOUNTS:
            yield Found("EMAIL", m.start(), m.end())
    for m in IBAN.finditer(text):
        if iban_check_ok(m.group(0)):
            yield Found("IBAN", m.start(), m.end())
    for m in NHS.finditer(text):
        digits = "".join(m.groups())
        cued = NHS_CUE.search(_before(text, m.start(), 24)) is not None
        if (nhs_check_ok(digits) and digits[0] != "0") or cued:
            yield Found("NHS_NUMBER", m.start(), m.end())
    for m in NINO.finditer(text):
        yield Found("NI_NUMBER", m.start(), m.end())
    for m in POSTCODE.finditer(text):
        yield Found("POSTCODE", m.start(), m.end())
    for m in PHONE.finditer(text):
        if _phone_ok(m.group(0)):
            yield Found("PHONE", m.start(), m.end())
    for m in DATE.finditer(text):
        if DOB_CUE.search(_before(text, m.start(), 48)):
            yield Found("DATE_OF_BIRTH", m.start(), m.end())
    sort_ends: list[int] = []
    for m in SORT_CODE.finditer(text):
        if BANK_CUE.search(_before(text, m.start(), 30)):
            yield Found("SORT_CODE", m.start(), m.end())
            sort_ends.append(m.end())
    for m in ACCOUNT.finditer(text):
        after_sort = any(0 <= m.start() - end <= 40 for end in sort_ends)
        if after_sort or ACCOUNT_CUE.search(_before(text, m.start(), 30)):
            yield Found("ACCOUNT_NUMBER", m.start(), m.end())
    for m in ADDRESS.finditer(text):
        yield Found("ADDRESS", m.start(), m.end())
