"""Static action cards: the numbered and bulleted steps of the guidance, saved ahead of time for the last tier.

When neither a model nor the search index can run, an assistant can still show the right card: its lines
are the guidance's own words (each one found verbatim in its section), matched to a question by word
overlap in plain Python.
"""

from __future__ import annotations

import json
import math
import os
import re
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from kit.docs.tokens import tokens
from kit.errors import InputError
from kit.grounding import is_verbatim

FORMAT_VERSION = 1
# A numbered step ("1.", "2)", "(3)", "Step 4:") or a bullet ("-", "*", "•") at the start of a line.
_ACTION = re.compile(r"^\s*(?:\(?\d{1,2}[.)]|step\s+\d{1,2}[:.]|[-*\u2022\u25aa\u2013])\s+(?P<text>\S.*)$", re.I)
MIN_SCORE = 1.0


@dataclass(frozen=True)
class Card:
    """One pre-rendered card: a heading of the guidance and its action lines, verbatim."""

    title: str
    document: str
    actions: tuple[str, ...]
    section_id: str = ""  # the first section the actions come from (for a citation)


def action_lines(text: str) -> list[str]:
    """The numbered or bulleted lines of ``text`` as they stand (marker included).

    A step that wraps onto the next line (as PDF text does) is joined with a space: a line that is not a
    step itself, right after a step that has not ended its sentence.
    """
    actions: list[str] = []
    after_step = False
    for line in text.splitlines():
        if _ACTION.match(line):
            actions.append(line.strip())
            after_step = True
        elif after_step and line.strip() and not actions[-1].endswith((".", "!", "?", ":", '"', "'")):
            actions[-1] = f"{actions[-1]} {line.strip()}"
        else:
            after_step = False
    return actions


def build_cards(store: Any) -> tuple[Card, ...]:
    """One card per heading of the guidance that holds numbered or bulleted steps, in document order.

    ``store`` is a :class:`kit.docs.DocStore` (anything with ``.sections`` of id/document/heading/text).
    Every action line is checked verbatim against its section with :mod:`kit.grounding`.
    """
    grouped: dict[tuple[str, str], dict[str, Any]] = {}
    for section in store.sections:
        lines = [line for line in action_lines(section.text) if is_verbatim(line, section.text)]
        if not lines:
            continue
        key = (section.document, section.heading)
        card = grouped.setdefault(key, {"section_id": section.id, "actions": []})
        card["actions"].extend(line for line in lines if line not in card["actions"])
    return tuple(Card(title=_title(heading, document), document=document, actions=tuple(card["actions"]),
                      section_id=card["section_id"]) for (document, heading), card in grouped.items())


def _title(heading: str, document: str) -> str:
    return heading.strip() or Path(document).stem.replace("_", " ").replace("-", " ")


def save_cards(cards: tuple[Card, ...] | list[Card], path: str | os.PathLike) -> Path:
    """Write the cards as JSON (written to a temporary file, then renamed, so a crash leaves the old file)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    data = {"format": "kit-action-cards", "version": FORMAT_VERSION, "cards": [asdict(card) for card in cards]}
    partial = path.with_name(path.name + ".partial")
    partial.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    os.replace(partial, path)
    return path


def load_cards(path: str | os.PathLike) -> tuple[Card, ...]:
    """Read cards written by :func:`save_cards`; InputError saying how to rebuild them if the file is bad."""
    path = Path(path)
    rebuild = "Rebuild them with kit.offline.cards.save_cards(build_cards(store), path)."
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"No action cards at {path}. {rebuild}") from None
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise InputError(f"The action cards at {path} cannot be read ({exc}). {rebuild}") from None
    if not isinstance(data, dict) or data.get("format") != "kit-action-cards" \
            or not isinstance(data.get("cards"), list):
        raise InputError(f"{path} is not a file of action cards. {rebuild}")
    try:
        return tuple(Card(title=str(c["title"]), document=str(c["document"]),
                          actions=tuple(str(a) for a in c["actions"]), section_id=str(c.get("section_id", "")))
                     for c in data["cards"])
    except (KeyError, TypeError) as exc:
        raise InputError(f"The action cards at {path} are damaged (missing {exc}). {rebuild}") from None


def match_card(question: str, cards: tuple[Card, ...] | list[Card], *, min_score: float = MIN_SCORE) -> Card | None:
    """The card whose title and actions share the most (rare) words with ``question``; None if none is close.

    Title words count double: a card's heading says what it is for. A card must share at least two of the
    question's words (one for a one-word question), so a single stray word never picks a card.
    """
    query = set(tokens(question or ""))
    if not query or not cards:
        return None
    bags = [Counter(tokens(card.title) * 2 + tokens(" ".join(card.actions))) for card in cards]
    df = Counter(word for bag in bags for word in set(bag))
    best, best_score = None, 0.0
    for card, bag in zip(cards, bags):
        if sum(1 for w in query if w in bag) < min(2, len(query)):
            continue
        total = sum(bag.values()) or 1
        score = sum(math.log(1 + len(cards) / df[w]) * (1 + math.log(1 + bag[w])) for w in query if w in bag)
        score /= math.sqrt(math.log(2 + total))
        if score > best_score:
            best, best_score = card, score
    return best if best_score >= min_score else None
