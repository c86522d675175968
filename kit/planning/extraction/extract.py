"""Extract a checked :class:`PlanningRecord` from a planning description: parsers, the model, or both.

``hybrid`` (the default) trusts the deterministic parsers and asks the model, grammar-constrained, only for the
fields they left open (a schema per set of fields, ``modelfields.schema_for``); when they decided every field the
model is not called. ``model`` asks the model for every field and runs no parser.
Every value carries evidence: a span of the description or address that meets kit.grounding's evidence rules
(whole words, a content word, and for a count, a type or retrospective, the words that state it: ``evidence``).
"""

from __future__ import annotations

from typing import Any

from kit import grounding
from kit.errors import KitError
from kit.grounding import check_evidence, is_verbatim
from kit.model import ChatModel
from kit.planning.extraction import evidence, inputs, modelfields, parsers, places, rules
from kit.planning.record import FIELDS, Evidence, PlanningRecord

METHODS = ("hybrid", "parsers", "model")
_REASONS = (grounding.NOT_IN_SOURCE, grounding.CUTS_A_WORD, grounding.NO_CONTENT_WORD, grounding.NOT_THE_VALUE)
_WHY = {grounding.NOT_IN_SOURCE: "is not in the text", grounding.CUTS_A_WORD: "cuts a word of the text",
        grounding.NO_CONTENT_WORD: "holds no content word", grounding.NOT_THE_VALUE: "does not state that value"}


class _Draft:
    """Values, evidence, methods and flags gathered before the record is built."""

    def __init__(self, description: str, address: str | None):
        self.texts = {"description": description, "address": address or ""}
        self.values: dict[str, Any] = {}
        self.evidence: dict[str, list[Evidence]] = {}
        self.method: dict[str, str] = {name: "none" for name in FIELDS}
        self.flags: list[str] = []

    def set(self, field: str, value: Any, spans, source: str, method: str) -> None:
        """Keep ``value`` for ``field`` with its evidence: the spans of the ``source`` text."""
        text = self.texts[source]
        self.values[field] = value
        self.evidence[field] = [Evidence(field=field, text=text[s:e], start=s, end=e, source=source) for s, e in spans]
        self.method[field] = method

    def quote(self, field: str, value: Any, quote: str | None, states=None, method: str = "model") -> bool:
        """Keep a model value only when its quote is evidence (kit.grounding) in the description or address."""
        reasons = []
        for source in ("description", "address"):
            check = check_evidence(quote, self.texts[source], states=states, ignore_case=True)
            if check.ok:
                self.set(field, value, [(check.span.start, check.span.end)], source, method)
                return True
            reasons.append(check.reason)
        why = min(reasons, key=_REASONS.index)  # the rule it came closest to passing
        self.flags.append(f"{field}: the model said {value!r} quoting {quote!r}, which {_WHY[why]}; not kept")
        return False


def _parse(draft: _Draft, reference: str | None) -> dict[str, parsers.Found]:
    description, address = draft.texts["description"], draft.texts["address"]
    found = {
        "related_references": parsers.find_references(description, own=parsers.normalise_reference(reference or "")),
        "registered_building_number": parsers.find_registered_building(description),
        "retrospective": parsers.find_retrospective(description),
        "dwellings": parsers.find_dwellings(description),
        "storeys": parsers.find_storeys(description),
    }
    dwellings = found["dwellings"]
    found["works"] = rules.find_works(description, dwellings.created > 0, dwellings.spans)
    found["application_type"] = rules.find_type(description, found["works"].value)
    if dwellings.note:
        draft.flags.append(f"dwellings: {dwellings.note}")
    return found


def _place(draft: _Draft, field: str) -> None:
    """Postcode and settlement from the address, else from the description."""
    for source in ("address", "description"):
        text = draft.texts[source]
        if field == "postcode":
            value, span = parsers.find_postcode(text)
            spans = [span] if span else []
        else:
            hit = places.find_settlement(text)
            value, spans = hit.value, list(hit.spans)
        if value is not None:
            draft.set(field, value, spans, source, "parser")
            return


def _apply_parsers(draft: _Draft, found: dict[str, parsers.Found], fields) -> None:
    for field in fields:
        if field in ("postcode", "settlement"):
            _place(draft, field)
            continue
        hit = found[field]
        if field == "retrospective" or hit.spans:
            draft.set(field, hit.value, hit.spans, "description", "parser" if hit.spans else "none")


def _open(draft: _Draft, found: dict[str, parsers.Found]) -> set[str]:
    """What hybrid asks the model: the fields the parsers left open that a quote in the text could state.

    Never dwellings, storeys or retrospective: there the parsers' "none" is a decision, not a gap. On the labelled
    set every application where they found no homes, no storeys or no retrospective wording is labelled so (156,
    192 and 191 of 200); a model count kept there could only quote a number the parsers read as something else
    ("to serve 14 dwellings", "2 garages"), and a retrospective quote needs the very wording they looked for.
    """
    texts = draft.texts.values()
    asked = set()
    if found["application_type"].note and any(p.search(t) for p in evidence.TYPE_WORDING.values() for t in texts):
        asked.add("application_type")  # B by default; only another type's wording can change it
    if not draft.values.get("works"):
        asked.add("works")
    if draft.values.get("settlement") is None:
        asked.add("settlement")
    return asked


