"""Translate documents (text, Markdown, .docx) segment by segment, checking every segment.

Documents are parsed into units (``segments``), cut into segments that fit the model, and run through
the passes in ``passes``: all forward translations, then all back-translations, so consecutive prompts
share a prefix. A segment with no usable translation keeps its original text and says so.
"""

from __future__ import annotations

import dataclasses
import re
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from kit import batch, limits
from kit.errors import InputError
from kit.model import ChatModel
from kit.translate import passes, prompting, quality
from kit.translate.docx_io import docx_plain_text, read_docx, write_docx
from kit.translate.errors import EmptyDocumentError, LanguageDetectionError, TranslationError, UnsupportedFormatError
from kit.translate.formats import check_not_empty, decode_text, format_for
from kit.translate.glossary import Glossary, Term, load_glossary
from kit.translate.languages import Language, detect_language, get_language
from kit.translate.passes import ANSWER_MARGIN, Progress
from kit.translate.result import SegmentResult, Translation
from kit.translate.review import review_paragraphs
from kit.translate.segments import Piece, Unit, join_pieces, parse_markdown, parse_text, split_unit

DEFAULT_SEGMENT_TOKENS = 160  # long enough for a paragraph's sentence or two, short enough for a tiny model
GlossaryLike = Glossary | str | Path | Mapping[str, str] | None


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


def _segment_budget(model: ChatModel, source: Language, target: Language, terms: Sequence[Term]) -> int:
    overhead = model.count_tokens(prompting.system_prompt(source, target, terms)) + 96
    room = (model.info.context_size - overhead) / (1 + ANSWER_MARGIN * target.token_factor / source.token_factor)
    return max(16, min(DEFAULT_SEGMENT_TOKENS, int(room)))


def translate_units(model: ChatModel, units: Sequence[Unit], *, target: str, source: str = "auto",
                    glossary: GlossaryLike = None, progress: Progress | None = None, back_translate: bool = True,
                    max_segment_tokens: int | None = None, protected: Iterable[str] = (),
                    thresholds: quality.Thresholds | None = None, gen: Mapping[str, Any] | None = None,
                    workers: int | None = None, markdown: bool = False, max_segments: int | None = None,
                    cancel: Callable[[], bool] | None = None) -> tuple[str, str, list[str], tuple[SegmentResult, ...]]:
    """Translate parsed units; returns source code, target code, each unit's text for the document, the segments.

    A unit's text holds its segments' translations, or the original text of a segment not translated.
    ``markdown``: the units are Markdown, so inline emphasis, code and links are kept as formatting marks.
    ``max_segments``: refuse more segments than this before the first model call (default: ``KIT_MAX_SEGMENTS``).
    ``cancel``: once it returns True no more model calls are made; the segments not reached keep their
    original text with reason ``stopped`` (and what was finished is kept).

    Raises:
        TranslationError: the model failed on every segment (the first error says why).
        LimitError: more segments than ``max_segments``.
    """
    hint = "Translate the document in parts, e.g. a section at a time."
    limits.check("translate_segments", len(units), "The document, at one segment or more per paragraph,",
                 override=max_segments, hint=hint)  # every unit is at least one segment: refuse before cutting a huge document up
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
    segments: list[passes.Segment] = []
    pieces_of: list[list[Piece]] = []
    for number, unit in enumerate(units):
        pieces = split_unit(number, prompting.one_line(unit.text), limit, model.count_tokens)
        pieces_of.append(pieces)
        for piece in pieces:
            segments.append(passes.make_segment(len(segments), unit, piece, extra, markdown))
    limits.check("translate_segments", len(segments), "The document", override=max_segments, hint=hint)
    job = passes.Job(model, source_lang, target_lang, glossary, terms, extra, dict(gen or {}),
                     thresholds or quality.Thresholds(), progress, markdown, len(segments), 2 if back_translate else 1,
                     cancel)
    answers = batch.map(lambda seg: passes.forward(job, seg), segments, model=model, workers=workers, progress=False)
    _raise_if_all_failed(answers)
    unchanged = tuple(term.target for term in terms if term.target.casefold() == term.source.casefold()) + extra
    verdicts = [passes.verdict(job, seg, answer, unchanged) for seg, answer in zip(segments, answers)]
    backs: list[tuple[str | None, str | None]] = [(None, None)] * len(segments)
    if back_translate:
        backs = batch.map(lambda pair: passes.back(job, pair[0], pair[1][0]), list(zip(answers, verdicts)),
                          model=model, workers=workers, progress=False)
    results = [passes.result(job, seg, answer, *judged, checked)
               for seg, answer, judged, checked in zip(segments, answers, verdicts, backs)]
    texts = [passes.document_text(seg, answer, judged[0]) for seg, answer, judged in zip(segments, answers, verdicts)]
    translations, start = [], 0
    for pieces in pieces_of:
        translations.append(join_pieces(pieces, texts[start:start + len(pieces)]))
        start += len(pieces)
    return source_lang.code, target_lang.code, translations, tuple(results)


