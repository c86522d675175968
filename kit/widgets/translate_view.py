"""How the translation app shows a result: the summary line, the side-by-side table, the download."""

from __future__ import annotations

from pathlib import PurePath
from typing import Any

from kit.widgets.html import download_link, esc, message, text_direction

SUFFIXES = {"text": ".txt", "markdown": ".md", "docx": ".docx"}


def language_name(code: str | None, names: dict[str, str]) -> str:
    """"Welsh" for "cy"; the code itself when the name is unknown; "unknown" for nothing."""
    if not code:
        return "unknown"
    return names.get(code, code)


def summary_html(result: Any, names: dict[str, str]) -> str:
    """One line: how many segments need a person to check them, and which languages were involved."""
    total = len(result.segments)
    flagged = result.flagged
    route = (f"{language_name(result.source_language, names)} to "
             f"{language_name(result.target_language, names)}")
    noun = "segment" if total == 1 else "segments"
    if flagged:
        verb = "needs" if flagged == 1 else "need"
        text = f"{flagged} of {total} {noun} {verb} review ({route}). Highlighted rows below."
        return message(text, "warn")
    return message(f"0 of {total} {noun} need review ({route}). Still read it before sending.", "ok")


def segments_html(result: Any, names: dict[str, str]) -> str:
    """The side-by-side table: original | translation | checks, flagged rows highlighted."""
    target = result.target_language
    target_dir = text_direction(target)
    rows = []
    for segment in result.segments:
        source_lang = segment.detected_language or result.source_language or ""
        css = ' class="kit-flagged"' if segment.needs_review else ""
        rows.append(
            f"<tr{css} data-index=\"{esc(segment.index)}\">"
            f"<td>{esc(segment.index + 1 if isinstance(segment.index, int) else segment.index)}</td>"
            f'<td class="kit-source" lang="{esc(source_lang)}" dir="{text_direction(source_lang)}">'
            f"{esc(segment.source)}</td>"
            f'<td class="kit-translation" lang="{esc(target)}" dir="{target_dir}">{esc(segment.translation)}</td>'
            f'<td class="kit-flags">{_flags_html(segment, names)}</td>'
            "</tr>"
        )
    return (
        '<table class="kit-table kit-segments">'
        '<colgroup><col class="kit-col-n"><col><col><col class="kit-col-flags"></colgroup>'
        "<thead><tr><th>#</th>"
        f"<th>Original ({esc(language_name(result.source_language, names))})</th>"
        f"<th>Translation ({esc(language_name(target, names))})</th>"
        "<th>Checks</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def output_filename(result: Any, upload_name: str | None = None) -> str:
    """The download's name: the upload's name with the target language added, else translation.<lang>.txt."""
    suffix = SUFFIXES.get(result.format, ".txt")
    stem = PurePath(upload_name).stem if upload_name else "translation"
    return f"{stem}.{result.target_language}{suffix}"


def download_html(result: Any, upload_name: str | None = None) -> str:
    """A download link for the translated document, in the format that came in."""
    filename = output_filename(result, upload_name)
    kind = {"docx": "Word document", "markdown": "Markdown file"}.get(result.format, "text file")
    return download_link(result.to_bytes(), filename, f"Download the translation ({kind}: {filename})")


def flag_text(flag: str, names: dict[str, str] | None = None) -> tuple[str, str]:
    """(label, explanation) for a check that failed, in words a reviewer understands."""
    kind, _, detail = str(flag).partition(":")
    if kind == "protected_missing":
        return f"missing {detail}", "A name, number, date or reference in the original is not in the translation."
    if kind == "glossary_missing":
        return f"glossary: {detail}", "The glossary's translation of this term is not in the translation."
    if kind == "wrong_language":
        return (f"looks like {language_name(detail, names or {})}",
                "The translation seems to be in another language than the one asked for.")
    if kind == "untranslated":
        return "not translated", "The translation is empty or the same as the original."
    if kind == "length_ratio":
        return "odd length", "The translation is much shorter or longer than the original."
    if kind == "low_backtranslation":
        return "meaning may differ", "Translated back, it reads differently from the original."
    return str(flag).replace("_", " "), ""


def _flags_html(segment: Any, names: dict[str, str]) -> str:
    parts = []
    for flag in segment.flags:
        label, explanation = flag_text(flag, names)
        parts.append(f'<span class="kit-flag" title="{esc(explanation)}">{esc(label)}</span>')
    if segment.needs_review and not parts:
        parts.append('<span class="kit-flag">check</span>')
    if not parts:
        parts.append('<span class="kit-flag-ok">OK</span>')
    score = segment.back_translation_chrf
    if isinstance(score, (int, float)):
        parts.append(f'<div class="kit-score">back-translation match: {score:.0f}/100</div>')
    return "".join(parts)
