"""Words for search: lower case, stop words dropped, a light English suffix stripper (no downloads)."""

from __future__ import annotations

import re
import unicodedata

TOKENIZER_VERSION = 1  # bump when tokens change: persisted indexes built with another version are rebuilt

_WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)?")
STOPWORDS = frozenset("""
a about above after again against all am an and any are as at be because been before being below between both
but by can could did do does doing down during each few for from further had has have having he her here hers
him his how i if in into is it its itself just me more most my no nor not of off on once only or other our ours
out over own same she should so some such than that the their them then there these they this those through to
too under until up very was we were what when where which while who whom why will with would you your yours
""".split())


def stem(word: str) -> str:
    """A light suffix stripper: plurals, -ing, -ed, -ly, so "prescribing" meets "prescribe" often enough."""
    if len(word) <= 4 or word.isdigit():
        return word
    for suffix, keep in (("ies", "y"), ("sses", "ss"), ("ing", ""), ("edly", ""), ("ed", ""), ("ly", ""),
                         ("es", ""), ("s", "")):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            if suffix == "s" and word.endswith(("ss", "us", "is")):
                return word
            word = word[: len(word) - len(suffix)] + keep
            break
    if word.endswith("e") and len(word) > 4:
        word = word[:-1]
    return word


def tokens(text: str) -> list[str]:
    """The search tokens of ``text`` (stemmed, no stop words), in order."""
    folded = unicodedata.normalize("NFKD", text.lower().replace("\u2019", "'"))
    words = _WORD.findall("".join(ch for ch in folded if not unicodedata.combining(ch)))
    return [stem(w.split("'")[0]) for w in words if w not in STOPWORDS and w.split("'")[0] not in STOPWORDS]