def _raise_if_all_failed(answers: Sequence[passes.Answer]) -> None:
    """A model that fails on every segment is a setup problem to report, not a document to return untranslated."""
    tried = [answer for answer in answers if answer.text is not None and not answer.stopped]
    if tried and all(answer.error is not None for answer in tried):
        raise TranslationError(f"The model failed on every segment, so nothing was translated. The first error: "
                               f"{tried[0].error}")


def _escape_cells(layout_units: Sequence[Unit], translations: list[str]) -> list[str]:
    return [re.sub(r"(?<!\\)\|", r"\\|", text) if unit.kind == "table_cell" else text
            for unit, text in zip(layout_units, translations)]


def translate(model: ChatModel, text: str, *, target: str, source: str = "auto", glossary: GlossaryLike = None,
              format: str = "text", progress: Progress | None = None, back_translate: bool = True,
              max_segment_tokens: int | None = None, protected: Iterable[str] = (),
              thresholds: quality.Thresholds | None = None, gen: Mapping[str, Any] | None = None,
              workers: int | None = None, max_segments: int | None = None, max_bytes: int | None = None,
              cancel: Callable[[], bool] | None = None) -> Translation:
    """Translate a plain-text or Markdown document, keeping its structure; every segment is checked.

    A segment with no usable translation (empty answer, source echoed, wrong language, model error) keeps
    its original text, with ``status="not_translated"`` and the reason; ``to_bytes()`` and ``save()`` then
    end the document with a review note listing those segments (``result.text`` stays the document alone).

    Args:
        target, source: language codes (see ``languages()``); ``source="auto"`` detects it offline.
        glossary: a Glossary, CSV path, CSV text or dict of required term translations.
        format: ``"text"`` or ``"markdown"`` (markers, table pipes and blank lines are kept as they are;
            inline bold, italic, code and links are kept, or the segment is flagged ``formatting_simplified``).
        progress: called as ``progress(done, total)`` after each segment in each pass (translate, then
            back-translate), ``total`` counting both; a callable with a ``stage`` parameter also gets
            ``stage=Stage(name, done, total, number, passes)`` saying which pass and how far into it.
        back_translate: translate each real translation back to score it (up to twice the model calls).
        max_segment_tokens: the longest segment sent at once (default: fits the model's context).
        protected: extra exact strings to keep unchanged (names, codes the patterns do not know).
        thresholds: limits for the quality flags (default: the constants in ``kit.translate.quality``).
        gen: generation settings for every call, e.g. ``{"max_tokens": 64}`` (default: sized per segment).
        workers: concurrent requests (default ``model.parallel``: 1 in-process, the slots of a llama-server).
        max_segments, max_bytes: the most segments and UTF-8 bytes accepted, checked before any model call
            (default: ``KIT_MAX_SEGMENTS``, ``KIT_MAX_TRANSLATE_BYTES``; 0: no limit).
        cancel: a function that returns True to stop (e.g. ``threading.Event().is_set``): no more model calls
            are made, and the result keeps what was finished (``result.stopped`` counts the segments not reached).

    Raises:
        LimitError: the text is over ``max_bytes`` or cuts into more than ``max_segments`` segments.
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
    if len(text) > limits.allowed("translate_bytes", max_bytes) // 4:  # encoding a short text is not worth it
        limits.check("translate_bytes", len(text.encode("utf-8")), "The text", override=max_bytes,
                     hint="Translate it in parts.")
    layout = parse_markdown(text) if format == "markdown" else parse_text(text)
    src, tgt, translations, segments = translate_units(
        model, layout.units, target=target, source=source, glossary=glossary, progress=progress,
        back_translate=back_translate, max_segment_tokens=max_segment_tokens, protected=protected,
        thresholds=thresholds, gen=gen, workers=workers, markdown=format == "markdown", max_segments=max_segments,
        cancel=cancel,
    )
    if format == "markdown":
        translations = _escape_cells(layout.units, translations)
    return Translation(src, tgt, format, layout.render(translations), segments, time.perf_counter() - started)


def translate_bytes(model: ChatModel, data: bytes, filename: str, *, target: str, source: str = "auto",
                    glossary: GlossaryLike = None, progress: Progress | None = None, **kw: Any) -> Translation:
    """Translate an uploaded file's bytes; ``filename`` says the format (.txt, .md or .docx).

    In a .docx, formatting inside a paragraph (bold or italic words, other fonts) is kept where the
    translation keeps its marks, else the paragraph is one style and flagged ``formatting_simplified``;
    segments not translated are listed in a last "Translation review" section of the document.

    ``**kw`` are ``translate``'s options (``back_translate``, ``max_segment_tokens``, ``protected``, ``gen``,
    ``max_segments``, ``max_bytes``, ``cancel``...). A .docx is refused before it is unzipped when it would
    unzip to more than ``KIT_MAX_DOCX_INFLATED_BYTES`` (see ``kit.limits``).
    """
    started = time.perf_counter()
    fmt = format_for(filename)
    name = Path(filename).name
    if not data:
        raise EmptyDocumentError(f"{name} is empty: there is no text to translate.")
    limits.check("translate_bytes", len(data), name, override=kw.get("max_bytes"), hint=_bytes_hint(fmt))
    if fmt != "docx":
        text = decode_text(data, name)
        check_not_empty(text, name)
        return translate(model, text, target=target, source=source, glossary=glossary, format=fmt,
                         progress=progress, **kw)
    doc = read_docx(data, name)
    if not doc.units:
        raise EmptyDocumentError(f"{name} has no text in its paragraphs or tables: nothing to translate.")
    kw.pop("max_bytes", None)
    src, tgt, translations, segments = translate_units(
        model, doc.units, target=target, source=source, glossary=glossary, progress=progress, **kw
    )
    lang = get_language(tgt)
    result = Translation(src, tgt, "docx", docx_plain_text(doc.units, translations), segments)
    review = review_paragraphs(result) if result.not_translated else None
    out = write_docx(doc, translations, lang=lang.code, rtl=lang.rtl, review=review)
    return dataclasses.replace(result, seconds=time.perf_counter() - started, docx_bytes=out)


def _bytes_hint(fmt: str) -> str:
    return "Translate it in parts" + (", or remove large pictures from it." if fmt == "docx" else ".")


def translate_file(model: ChatModel, path: str | Path, *, target: str, source: str = "auto",
                   glossary: GlossaryLike = None, output: str | Path | None = None, progress: Progress | None = None,
                   **kw: Any) -> Translation:
    """Translate a .txt, .md or .docx file; with ``output``, write the translation there in the same format.

    A file over ``max_bytes`` (default ``KIT_MAX_TRANSLATE_BYTES``) is refused before it is read.
    """
    path = Path(path)
    format_for(path)
    if not path.is_file():
        raise InputError(f"No file at {path}. Check the path (a relative path starts from {Path.cwd()}).")
    limits.check("translate_bytes", path.stat().st_size, path.name, override=kw.get("max_bytes"),
                 hint=_bytes_hint(format_for(path)))
    translation = translate_bytes(model, path.read_bytes(), path.name, target=target, source=source,
                                  glossary=glossary, progress=progress, **kw)
    if output is not None:
        translation.save(output)
    return translation
