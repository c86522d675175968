"""Translate documents (text, Markdown, .docx) segment by segment, checking every segment.

Each segment's protected tokens are swapped for placeholders, the segment is translated with the
shared-prefix prompt, the tokens are put back and checked, the glossary is checked (one retry with
a stronger instruction), and, when asked, the translation is translated back to score it with chrF.
All forward translations run before the back-translations so consecutive prompts share a prefix.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kit import batch
from kit.errors import InputError
from kit.translate import prompting, quality
from kit.translate.docx_io import docx_plain_text, read_docx, write_docx
from kit.translate.errors import EmptyDocumentError, LanguageDetectionError, TranslationError, UnsupportedFormatError
from kit.translate.formats import check_not_empty, decode_text, format_for
from kit.translate.glossary import Glossary, Term, load_glossary
from kit.translate.languages import Language, detect_language, get_language
from kit.translate.protect import Masked, has_words, missing_tokens, protect, restore
from kit.translate.result import SegmentResult, Translation
from kit.translate.segments import Piece, Unit, join_pieces, parse_markdown, parse_text, split_unit

DEFAULT_SEGMENT_TOKENS = 160  # long enough for a paragraph's sentence or two, short enough for a tiny model
ANSWER_MARGIN = 1.5  # answer budget = expected translation tokens x this + ANSWER_EXTRA
ANSWER_EXTRA = 16
Progress = Callable[[int, int], None]
GlossaryLike = Glossary | str | Path | Mapping[str, str] | None


@dataclass
class _Job:
    """What every segment of one document shares."""

    model: Any
    source: Language
    target: Language
    glossary: Glossary
    terms: tuple[Term, ...]
    protected: tuple[str, ...]
    gen: dict[str, Any]
    thresholds: quality.Thresholds
    workers: int | None
    progress: Progress | None
    total: int = 0
    done: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def step(self) -> None:
        """Count one finished segment pass and tell the caller."""
        with self.lock:
            self.done += 1
            done = self.done
        if self.progress is not None:
            self.progress(done, self.total)


@dataclass(frozen=True)
class _Segment:
    index: int
    kind: str
    piece: Piece
    masked: Masked


def _answer_budget(job: _Job, masked: str, source: Language, target: Language) -> int:
    expected = job.model.count_tokens(masked) * target.token_factor / source.token_factor
    return int(expected * ANSWER_MARGIN) + ANSWER_EXTRA


def _ask(job: _Job, masked: Masked, source: Language, target: Language, terms: Sequence[Term] = (),
         required: Sequence[Term] = ()) -> str:
    """One model call: the masked segment translated, cleaned, with its tokens put back."""
    messages = prompting.messages(masked.text, source, target, terms, required)
    gen = {"max_tokens": _answer_budget(job, masked.text, source, target), **job.gen}
    raw = job.model.chat(messages, stop=list(prompting.STOP), **gen)
    return restore(prompting.clean_output(raw, masked.text, target), masked.tokens)


def _forward(job: _Job, segment: _Segment) -> str | None:
    """The segment's translation (None when it has no words to translate), retried once for glossary terms."""
    if not has_words(segment.masked.text):
        job.step()
        return None
    out = _ask(job, segment.masked, job.source, job.target, job.terms)
    missing = job.glossary.missing(segment.piece.text, out)
    if missing:
        again = _ask(job, segment.masked, job.source, job.target, job.terms, required=missing)
        if len(job.glossary.missing(segment.piece.text, again)) < len(missing):
            out = again
    job.step()
    return out


def _back(job: _Job, translation: str | None) -> str | None:
    """The translation translated back into the source language."""
    if translation is None or not translation.strip():
        job.step()
        return None
    back = _ask(job, protect(translation, job.protected), job.target, job.source)
    job.step()
    return back


def _resolve_source(source: str, units: Sequence[Unit]) -> Language:
    if source != "auto":
        return get_language(source)
    sample = quality.without_tokens(" ".join(unit.text for unit in units))[:4000]
    code = detect_language(sample)
    if code is None:
        raise LanguageDetectionError(
            "Could not tell which language the document is in (too little text?). Pass source='en' or another "
            "code from kit.translate.languages()."
        )
    return get_language(code)


