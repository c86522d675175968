"""The translation prompt: shared instructions and glossary first, the segment last in a ``<text>`` block.

Putting everything that is the same for every segment first lets llama.cpp reuse the processed
prefix from one segment to the next; keeping the segment inside tags after the instructions makes
it data to translate, not instructions to follow.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from kit import prompts
from kit.translate.glossary import Term
from kit.translate.languages import Language

# The model stops at the closing tag or a blank line; only the first line of the answer is kept, as every
# segment is a single line (models often open with a "<text>" line of their own, so that is not a stop).
STOP = ("</text>", "\n\n")
# Bidirectional-text controls are invisible and can reorder what a reader sees ("Trojan Source").
BIDI_CONTROLS = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_TAGS = re.compile(r"</?\s*text\s*>", re.I)
_MARKERS = re.compile(r"^\s*(?:#{1,6}\s+|[-*+•]\s+|\d{1,3}[.)]\s+|>\s*)")
_QUOTES = ("\"\"", "''", "“”", "«»", "„“", "``")



def system_prompt(source: Language, target: Language, terms: Sequence[Term] = ()) -> str:
    """The shared instructions for one language direction, with the glossary terms to use."""
    glossary = ""
    if terms:
        lines = "\n".join(f"- {term.source} => {term.target}" for term in terms)
        glossary = prompts.load("translate_glossary").format(target_name=target.name, terms=lines)
    return prompts.load("translate_system").format(
        source_name=source.name, target_name=target.name, glossary=glossary
    ).strip()


def messages(segment: str, source: Language, target: Language, terms: Sequence[Term] = (),
             required: Sequence[Term] = ()) -> list[dict[str, str]]:
    """Chat messages translating ``segment``; ``required`` terms get a stronger reminder (the retry)."""
    reminder = ""
    if required:
        listed = "; ".join(f"{term.source} => {term.target}" for term in required)
        reminder = prompts.load("translate_retry").format(target_name=target.name, terms=listed).strip() + "\n"
    user = prompts.load("translate_user").format(
        reminder=reminder, source_name=source.name, target_name=target.name, segment=segment
    ).strip()
    return [{"role": "system", "content": system_prompt(source, target, terms)}, {"role": "user", "content": user}]


def segment_first_messages(segment: str, source: Language, target: Language,
                           terms: Sequence[Term] = ()) -> list[dict[str, str]]:
    """The same request with the segment first, which defeats prefix reuse (the baseline for measuring it)."""
    content = prompts.load("translate_segment_first").format(
        segment=segment, instructions=system_prompt(source, target, terms),
        source_name=source.name, target_name=target.name,
    ).strip()
    return [{"role": "user", "content": content}]


def one_line(text: str) -> str:
    """Text as a single line: segments go to the model without line breaks."""
    return re.sub(r"\s*\n\s*", " ", text).strip()


def clean_output(raw: str, source: str, target: Language) -> str:
    """The translation in a raw answer: tags, labels, wrapping quotes, stray markers and bidi controls removed."""
    lines = [line.strip() for line in BIDI_CONTROLS.sub("", _TAGS.sub("", raw)).split("\n")]
    text = next((line for line in lines if any(ch.isalnum() for ch in line)), "")
    for label in (f"{target.name} translation:", "Translation:", f"{target.name}:"):
        if text.lower().startswith(label.lower()):
            text = text[len(label):].strip()
    if not _MARKERS.match(source):
        text = _MARKERS.sub("", text, count=1)
    for left, right in _QUOTES:
        if len(text) > 1 and text[0] == left[0] and text[-1] == right[-1] and not source.startswith(left[0]):
            text = text[1:-1].strip()
    return text
