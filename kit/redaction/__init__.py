"""Personal-data redaction for UK text, reversible within the session: ``kit.redact(text) -> Redacted``.

    redacted = kit.redact("Mrs Okafor (NHS 943 476 5919) asked ...")
    redacted.text                      # "Mrs [NAME_1] (NHS [NHS_NUMBER_1]) asked ..."
    redacted.restore(model_answer)     # the placeholders put back, for the advisor's eyes only

The mapping from placeholder to original is kept in memory only (never written anywhere). The same
value gets the same placeholder throughout a :class:`Session`. The run log and the response cache use
:func:`scrub` / :func:`contains_personal_data` unless ``KIT_REDACT=off`` (or ``{"redact": false}`` in
the kit's settings) turns that off.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from kit import display
from kit.redaction.names import find_names
from kit.widgets.html import esc
from kit.redaction.rules import Found, find_structured

# Where two finds overlap, the earlier type wins (an email holding a name is an email).
TYPES = ("EMAIL", "IBAN", "NHS_NUMBER", "NI_NUMBER", "SORT_CODE", "ACCOUNT_NUMBER", "DATE_OF_BIRTH", "PHONE",
         "POSTCODE", "ADDRESS", "NAME")
_RANK = {name: rank for rank, name in enumerate(TYPES)}
PLACEHOLDER = re.compile(r"\[\s*(" + "|".join(TYPES) + r")[ _](\d+)\s*\]", re.IGNORECASE)


@dataclass(frozen=True)
class Entity:
    """One piece of personal data: its type, where it was in the original text, and its placeholder."""

    type: str
    start: int
    end: int
    text: str = field(repr=False)
    placeholder: str


def find(text: str) -> list[Entity]:
    """The personal data in ``text``, in order, overlaps resolved (placeholders not yet assigned)."""
    candidates = [*find_structured(text), *find_names(text)]
    candidates.sort(key=lambda f: (_RANK[f.type], -(f.end - f.start), f.start))
    taken = bytearray(len(text))
    kept: list[Found] = []
    for cand in candidates:
        if not any(taken[cand.start:cand.end]):
            kept.append(cand)
            taken[cand.start:cand.end] = b"\x01" * (cand.end - cand.start)
    kept.sort(key=lambda f: f.start)
    return [Entity(f.type, f.start, f.end, text[f.start:f.end], "") for f in kept]


def _key(entity_type: str, value: str) -> tuple[str, str]:
    if entity_type in ("NAME", "ADDRESS"):
        return entity_type, " ".join(value.split())
    return entity_type, re.sub(r"[\s().-]", "", value).casefold()


class Session:
    """One advisor's redaction session: the same value always gets the same placeholder, kept in memory only."""

    def __init__(self) -> None:
        self._placeholders: dict[tuple[str, str], str] = {}
        self._originals: dict[str, str] = {}
        self._counts: Counter[str] = Counter()

    def __repr__(self) -> str:
        return f"Session({len(self._originals)} values held in memory)"

    def _placeholder(self, entity_type: str, value: str) -> str:
        key = _key(entity_type, value)
        if key not in self._placeholders:
            self._counts[entity_type] += 1
            placeholder = f"[{entity_type}_{self._counts[entity_type]}]"
            self._placeholders[key] = placeholder
            self._originals[placeholder] = value
        return self._placeholders[key]

    def redact(self, text: str) -> Redacted:
        """Replace the personal data in ``text`` with placeholders such as ``[NAME_1]``."""
        if not isinstance(text, str):
            raise TypeError(f"kit.redact needs a str, not {type(text).__name__}")
        pieces: list[str] = []
        entities: list[Entity] = []
        last = 0
        for found in find(text):
            placeholder = self._placeholder(found.type, found.text)
            entities.append(Entity(found.type, found.start, found.end, found.text, placeholder))
            pieces += [text[last:found.start], placeholder]
            last = found.end
        pieces.append(text[last:])
        return Redacted("".join(pieces), tuple(entities), self)

    def restore(self, text: str) -> str:
        """Put the originals back for every placeholder this session made (the model may drop the brackets' case)."""
        def swap(match: re.Match) -> str:
            placeholder = f"[{match.group(1).upper()}_{match.group(2)}]"
            return self._originals.get(placeholder, match.group(0))

        return PLACEHOLDER.sub(swap, text)