def _segment_budget(model: Any, source: Language, target: Language, terms: Sequence[Term]) -> int:
    overhead = model.count_tokens(prompting.system_prompt(source, target, terms)) + 96
    room = (model.info.context_size - overhead) / (1 + ANSWER_MARGIN * target.token_factor / source.token_factor)
    return max(16, min(DEFAULT_SEGMENT_TOKENS, int(room)))


def translate_units(model: Any, units: Sequence[Unit], *, target: str, source: str = "auto",
                    glossary: GlossaryLike = None, progress: Progress | None = None, back_translate: bool = True,
                    max_segment_tokens: int | None = None, protected: Iterable[str] = (),
                    thresholds: quality.Thresholds | None = None, gen: Mapping[str, Any] | None = None,
                    workers: int | None = None) -> tuple[str, str, list[str], tuple[SegmentResult, ...]]:
    """Translate parsed units; returns source code, target code, each unit's translation and the segments."""
    target_lang = get_language(target)
    source_lang = _resolve_source(source, units)
    if source_lang.code == target_lang.code:
        raise TranslationError(
            f"The source and target are both {target_lang.name} ({target_lang.code}): nothing to translate. "
            "If the document is in another language, pass source= with its code."
        )
    glossary = load_glossary(glossary) if glossary is not None else Glossary()
    terms = glossary.applicable(" ".join(unit.text for unit in units))
    extra = tuple(protected)
    limit = max_segment_tokens or _segment_budget(model, source_lang, target_lang, terms)
    if limit < 1:
        raise TranslationError("max_segment_tokens must be at least 1.")
    segments: list[_Segment] = []
    pieces_of: list[list[Piece]] = []
    for number, unit in enumerate(units):
        pieces = split_unit(number, prompting.one_line(unit.text), limit, model.count_tokens)
        pieces_of.append(pieces)
        for piece in pieces:
            segments.append(_Segment(len(segments), unit.kind, piece, protect(piece.text, extra)))
    job = _Job(model, source_lang, target_lang, glossary, terms, extra, dict(gen or {}),
               thresholds or quality.Thresholds(), workers, progress)
    job.total = len(segments) * (2 if back_translate else 1)
    forward = batch.map(lambda seg: _forward(job, seg), segments, model=model, workers=workers, progress=False)
    backs: list[str | None] = [None] * len(segments)
    if back_translate:
        backs = batch.map(lambda out: _back(job, out), forward, model=model, workers=workers, progress=False)
    unchanged = tuple(term.target for term in terms if term.target.casefold() == term.source.casefold()) + extra
    results = [_result(job, segment, out, back, unchanged) for segment, out, back in zip(segments, forward, backs)]
    translations, start = [], 0
    for pieces in pieces_of:
        translations.append(join_pieces(pieces, [r.translation for r in results[start:start + len(pieces)]]))
        start += len(pieces)
    return source_lang.code, target_lang.code, translations, tuple(results)


def _result(job: _Job, segment: _Segment, out: str | None, back: str | None,
            unchanged: tuple[str, ...]) -> SegmentResult:
    source = segment.piece.text
    if out is None:  # nothing but numbers, codes or punctuation: kept exactly as it was
        return SegmentResult(segment.index, segment.kind, source, source, (), None, None, 1.0, False,
                             None, segment.piece.unit)
    back_chrf = round(quality.chrf(back, source), 2) if back is not None else None
    flags, detected, ratio = quality.assess(
        source, out, target=job.target.code, missing_protected=missing_tokens(out, segment.masked.tokens),
        missing_terms=[term.source for term in job.glossary.missing(source, out)], back_chrf=back_chrf,
        unchanged=unchanged, thresholds=job.thresholds,
    )
    # An empty answer keeps the source text, flagged, so the document stays whole.
    return SegmentResult(segment.index, segment.kind, source, out if out.strip() else source, flags, detected,
                         back_chrf, ratio, bool(flags), back, segment.piece.unit)


def _escape_cells(layout_units: Sequence[Unit], translations: list[str]) -> list[str]:
    return [re.sub(r"(?<!\\)\|", r"\\|", text) if unit.kind == "table_cell" else text
            for unit, text in zip(layout_units, translations)]


