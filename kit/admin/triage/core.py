"""Correspondence triage: an email or letter -> category, urgency, team and a reply draft, with safeguarding rules.

The model fills a grammar-constrained schema (the category, urgency and team can only be one of the listed
values). Rules run around it and are never left to the model: the safeguarding check (``safeguarding``) sets
urgency to "urgent" whenever it finds a risk phrase; the language is detected offline (lingua); wording that
tries to instruct the assistant (``kit.injection``) is flagged and treated as text; a draft holding an address,
link or phone number is flagged for checking. ``sources`` says, per field, whether the model or a rule decided it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, Field

from kit import prompts
from kit.admin.triage import safeguarding
from kit.errors import InputError, KitError
from kit.injection import instruction_signals

CATEGORIES = {
    "council_tax": "council tax bills, discounts, arrears",
    "benefits": "housing benefit, council tax support, hardship funds",
    "housing_repairs": "repairs, damp and mould, council tenancy problems",
    "homelessness": "losing a home, eviction, temporary accommodation",
    "waste": "bins, missed collections, fly-tipping, recycling",
    "parking_roads": "parking permits and fines, potholes, street lights",
    "social_care": "care and support for adults or children, carers",
    "complaint": "a complaint about the council's service or staff",
    "general_enquiry": "anything else",
}
URGENCIES = ("low", "normal", "high", "urgent")
TEAMS = ("Revenues and Benefits", "Housing", "Environmental Services", "Highways and Parking",
         "Adult Social Care", "Children's Services", "Customer Services")
REPLY_TOKENS = 330
MIN_DRAFT_WORDS = 8  # a shorter draft (the tiny model's "Complaint") is flagged, not offered
_CONTACT = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+|https?://\S+|www\.\S+|\b0\d{3}\s?\d{3}\s?\d{4}\b")


class TriageReading(BaseModel):
    """The model's reading of one email (every field constrained by the grammar)."""

    category: Literal[tuple(CATEGORIES)]  # type: ignore[valid-type]
    urgency: Literal[URGENCIES]  # type: ignore[valid-type]
    team: Literal[TEAMS]  # type: ignore[valid-type]
    reply: str = Field(min_length=40, max_length=900)


@dataclass(frozen=True)
class Triage:
    """One email triaged: the fields, the draft, the safeguarding result, and who decided what."""

    id: str
    category: str | None
    urgency: str | None
    team: str | None
    draft: str
    safeguarding: safeguarding.SafeguardingCheck
    language: str | None
    flags: tuple[str, ...] = ()
    sources: dict = field(default_factory=dict, compare=False, hash=False)
    model_urgency: str | None = None  # what the model said, before any rule raised it

    @property
    def flagged(self) -> bool:
        """Whether the safeguarding rule fired."""
        return self.safeguarding.flagged

    def as_record(self) -> dict[str, Any]:
        """A flat dict (for tables and the batch store)."""
        return {"id": self.id, "category": self.category, "urgency": self.urgency, "team": self.team,
                "draft": self.draft, "safeguarding": self.flagged,
                "safeguarding_words": [m.text for m in self.safeguarding.matches if not m.negated],
                "safeguarding_categories": list(self.safeguarding.categories), "language": self.language,
                "flags": list(self.flags), "sources": dict(self.sources), "model_urgency": self.model_urgency}

    def _repr_html_(self) -> str:
        """A notebook shows the email's triage as the app does: safeguarding, each field and who decided it, the draft."""
        from kit.admin.triage.view import page

        return page(self)


def system_prompt() -> str:
    """The instructions, listing the categories and teams."""
    listing = "\n".join(f'  "{name}": {about}' for name, about in CATEGORIES.items())
    return prompts.load("admin_triage_system").format(categories=listing, teams=", ".join(f'"{t}"' for t in TEAMS))


def user_prompt(text: str) -> str:
    """The email inside ``<email>`` tags (as data, after the instructions); a closing tag in it is defused."""
    body = re.sub(r"</\s*email\s*>", "</ email>", text.strip(), flags=re.I)
    return prompts.load("admin_triage_user").strip().format(text=body)


def copies_email(draft: str, email_text: str, min_words: int = 6) -> bool:
    """Whether a sentence of the draft (``min_words`` words or more) occurs word for word in the email."""
    from kit.grounding import locate

    sentences = re.split(r"(?<=[.!?])\s+", draft)
    return any(len(s.split()) >= min_words and locate(s.strip(), email_text, ignore_case=True) for s in sentences)


def _language(text: str) -> str | None:
    try:
        from kit.translate.languages import detect_language
    except ImportError:  # lingua missing: the check is skipped, and says so in the flags
        return None
    return detect_language(text)


def triage(model: Any, text: str, *, item_id: str | None = None) -> Triage:
    """Triage one email or letter (``model=None``: the rules only, no category, team or draft).

    Raises:
        InputError: the text is empty or not text. A model answer that cannot be used is not raised: the
            result has no category and a flag saying a person must triage it.
    """
    if not isinstance(text, str):
        raise InputError(f"An email must be text (str), not {type(text).__name__}.")
    if not text.strip():
        raise InputError("The email is empty. Paste the email or letter's text, or upload a .txt or .eml file.")
    check = safeguarding.check(text)
    language = _language(text)
    flags: list[str] = []
    sources: dict[str, str] = {}
    if language and language != "en":
        from kit.translate.languages import languages

        name = languages().get(language, language)
        flags.append(f"Written in {name}: the draft is in English; translate the reply (the translation tool) "
                     "and check the reading with a speaker of the language.")
    signals = instruction_signals(text)
    if signals:
        flags.append("The email contains instructions aimed at the assistant (" + "; ".join(f"\u201c{s}\u201d"
                     for s in signals[:3]) + "). They were treated as part of the letter and not followed.")
    reading: dict[str, Any] = {"category": None, "urgency": None, "team": None, "reply": ""}
    if model is not None:
        try:
            answer = model.json(user_prompt(text), TriageReading, system=system_prompt(), max_tokens=REPLY_TOKENS,
                                repeat_penalty=1.1)
            reading = answer.model_dump()
            sources = {"category": "model", "urgency": "model", "team": "model", "draft": "model"}
        except KitError as exc:
            flags.append(f"The model's answer could not be used ({str(exc).splitlines()[0]}); a person must "
                         "triage this item.")
    model_urgency = reading["urgency"]
    urgency = model_urgency
    if check.flagged:
        urgency = "urgent"
        sources["urgency"] = "rule: safeguarding"
        flags.insert(0, check.reason())
    draft = (reading["reply"] or "").strip()
    if model is not None and len(draft.split()) < MIN_DRAFT_WORDS:
        flags.append(f"The draft is {len(draft.split())} word(s) long: too short to send; write the reply yourself.")
    if draft and copies_email(draft, text):
        flags.append("The draft copies sentences from the email itself rather than answering it; rewrite it.")
    if draft and _CONTACT.search(draft):
        flags.append("The draft holds an email address, link or phone number: check it is right before sending.")
    return Triage(str(item_id) if item_id is not None else "", reading["category"], urgency, reading["team"], draft,
                  check, language, tuple(flags), sources, model_urgency)