@dataclass(frozen=True, repr=False)
class Redacted:
    """A redacted text, its entities, and (in memory only) the way back to the original."""

    text: str
    entities: tuple[Entity, ...]
    session: Session = field(compare=False)

    def __repr__(self) -> str:
        return f"Redacted(text={self.text!r}, entities: {self._summary()})"

    def _summary(self) -> str:
        counts = Counter(entity.type for entity in self.entities)
        return ", ".join(f"{name}×{n}" for name, n in sorted(counts.items())) or "none"

    def restore(self, text: str) -> str:
        """Re-personalise ``text`` (usually the model's answer): each placeholder back to its original."""
        return self.session.restore(text)

    def html(self, originals: bool = False) -> str:
        """The redacted text with each placeholder marked; ``originals=True`` adds the original text, each value
        marked with its placeholder (personal data: shown only when asked)."""
        redacted, original, pieces, at, shift = [], [], [], 0, 0
        for entity in self.entities:
            start = entity.start + shift
            redacted.append((start, start + len(entity.placeholder), entity.type))
            original.append((entity.start, entity.end, entity.placeholder))
            pieces += [self.text[at:start], entity.text]
            at, shift = start + len(entity.placeholder), shift + len(entity.placeholder) - len(entity.text)
        limit = display.options.max_chars
        body = [f"<p>{len(self.entities)} value(s) replaced: {esc(self._summary())}. "
                + ("Originals below: personal data, kept in memory only.</p>" if originals else
                   "Originals hidden: <code>show(originals=True)</code> shows them.</p>"),
                '<div class="kit-marked-text kit-redacted">'
                f'{display.highlight(self.text, redacted, css="kit-placeholder", max_chars=limit)}</div>']
        if originals:
            text = "".join(pieces) + self.text[at:]
            body.append('<div class="kit-result-title">Original</div><div class="kit-marked-text kit-original">'
                        f'{display.highlight(text, original, css="kit-placeholder", max_chars=limit)}</div>')
        return display.wrap("".join(body), "kit-redaction-result")

    def show(self, originals: bool = False):
        """Display the redacted text in a notebook, placeholders marked; ``originals=True`` shows the originals too."""
        return display.html(self.html(originals))

    def _repr_html_(self) -> str:
        """A notebook shows the redacted text with the placeholders marked, never the originals."""
        return self.html()

    @property
    def types(self) -> tuple[str, ...]:
        """The entity types found, sorted, without repeats."""
        return tuple(sorted({entity.type for entity in self.entities}))


def redact(text: str, session: Session | None = None) -> Redacted:
    """Redact UK personal data in ``text``; pass a ``session`` to share placeholders across texts."""
    return (session or Session()).redact(text)


def scrub(text: str) -> str:
    """One-way redaction for anything written to disk (the run log): placeholders, no mapping kept."""
    return Session().redact(text).text


def scrub_strings(value: Any, redactor: Callable[[str], str] = scrub) -> Any:
    """``value`` (str, list, dict: JSON-like) with ``redactor`` applied to every string in it (keys kept).

    Applied before JSON encoding, so escapes never hide a name from the rules.
    """
    if isinstance(value, str):
        return redactor(value)
    if isinstance(value, list):
        return [scrub_strings(item, redactor) for item in value]
    if isinstance(value, dict):
        return {key: scrub_strings(item, redactor) for key, item in value.items()}
    return value


def contains_personal_data(text: str) -> bool:
    """Whether the rules find any personal data in ``text``."""
    return bool(find(text))


def enabled() -> bool:
    """Whether the run log and cache redact: on unless ``KIT_REDACT`` is off/0/false/no or settings say so."""
    value = os.environ.get("KIT_REDACT", "").strip().lower()
    if value:
        return value not in ("off", "0", "false", "no")
    try:
        from kit import config

        return config.load().get("redact", True) not in (False, "off", "0", "false", "no")
    except Exception:  # a broken settings file must never switch redaction off
        return True
