"""The passes over a document's segments: translate each one, decide if the answer is usable, check it.

A segment's protected tokens and formatting marks are swapped for placeholders, the segment is
translated with the shared-prefix prompt, the tokens are put back, and the glossary is checked (one
retry with a stronger instruction). An answer that is empty, the source echoed, in the wrong language
or lost to a model error is no translation: the segment keeps its original text, with that status.
Real translations are then, when asked, translated back to score them with chrF, and checked.
"""

from __future__ import annotations

import inspect
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from kit.errors import KitError
from kit.translate import prompting, quality
from kit.translate.glossary import Glossary, Term
from kit.translate.inline import strip_switches
from kit.translate.languages import Language
from kit.translate.protect import Masked, has_words, missing_tokens, protect, restore_checked
from kit.translate.result import NOT_TRANSLATED, STOPPED, TRANSLATED, UNCHANGED, SegmentResult
from kit.translate.segments import Piece, Unit

ANSWER_MARGIN = 1.5  # answer budget = expected translation tokens x this + ANSWER_EXTRA
ANSWER_EXTRA = 16
Progress = Callable[..., None]


@dataclass(frozen=True)
class Stage:
    """Where a translation is: which pass (``translate``, then ``back_translate``) and how far into it."""

    name: str
    done: int  # segments finished in this pass
    total: int  # segments in this pass
    number: int  # 1 or 2
    passes: int  # 1, or 2 with back-translation


def _takes_stage(progress: Progress) -> bool:
    try:
        parameters = inspect.signature(progress).parameters.values()
    except (TypeError, ValueError):
        return False
    return any(p.name == "stage" or p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters)


