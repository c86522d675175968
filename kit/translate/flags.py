"""What each check's flag means, in words a reviewer understands: a short label and an explanation.

A flag is a code with an optional detail after a colon (``protected_missing:BC-7781``). The table below is
data: edit the wording here and the app, the review summary and the notebook all use it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from kit.translate.languages import LANGUAGES

# code -> (label, explanation). {detail} is the part after the colon, {kind} what sort of token it is,
# {language} the language the detail names, {target}/{source} the languages of the translation.
FLAGS: dict[str, tuple[str, str]] = {
    "not_translated": (
        "not translated",
        "There is no usable translation of this segment, so the original is kept in the document. {reason}",
    ),
    "protected_missing": (
        "missing {detail}",
        "The {kind} {detail} from the original is not in the translation: it was dropped or changed.",
    ),
    "glossary_missing": (
        "glossary: {detail}",
        "The glossary says how “{detail}” must be translated, and that translation is not used here.",
    ),
    "length_ratio": (
        "odd length",
        "The translation is much shorter or longer than the original, so part of it may be missing or added.",
    ),
    "low_backtranslation": (
        "meaning may differ",
        "Translated back into {source}, it reads quite differently from the original.",
    ),
    "backtranslation_failed": (
        "not checked",
        "Translating it back to check the meaning failed ({error}), so read this translation with extra care.",
    ),
    "formatting_simplified": (
        "formatting simplified",
        "The original has bold, italic, links or other formatting inside this text that could not be kept in "
        "place, so the translation is in one plain style here. Add the formatting back by hand if it matters.",
    ),
    # Older results (before segments had a status) carried these; kept so they still read well.
    "wrong_language": ("looks like {language}", "The translation seems to be in {language}, not {target}."),
    "untranslated": ("not translated", "The translation is empty or the same as the original."),
}

# Why a segment has no usable translation: reason -> explanation ({language}: the language found).
REASONS: dict[str, str] = {
    "empty": "The model gave no answer.",
    "echo": "The model's answer repeated the original instead of translating it.",
    "wrong_language": "The model's answer was in {language}, not {target}.",
    "model_error": "The model could not be run for it ({error}).",
    "stopped": "The translation was stopped before this segment was reached.",
}

# How a protected token's kind reads in an explanation.
TOKEN_KINDS: dict[str, str] = {
    "url": "web address", "email": "email address", "money": "amount", "date": "date", "time": "time",
    "postcode": "postcode", "phone": "phone number", "reference": "reference", "percentage": "percentage",
    "number": "number", "extra": "protected term", "code": "code",
}


@dataclass(frozen=True)
class FlagText:
    """A flag as a person reads it."""

    code: str
    label: str
    explanation: str


def _name(code: str | None, names: Mapping[str, str] | None) -> str:
    if not code:
        return "another language"
    if names and code in names:
        return names[code]
    return LANGUAGES[code].name if code in LANGUAGES else code


def _token_kind(token: str) -> str:
    from kit.translate.protect import find_protected

    found = find_protected(token, markdown=token.startswith("`"))
    kind = found[0].kind if len(found) == 1 and found[0].text == token else "extra"
    return TOKEN_KINDS.get(kind, "text")


def reason_text(reason: str | None, *, language: str | None = None, target: str | None = None,
                error: str | None = None, names: Mapping[str, str] | None = None) -> str:
    """Why a segment was not translated, as a sentence."""
    template = REASONS.get(reason or "", "The model's answer could not be used.")
    return template.format(language=_name(language, names), target=_name(target, names),
                           error=error or "no details")


def describe(flag: str, *, source: str | None = None, target: str | None = None, language: str | None = None,
             error: str | None = None, names: Mapping[str, str] | None = None) -> FlagText:
    """The label and explanation of one flag (an unknown code reads as its words, with no explanation).

    Args:
        source, target: the translation's language codes, named in some explanations.
        language, error: for ``not_translated``, the language the answer was in and the model's error.
    """
    code, _, detail = str(flag).partition(":")
    if code not in FLAGS:
        return FlagText(code, str(flag).replace("_", " "), "")
    label, explanation = FLAGS[code]
    values = {
        "detail": detail, "language": _name(detail, names), "source": _name(source, names),
        "target": _name(target, names),
        "reason": reason_text(detail, language=language, target=target, error=error, names=names)
        if code == "not_translated" else "",
        "kind": _token_kind(detail) if code == "protected_missing" and detail else "text",
        "error": error or "no details",
    }
    return FlagText(code, label.format(**values), explanation.format(**values).strip())


def explain(segment, *, source: str | None = None, target: str | None = None,
            names: Mapping[str, str] | None = None) -> list[FlagText]:
    """Every flag of a :class:`~kit.translate.result.SegmentResult`, described."""
    return [describe(flag, source=source, target=target, language=segment.detected_language,
                     error=getattr(segment, "error", None), names=names) for flag in segment.flags]
