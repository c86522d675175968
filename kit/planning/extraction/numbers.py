"""Number words ("thirty seven", "twenty-one", "a hundred and ten", "1no.") to integers."""

from __future__ import annotations

import re

UNITS = {w: i for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
    "seventeen eighteen nineteen".split())}
TENS = {w: 10 * i for i, w in enumerate("_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()) if i > 1}
SMALL = {"a": 1, "an": 1, "single": 1, "pair": 2, "couple": 2, "dozen": 12}

_WORD = r"(?:" + "|".join(sorted([*UNITS, *TENS], key=len, reverse=True)) + r")"
# Digits ("37", "2no", "2 no.") or number words, including compounds and hundreds.
NUMBER = (r"(?:\d{1,4}(?:\s*no\b\.?)?|(?:(?:a|one|two|three|four|five|six|seven|eight|nine)\s+hundred(?:\s+and)?\s+)?"
          + _WORD + r"(?:[\s-]+" + _WORD + r")?(?:\s*\(\d{1,4}\))?)")
NUMBER_RE = re.compile(r"\b" + NUMBER + r"\b", re.IGNORECASE)


def to_int(text: str) -> int | None:
    """The integer a number phrase states, or None: '37' 37, '2no.' 2, 'thirty-seven' 37, 'a' 1."""
    text = text.strip().lower()
    digits = re.match(r"(\d{1,4})", text)
    if digits:
        return int(digits.group(1))
    text = re.sub(r"^(?:a\s+)?pair\s+of$", "pair", text)
    if text in SMALL:
        return SMALL[text]
    total = 0
    text = re.sub(r"^an?\s+hundred", "one hundred", text)
    for word in re.split(r"[\s-]+", re.sub(r"\(\d+\)", "", text)):
        if word in ("and", ""):
            continue
        if word == "hundred":
            total = max(total, 1) * 100
        elif word in UNITS:
            total += UNITS[word]
        elif word in TENS:
            total += TENS[word]
        else:
            return None
    return total
