"""The languages the kit translates between, and offline language identification with lingua."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from kit.translate.errors import UnknownLanguageError


@dataclass(frozen=True)
class Language:
    """One supported language: its code, English name, lingua name and writing direction."""

    code: str
    name: str
    lingua: str
    rtl: bool = False
    # Roughly how many tokens a text takes in this language per token of the same text in English
    # (measured on the Llama/SmolLM tokenizers); sizes the answer budget for each segment.
    token_factor: float = 1.6


_LANGUAGES = (
    Language("en", "English", "ENGLISH", token_factor=1.0),
    Language("cy", "Welsh", "WELSH", token_factor=1.6),
    Language("fr", "French", "FRENCH", token_factor=1.6),
    Language("pl", "Polish", "POLISH", token_factor=1.9),
    Language("ur", "Urdu", "URDU", rtl=True, token_factor=3.0),
    Language("ar", "Arabic", "ARABIC", rtl=True, token_factor=3.0),
    Language("ro", "Romanian", "ROMANIAN", token_factor=1.8),
    Language("pt", "Portuguese", "PORTUGUESE", token_factor=1.6),
    Language("es", "Spanish", "SPANISH", token_factor=1.5),
    Language("pa", "Punjabi", "PUNJABI", token_factor=4.0),
    Language("bn", "Bengali", "BENGALI", token_factor=4.0),
    Language("so", "Somali", "SOMALI", token_factor=2.0),
)
LANGUAGES: dict[str, Language] = {lang.code: lang for lang in _LANGUAGES}


def languages() -> dict[str, str]:
    """Supported language codes and their English names, e.g. ``{"cy": "Welsh", ...}``."""
    return {code: lang.name for code, lang in LANGUAGES.items()}


def get_language(code: str) -> Language:
    """The :class:`Language` for ``code``; an unknown code raises an error listing the valid ones."""
    key = code.strip().lower() if isinstance(code, str) else code
    if key not in LANGUAGES:
        valid = ", ".join(f"{c} ({lang.name})" for c, lang in LANGUAGES.items())
        raise UnknownLanguageError(f"Unknown language code {code!r}. Supported codes: {valid}.")
    return LANGUAGES[key]


@lru_cache(maxsize=1)
def _detector():
    # Building a detector takes a few seconds, so it is built once, on first use, for our languages only.
    from lingua import Language as LinguaLanguage
    from lingua import LanguageDetectorBuilder

    wanted = [getattr(LinguaLanguage, lang.lingua) for lang in LANGUAGES.values()]
    return LanguageDetectorBuilder.from_languages(*wanted).build()


@lru_cache(maxsize=1)
def _codes_by_lingua() -> dict[str, str]:
    return {lang.lingua: code for code, lang in LANGUAGES.items()}


def detect_language(text: str) -> str | None:
    """The code of the supported language ``text`` is most likely in, or None when lingua cannot tell."""
    if not text or not any(ch.isalpha() for ch in text):
        return None
    found = _detector().detect_language_of(text)
    return _codes_by_lingua().get(found.name) if found is not None else None