def translate(model: Any, text: str, *, target: str, source: str = "auto", glossary: GlossaryLike = None,
              format: str = "text", progress: Progress | None = None, back_translate: bool = True,
              max_segment_tokens: int | None = None, protected: Iterable[str] = (),
              thresholds: quality.Thresholds | None = None, gen: Mapping[str, Any] | None = None,
              workers: int | None = None) -> Translation:
    """Translate a plain-text or Markdown document, keeping its structure; every segment is checked.

    Args:
        target, source: language codes (see ``languages()``); ``source="auto"`` detects it offline.
        glossary: a Glossary, CSV path, CSV text or dict of required term translations.
        format: ``"text"`` or ``"markdown"`` (markers, table pipes and blank lines are kept as they are).
        progress: called as ``progress(done, total)`` after each segment in each pass (forward, then back).
        back_translate: translate each segment back to score it (doubles the model calls).
        max_segment_tokens: the longest segment sent at once (default: fits the model's context).
        protected: extra exact strings to keep unchanged (names, codes the patterns do not know).
        thresholds: limits for the quality flags (default: the constants in ``kit.translate.quality``).
        gen: generation settings for every call, e.g. ``{"max_tokens": 64}`` (default: sized per segment).
        workers: concurrent requests (default ``model.parallel``: 1 in-process, the slots of a llama-server).
    """
    started = time.perf_counter()
    if isinstance(text, (bytes, bytearray)):
        raise TranslationError(
            "translate() takes text (str). For a file's contents use translate_bytes(model, data, filename, ...)."
        )
    if format not in ("text", "markdown"):
        raise UnsupportedFormatError(
            f"format={format!r} is not supported by translate(); use 'text' or 'markdown' "
            "(for .docx use translate_file or translate_bytes)."
        )
    check_not_empty(text)
    layout = parse_markdown(text) if format == "markdown" else parse_text(text)
    src, tgt, translations, segments = translate_units(
        model, layout.units, target=target, source=source, glossary=glossary, progress=progress,
        back_translate=back_translate, max_segment_tokens=max_segment_tokens, protected=protected,
        thresholds=thresholds, gen=gen, workers=workers,
    )
    if format == "markdown":
        translations = _escape_cells(layout.units, translations)
    return Translation(src, tgt, format, layout.render(translations), segments, time.perf_counter() - started)


def translate_bytes(model: Any, data: bytes, filename: str, *, target: str, source: str = "auto",
                    glossary: GlossaryLike = None, progress: Progress | None = None, **kw: Any) -> Translation:
    """Translate an uploaded file's bytes; ``filename`` says the format (.txt, .md or .docx).

    ``**kw`` are ``translate``'s options (``back_translate``, ``max_segment_tokens``, ``protected``, ``gen``...).
    """
    started = time.perf_counter()
    fmt = format_for(filename)
    name = Path(filename).name
    if not data:
        raise EmptyDocumentError(f"{name} is empty: there is no text to translate.")
    if fmt != "docx":
        text = decode_text(data, name)
        check_not_empty(text, name)
        return translate(model, text, target=target, source=source, glossary=glossary, format=fmt,
                         progress=progress, **kw)
    doc = read_docx(data, name)
    if not doc.units:
        raise EmptyDocumentError(f"{name} has no text in its paragraphs or tables: nothing to translate.")
    src, tgt, translations, segments = translate_units(
        model, doc.units, target=target, source=source, glossary=glossary, progress=progress, **kw
    )
    lang = get_language(tgt)
    out = write_docx(doc, translations, lang=lang.code, rtl=lang.rtl)
    return Translation(src, tgt, "docx", docx_plain_text(doc.units, translations), segments,
                       time.perf_counter() - started, docx_bytes=out)


def translate_file(model: Any, path: str | Path, *, target: str, source: str = "auto", glossary: GlossaryLike = None,
                   output: str | Path | None = None, progress: Progress | None = None, **kw: Any) -> Translation:
    """Translate a .txt, .md or .docx file; with ``output``, write the translation there in the same format."""
    path = Path(path)
    format_for(path)
    if not path.is_file():
        raise InputError(f"No file at {path}. Check the path (a relative path starts from {Path.cwd()}).")
    translation = translate_bytes(model, path.read_bytes(), path.name, target=target, source=source,
                                  glossary=glossary, progress=progress, **kw)
    if output is not None:
        translation.save(output)
    return translation
