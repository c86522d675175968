"""Checks on what is handed to extraction: empty text, size, language, instructions aimed at the model, addresses."""

from __future__ import annotations

import re

from kit.errors import InputError
from kit.injection import instruction_signals
from kit.model import ChatModel
from kit.planning.extraction import parsers

MAX_MODEL_TOKENS = 1500  # a planning description is a sentence or two; longer text is a document, not a description

_ENGLISH = set("""the of and to a an for with in on at from by or as is be this that existing new proposed
erection extension extensions alterations alteration dwelling dwellings house garage installation construction
change use conversion demolition replacement windows doors rear front side single two storey storeys
application approval principle reserved matters registered building consent lawful signage sign works
including associated land field site road""".split())


class PlanningInputError(InputError):
    """A description or address that extraction cannot use as given."""


def check_description(description) -> str:
    """The description as text; an empty or non-text one is a clear error."""
    if description is None or (isinstance(description, float) and description != description):
        raise PlanningInputError("The description is missing (None/NaN). Give the proposal text of the application.")
    if not isinstance(description, str):
        raise PlanningInputError(f"The description must be text (str), not {type(description).__name__}.")
    if not description.strip():
        raise PlanningInputError("The description is empty. Give the proposal text of the application "
                                 "(e.g. 'Erection of a detached dwelling').")
    return description


def looks_english(text: str) -> bool:
    """False when a text of several words holds none of the common English (planning) words."""
    words = re.findall(r"[^\W\d_]+", text.lower())
    if len(words) < 4:
        return True
    return sum(word in _ENGLISH for word in words) / len(words) >= 0.12


def notes(description: str, address: str | None) -> list[str]:
    """Human-readable flags about the input itself (language, instructions, missing or doubled addresses)."""
    flags = []
    if not looks_english(description):
        flags.append("language: the description does not look like English; the parsers read English wording "
                     "only, so check every field by hand (or translate it first with kit.translate)")
    injected = instruction_signals(description)
    if injected:
        flags.append(f"instructions: the description holds text addressed to a reader or model "
                     f"('{injected[0]}'); it was treated as data and changes nothing")
    if address is None or not str(address).strip():
        flags.append("address: no address given; postcode and settlement were looked for in the description")
    else:
        codes = parsers.find_postcodes(address)
        if len(set(codes)) > 1:
            named = ", ".join(dict.fromkeys(codes))
            flags.append(f"address: it names {len(set(codes))} postcodes ({named}), so it may hold two sites; "
                         "kept the first, check which site the application is for")
        elif len(re.findall(r"isle of man", address, re.IGNORECASE)) > 1:
            flags.append("address: 'Isle of Man' appears twice, so it may hold two addresses; check the site")
    return flags


def too_long(model: ChatModel | None, description: str) -> int | None:
    """The description's size in tokens when it is over MAX_MODEL_TOKENS for the model, else None."""
    if model is None:
        return None
    if len(description) < MAX_MODEL_TOKENS:  # fewer characters than the limit cannot be more tokens
        return None
    tokens = model.count_tokens(description)
    return tokens if tokens > MAX_MODEL_TOKENS else None