@dataclass
class Job:
    """What every segment of one document shares, and the progress count."""

    model: Any
    source: Language
    target: Language
    glossary: Glossary
    terms: tuple[Term, ...]
    protected: tuple[str, ...]
    gen: dict[str, Any]
    thresholds: quality.Thresholds
    progress: Progress | None
    markdown: bool = False
    segments: int = 0
    passes: int = 1
    cancel: Callable[[], bool] | None = None  # true once the caller asks to stop: no more model calls
    done: int = 0
    stage_done: dict[str, int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self._staged = self.progress is not None and _takes_stage(self.progress)

    def step(self, stage: str) -> None:
        """Count one finished segment in pass ``stage`` and tell the caller (overall, and the pass if it asks)."""
        with self.lock:
            self.done += 1
            self.stage_done[stage] = self.stage_done.get(stage, 0) + 1
            done, in_stage = self.done, self.stage_done[stage]
        if self.progress is None:
            return
        total = self.segments * self.passes
        if self._staged:
            number = 1 if stage == "translate" else 2
            self.progress(done, total, stage=Stage(stage, in_stage, self.segments, number, self.passes))
        else:
            self.progress(done, total)


@dataclass(frozen=True)
class Segment:
    """One segment to translate: its place, the text and the text the model sees."""

    index: int
    kind: str
    piece: Piece
    masked: Masked
    simplified: bool = False  # its unit's inline formatting cannot be kept (a .docx paragraph with hyperlinks)


@dataclass(frozen=True)
class Answer:
    """The model's answer for a segment, tokens put back; ``text`` None when there was nothing to translate."""

    text: str | None
    formatting_kept: bool = True
    error: str | None = None
    stopped: bool = False  # the translation was stopped before this segment


def make_segment(index: int, unit: Unit, piece: Piece, protected: Sequence[str], markdown: bool) -> Segment:
    """A segment of ``unit`` with its tokens (and formatting marks) swapped for placeholders."""
    return Segment(index, unit.kind, piece, protect(piece.text, protected, markdown), unit.simplified)


def _answer_budget(job: Job, masked: str, source: Language, target: Language) -> int:
    expected = job.model.count_tokens(masked) * target.token_factor / source.token_factor
    return int(expected * ANSWER_MARGIN) + ANSWER_EXTRA


def _ask(job: Job, masked: Masked, source: Language, target: Language, terms: Sequence[Term] = (),
         required: Sequence[Term] = ()) -> tuple[str, bool]:
    """One model call: the segment translated and cleaned, tokens back; and whether formatting was kept."""
    messages = prompting.messages(masked.text, source, target, terms, required)
    gen = {"max_tokens": _answer_budget(job, masked.text, source, target), **job.gen}
    raw = job.model.chat(messages, stop=list(prompting.STOP), **gen)
    return restore_checked(prompting.clean_output(raw, masked.text, target), masked)


def _error_text(exc: Exception) -> str:
    return str(exc) if isinstance(exc, KitError) else f"{type(exc).__name__}: {exc}"


def forward(job: Job, segment: Segment) -> Answer:
    """The segment's translation, retried once for missing glossary terms; a model error is recorded, not raised."""
    try:
        if not has_words(segment.masked.text):
            return Answer(None)
        if job.cancel is not None and job.cancel():
            return Answer("", stopped=True)
        out, kept = _ask(job, segment.masked, job.source, job.target, job.terms)
        missing = job.glossary.missing(segment.piece.text, out)
        if missing:
            again, kept_again = _ask(job, segment.masked, job.source, job.target, job.terms, required=missing)
            if len(job.glossary.missing(segment.piece.text, again)) < len(missing):
                out, kept = again, kept_again
        return Answer(out, kept)
    except Exception as exc:  # one failed call costs one segment, never the whole document
        return Answer("", error=_error_text(exc))
    finally:
        job.step("translate")


def verdict(job: Job, segment: Segment, answer: Answer, unchanged: tuple[str, ...]) -> tuple[str, str | None,
                                                                                              str | None]:
    """(status, reason, detected language) of a segment's answer."""
    if answer.text is None:
        return UNCHANGED, None, None
    if answer.stopped:
        return NOT_TRANSLATED, STOPPED, None
    if answer.error is not None:
        return NOT_TRANSLATED, "model_error", None
    # Content kept exactly (code spans, names asked for) says nothing about whether the rest was translated.
    kept = tuple(token for token in segment.masked.content if not token.isdigit())
    reason, detected = quality.unusable(strip_switches(segment.piece.text), strip_switches(answer.text),
                                        target=job.target.code, unchanged=unchanged + kept,
                                        thresholds=job.thresholds)
    return (NOT_TRANSLATED if reason else TRANSLATED), reason, detected


def back(job: Job, answer: Answer, status: str) -> tuple[str | None, str | None]:
    """A real translation translated back into the source language, and the error if that call failed
    (nothing for the others: an answer that is no translation is not checked)."""
    try:
        if status != TRANSLATED or not answer.text:
            return None, None
        if job.cancel is not None and job.cancel():
            return None, "stopped before this check"
        masked = protect(strip_switches(answer.text), job.protected, job.markdown)
        back_text, _ = _ask(job, masked, job.target, job.source)
        return back_text, None
    except Exception as exc:  # the check is lost (and flagged), not the translation
        return None, _error_text(exc)
    finally:
        job.step("back_translate")


def document_text(segment: Segment, answer: Answer, status: str) -> str:
    """What the document holds for the segment: the translation (with .docx format switches), else the original."""
    return answer.text if status == TRANSLATED and answer.text else segment.piece.text


def result(job: Job, segment: Segment, answer: Answer, status: str, reason: str | None, detected: str | None,
           checked: tuple[str | None, str | None] = (None, None)) -> SegmentResult:
    """The segment's result: the text the document holds for it (as a reader sees it), and flags about that text."""
    source = strip_switches(segment.piece.text)
    unit = segment.piece.unit
    if status == UNCHANGED:  # nothing but numbers, codes or punctuation: kept exactly as it was
        return SegmentResult(segment.index, segment.kind, source, source, (), None, None, 1.0, False, None, unit,
                             UNCHANGED)
    if status == NOT_TRANSLATED:
        output = strip_switches(answer.text or "") or None
        return SegmentResult(segment.index, segment.kind, source, source, (f"{NOT_TRANSLATED}:{reason}",), detected,
                             None, 1.0, True, None, unit, NOT_TRANSLATED, reason, output, answer.error)
    out = answer.text or ""
    shown = strip_switches(out)
    back_text, back_error = checked
    back_chrf = round(quality.chrf(back_text, source), 2) if back_text is not None else None
    flags, ratio = quality.assess(
        source, shown, missing_protected=missing_tokens(out, segment.masked.content),
        missing_terms=[term.source for term in job.glossary.missing(source, shown)], back_chrf=back_chrf,
        formatting_kept=answer.formatting_kept and not segment.simplified, thresholds=job.thresholds,
    )
    if back_error is not None:
        flags += ("backtranslation_failed",)
    return SegmentResult(segment.index, segment.kind, source, shown, flags, detected, back_chrf, ratio, bool(flags),
                         back_text, unit, TRANSLATED, error=back_error)
