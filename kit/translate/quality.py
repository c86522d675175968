"""Quality signals for one translated segment, all offline and without a second model.

First :func:`unusable` decides whether the model's answer is a translation at all (not empty, not the
source echoed, in the target language); a segment without one keeps its original text. Then
:func:`assess` checks a real translation; each check adds a flag, and a segment with any flag needs
review. The thresholds are module constants and can be overridden per call through :class:`Thresholds`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kit.translate.languages import detect_language
from kit.translate.protect import PLACEHOLDER_RE, find_protected

MIN_LENGTH_RATIO = 0.5   # translation chars / source chars; the dataset's references span 0.7-1.7
MAX_LENGTH_RATIO = 2.0
MIN_LENGTH_FOR_RATIO = 10  # shorter sources ("Yes", "Band D") vary too much to judge
MIN_LETTERS_FOR_LANGUAGE = 15  # lingua is unreliable on fewer letters than this
MIN_BACKTRANSLATION_CHRF = 30.0  # chrF (0-100) of the back-translation against the source
MAX_ECHO_CHRF = 75.0  # a "translation" this close to the source is the source left untranslated
MIN_WORDS_FOR_ECHO = 2


@dataclass(frozen=True)
class Thresholds:
    """The limits the quality checks use; the defaults are the module constants."""

    min_length_ratio: float = MIN_LENGTH_RATIO
    max_length_ratio: float = MAX_LENGTH_RATIO
    min_backtranslation_chrf: float = MIN_BACKTRANSLATION_CHRF
    max_echo_chrf: float = MAX_ECHO_CHRF


def chrf(hypothesis: str, reference: str) -> float:
    """Sentence-level chrF (0-100) of ``hypothesis`` against ``reference`` (sacrebleu)."""
    from sacrebleu.metrics import CHRF

    return float(CHRF().sentence_score(hypothesis, [reference]).score)


def without_tokens(text: str) -> str:
    """Text with placeholders and protected tokens taken out: what is left is the words to translate."""
    text = PLACEHOLDER_RE.sub(" ", text)
    pieces, last = [], 0
    for token in find_protected(text):
        pieces.append(text[last:token.start])
        last = token.end
    pieces.append(text[last:])
    return re.sub(r"\s+", " ", " ".join(pieces)).strip()


def _letters(text: str) -> int:
    return sum(ch.isalpha() for ch in text)


def length_ratio(source: str, translation: str) -> float:
    """Characters in the translation per character of the source."""
    return len(translation) / max(1, len(source))


def is_echo(source: str, translation: str, thresholds: Thresholds = Thresholds(),
            unchanged: tuple[str, ...] = ()) -> bool:
    """Whether the translation is (almost) the source text left as it was.

    ``unchanged`` are terms that rightly stay the same (a glossary entry translated as itself).
    """
    src, out = without_tokens(source), without_tokens(translation)
    for term in unchanged:
        pattern = re.compile(re.escape(term), re.I)
        src, out = pattern.sub(" ", src), pattern.sub(" ", out)
    if len(re.findall(r"[^\W\d_]{2,}", src)) < MIN_WORDS_FOR_ECHO:
        return False
    if src.casefold() == out.casefold():
        return True
    return chrf(out, src) >= thresholds.max_echo_chrf


def _strip_terms(text: str, unchanged: tuple[str, ...]) -> str:
    for term in unchanged:
        text = re.sub(re.escape(term), " ", text, flags=re.I)
    return text


def unusable(source: str, answer: str, *, target: str, unchanged: tuple[str, ...] = (),
             thresholds: Thresholds = Thresholds()) -> tuple[str | None, str | None]:
    """Why the answer is not a translation (``empty``, ``echo``, ``wrong_language``; None: it is one),
    and the language its words are in (None when too short to tell)."""
    words = without_tokens(answer)
    if not any(ch.isalpha() for ch in words) and any(ch.isalpha() for ch in without_tokens(source)):
        return "empty", None
    plain = _strip_terms(words, unchanged)
    detected = detect_language(plain) if _letters(plain) >= MIN_LETTERS_FOR_LANGUAGE else None
    if is_echo(source, answer, thresholds, unchanged):
        return "echo", detected
    if detected is not None and detected != target:
        return "wrong_language", detected
    return None, detected


def assess(source: str, translation: str, *, missing_protected: list[str], missing_terms: list[str],
           back_chrf: float | None, formatting_kept: bool = True,
           thresholds: Thresholds = Thresholds()) -> tuple[tuple[str, ...], float]:
    """The flags for a real translation of one segment, and its length ratio."""
    flags = [f"protected_missing:{token}" for token in missing_protected]
    flags += [f"glossary_missing:{term}" for term in missing_terms]
    if not formatting_kept:
        flags.append("formatting_simplified")
    ratio = length_ratio(source, translation)
    if len(source) >= MIN_LENGTH_FOR_RATIO and not thresholds.min_length_ratio <= ratio <= thresholds.max_length_ratio:
        flags.append("length_ratio")
    if back_chrf is not None and back_chrf < thresholds.min_backtranslation_chrf:
        flags.append("low_backtranslation")
    return tuple(flags), round(ratio, 3)
