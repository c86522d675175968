"""Wording inside data (a description, an email, a document) that tries to instruct a reader or model.

Every capability treats such text as data: it is flagged so a person can see it, and it changes nothing.
One pattern serves them all, so a phrase caught in one place is caught everywhere.
"""

from __future__ import annotations

import re

INSTRUCTION = re.compile(
    r"\b(?:ignore|disregard|forget)\b.{0,30}\b(?:instructions?|rules|polic(?:y|ies)|prompt|previous|above)\b"
    r"|\b(?:forward|send|email|share|attach|export)\b.{0,20}\b(?:all|every)\b.{0,25}"
    r"\b(?:case notes|records|files|data|emails|documents|addresses)\b"
    r"|\b(?:forward|send|share)\b[^.\n]{0,80}\bto\s+[\w.+-]+@[\w-]+\."
    r"|\byou are (?:now|no longer)\b|\bsystem prompt\b|\bas an ai\b|\bnew instructions?\b"
    r"|\b(?:reply|respond|answer) only with\b"
    r"|\bset (?:the )?(?:urgency|category|priority)\b|\bmark (?:this|it) as\b"
    r"|\b(?:approve|grant|permit) (?:this|the application|it)\b",
    re.IGNORECASE | re.DOTALL,
)


def instruction_signals(text: str | None) -> list[str]:
    """Each piece of ``text`` that addresses a reader or model ("ignore your instructions", "forward all ..."), white space folded."""
    return [" ".join(m.group(0).split()) for m in INSTRUCTION.finditer(text or "")]