def _apply_model(draft: _Draft, answer, asked: set[str]) -> None:
    """Model values for the fields asked, each kept only with a quote that is evidence for it."""
    if "retrospective" in asked:
        if answer.retrospective and not draft.quote("retrospective", True, answer.retrospective_quote,
                                                    evidence.states_retrospective):
            draft.flags.append("retrospective: the model said yes but gave no words of the text that say so; "
                               "kept no")
        draft.values.setdefault("retrospective", False)
    if "application_type" in asked:
        code = answer.application_type
        draft.quote("application_type", code, answer.type_quote, evidence.states_type(code))
    for field, states in (("dwellings", evidence.states_dwellings), ("storeys", evidence.states_storeys)):
        value = getattr(answer, field) if field in asked else None
        if value is not None:
            draft.quote(field, value, getattr(answer, f"{field}_quote"), states(value))
    if "settlement" in asked and answer.settlement:
        draft.quote("settlement", answer.settlement, answer.settlement)
    if "works" in asked:
        kept, spans = [], []
        for work in answer.works:
            if work.kind not in kept and draft.quote("works", [work.kind], work.quote):
                kept.append(work.kind)
                spans.extend(draft.evidence["works"])
        if kept:
            draft.values["works"], draft.evidence["works"] = kept, spans


def _ask(model: ChatModel, description: str, address: str | None, draft: _Draft, asked: set[str], strict: bool):
    if not asked:
        return None  # the parsers decided every field: no model call at all
    size = inputs.too_long(model, description)
    if size is not None:
        message = (f"The description is {size} tokens (~{len(description):,} characters); the model reads at most "
                   f"{inputs.MAX_MODEL_TOKENS} tokens for one application. A planning description is a sentence or "
                   "two: pass the proposal text, or split the document with model.chunk() and extract each part.")
        if strict:
            raise inputs.PlanningInputError(message)
        draft.flags.append(f"size: {message} The model was not asked; every value here is from the parsers.")
        return None
    try:
        return model.json(modelfields.prompt(description, address, asked), modelfields.schema_for(frozenset(asked)),
                          system=modelfields.system(), max_tokens=320)
    except (KitError, ValueError) as exc:
        if strict:
            raise
        draft.flags.append(f"model: no usable answer ({str(exc).splitlines()[0]}); parser values kept")
        return None


def extract(model: ChatModel | None, description: str, address: str | None = None, *, reference: str | None = None,
            method: str = "hybrid") -> PlanningRecord:
    """Fields of one planning application with verbatim evidence; ``model`` may be None for ``method="parsers"``.

    Raises:
        PlanningInputError: an empty description, an unknown method, a missing model, or (method="model")
            a description too long for the model.
    """
    description = inputs.check_description(description)
    if method not in METHODS:
        raise inputs.PlanningInputError(f"Unknown method {method!r}; use one of {', '.join(METHODS)}.")
    if model is None and method != "parsers":
        raise inputs.PlanningInputError(f"method={method!r} needs a model: extract(model, ...), or use "
                                        "method='parsers' to run without one.")
    address = address if isinstance(address, str) and address.strip() else None
    draft = _Draft(description, address)
    draft.flags.extend(inputs.notes(description, address))
    found = _parse(draft, reference) if method != "model" else None  # method="model": no parser at all
    if found is not None:
        _apply_parsers(draft, found, FIELDS)
    if method in ("hybrid", "model"):
        asked = _open(draft, found) if found is not None else set(modelfields.ANSWER_FIELDS)
        answer = _ask(model, description, address, draft, asked, strict=method == "model")
        if answer is not None:
            _apply_model(draft, answer, asked)
    draft.values.setdefault("retrospective", False)
    _verify(draft)
    return PlanningRecord(reference=reference, description=description, address=address,
                          **{k: v for k, v in draft.values.items() if k in FIELDS},
                          evidence=draft.evidence, method=draft.method, flags=draft.flags)


def _verify(draft: _Draft) -> None:
    """Every evidence span must be the source's own text and verbatim by kit.grounding; else the value goes."""
    for field, spans in list(draft.evidence.items()):
        good = [e for e in spans if draft.texts[e.source][e.start:e.end] == e.text
                and is_verbatim(e.text, draft.texts[e.source])]
        if len(good) != len(spans) or (not good and draft.values.get(field) not in (None, False, [])):
            draft.flags.append(f"{field}: its evidence is not verbatim in the text; value dropped")
            draft.values.pop(field, None)
            draft.evidence.pop(field, None)
            draft.method[field] = "none"
