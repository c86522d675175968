"""The pieces of the minutes: a decision or action tied to its transcript lines, a rejected model item, a window.

Every item says where it came from (``source``: a named rule, or ``model``) and, per field, how each value
was found (``sources``), so a reader can tell the deterministic parts from the model's.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

RULE = "rule"
MODEL = "model"


@dataclass(frozen=True)
class Item:
    """A decision or an action, with the lines it came from and its verbatim quote."""

    kind: str  # "decision" or "action"
    text: str  # what was decided, or what is to be done
    lines: tuple[int, ...]
    quote: str  # the transcript's own words (checked with kit.grounding)
    source: str  # "rule: <which>" or "model"
    owner: str | None = None
    due: dt.date | None = None
    due_text: str | None = None
    sources: dict = field(default_factory=dict, compare=False, hash=False)  # field -> "rule" | "model" | "none"
    notes: tuple[str, ...] = ()

    @property
    def by_rule(self) -> bool:
        """Whether a deterministic rule found this item (rather than the model)."""
        return self.source.startswith(RULE)

    def where(self) -> str:
        """"line 12" or "lines 12-13"."""
        if len(self.lines) == 1:
            return f"line {self.lines[0]}"
        return f"lines {self.lines[0]}-{self.lines[-1]}"


@dataclass(frozen=True)
class Rejected:
    """A model item left out of the minutes, and why (its quote is not in the transcript, say)."""

    kind: str
    text: str
    quote: str
    reason: str
    chunk: int


@dataclass(frozen=True)
class Chunk:
    """One token-bounded window of the transcript that the model read."""

    index: int
    first_line: int
    last_line: int
    tokens: int
