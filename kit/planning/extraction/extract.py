"""Extract a checked :class:`PlanningRecord` from a planning description: parsers, the model, or both.

``hybrid`` (the default) trusts the deterministic parsers where they find something and asks the model,
grammar-constrained, for the rest; when they disagree the parser's value is kept and the field flagged.
Every value carries evidence: a span of the description or address that meets kit.grounding's evidence rules
(whole words, a content word, and for a count, a type or retrospective, the words that state it: ``evidence``).
"""

from __future__ import annotations

from typing import Any

from kit import grounding
from kit.errors import KitError
from kit.grounding import check_evidence, is_verbatim
from kit.model import ChatModel
from kit.planning.extraction import evidence, inputs, parsers, places, rules
from kit.planning.extraction.modelfields import ModelFields, prompt
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


def _apply_model(draft: _Draft, answer: ModelFields, found: dict[str, parsers.Found] | None) -> None:
    """Model values for the fields the parsers left empty; disagreements with a parser are flagged."""
    said = {"application_type": answer.application_type, "dwellings": answer.dwellings, "storeys": answer.storeys,
            "retrospective": answer.retrospective, "settlement": answer.settlement or None,
            "works": sorted({w.kind for w in answer.works})}
    for field, value in said.items():
        parsed = draft.values.get(field) if draft.method[field] == "parser" else None
        if parsed is not None and parsed != [] and not (field == "application_type" and found
                                                         and found[field].note):
            if field == "works" and set(value) - set(parsed):
                draft.flags.append(f"works: the model also said {sorted(set(value) - set(parsed))} but the parsers "
                                   f"found {parsed} in the text; kept the parsers' list")
            elif field != "works" and value != parsed and value is not None:
                shown = draft.evidence[field][0].text if draft.evidence.get(field) else parsed
                draft.flags.append(f"{field}: the model said {value!r} but the text says {shown!r}; kept {parsed!r}")
            continue
        if field == "retrospective":
            if value and not draft.quote(field, True, answer.retrospective_quote, evidence.states_retrospective):
                draft.flags.append("retrospective: the model said yes but gave no words of the text that say so; "
                                   "kept no")
            draft.values.setdefault("retrospective", False)
            continue
        if value is None or value == []:
            continue
        if field == "dwellings":
            draft.quote(field, value, answer.dwellings_quote, evidence.states_dwellings(value))
        elif field == "storeys":
            draft.quote(field, value, answer.storeys_quote, evidence.states_storeys(value))
        elif field == "application_type":
            if not draft.quote(field, value, answer.type_quote, evidence.states_type(value)) and found:
                _apply_parsers(draft, found, ["application_type"])
        elif field == "settlement":
            draft.quote(field, value, value)
        elif field == "works":
            kept, spans = [], []
            for work in answer.works:
                if work.kind not in kept and draft.quote("works", [work.kind], work.quote):
                    kept.append(work.kind)
                    spans.extend(draft.evidence["works"])
            if kept:
                draft.values["works"], draft.evidence["works"] = kept, spans


def _ask(model: ChatModel, description: str, address: str | None, draft: _Draft, strict: bool) -> ModelFields | None:
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
        return model.json(prompt(description, address), ModelFields, max_tokens=320)
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
        answer = _ask(model, description, address, draft, strict=method == "model")
        if answer is not None:
            _apply_model(draft, answer, found)
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
