"""How the translation app shows a result: the summary line, the side-by-side table, the download."""

from __future__ import annotations

from dataclasses import replace
from pathlib import PurePath
from typing import Any

from kit import display
from kit.widgets.html import download_link, esc, message, text_direction

NOT_TRANSLATED_NOTE = "Not translated — original kept"

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
    missing = len(getattr(result, "not_translated", ()))
    stopped = getattr(result, "stopped", 0)
    if stopped:
        return message(f"Stopped after {total - stopped} of {total} {noun} ({route}): the document keeps the original "
                       f"text of the {stopped} not reached and lists them in a review note at its end. "
                       f"{flagged} of {total} need review.", "warn")
    if flagged:
        verb = "needs" if flagged == 1 else "need"
        text = f"{flagged} of {total} {noun} {verb} review ({route}). Highlighted rows below."
        if missing:
            text += (f" {missing} {'was' if missing == 1 else 'were'} not translated: the document keeps the "
                     "original text there and lists them in a review note at its end.")
        return message(text, "warn")
    return message(f"0 of {total} {noun} need review ({route}). Still read it before sending.", "ok")


def _translation_cell(segment: Any, result: Any, names: dict[str, str]) -> str:
    """The translation, or a plain "not translated" notice (never the original dressed as a translation)."""
    target = result.target_language
    if getattr(segment, "status", "translated") != "not_translated":
        return (f'<td class="kit-translation" lang="{esc(target)}" dir="{text_direction(target)}">'
                f"{esc(segment.translation)}</td>")
    from kit.translate.flags import reason_text

    why = reason_text(segment.reason, language=segment.detected_language, target=target, error=segment.error,
                      names=names)
    answer = ""
    if segment.model_output:
        answer = (f'<details class="kit-model-output"><summary>The model\'s answer (not used)</summary>'
                  f'<div dir="auto">{esc(segment.model_output)}</div></details>')
    return (f'<td class="kit-translation kit-not-translated" lang="en" dir="ltr">'
            f'<strong class="kit-not-translated-note">{esc(NOT_TRANSLATED_NOTE)}</strong>'
            f'<div class="kit-reason">{esc(why)}</div>{answer}</td>')


def segments_html(result: Any, names: dict[str, str]) -> str:
    """The side-by-side table: original | translation | checks, flagged rows highlighted."""
    target = result.target_language
    rows = []
    for segment in result.segments:
        source_lang = result.source_language or segment.detected_language or ""
        classes = (["kit-flagged"] if segment.needs_review else []) + (
            ["kit-row-not-translated"] if getattr(segment, "status", "") == "not_translated" else [])
        css = f' class="{" ".join(classes)}"' if classes else ""
        rows.append(
            f"<tr{css} data-index=\"{esc(segment.index)}\" data-status=\"{esc(getattr(segment, 'status', ''))}\">"
            f"<td>{esc(segment.index + 1 if isinstance(segment.index, int) else segment.index)}</td>"
            f'<td class="kit-source" lang="{esc(source_lang)}" dir="{text_direction(source_lang)}">'
            f"{esc(segment.source)}</td>"
            f"{_translation_cell(segment, result, names)}"
            f'<td class="kit-flags">{_flags_html(segment, result, names)}</td>'
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


def page(result: Any) -> str:
    """A translation in a notebook: the summary line and the side-by-side table, as the app shows them, each text
    cut at ``kit.display.options.max_chars``."""
    from kit.translate.languages import languages

    cut = tuple(replace(s, source=display.clip(s.source), translation=display.clip(s.translation),
                        model_output=s.model_output and display.clip(s.model_output)) for s in result.segments)
    shown, names = replace(result, segments=cut), languages()
    return display.wrap(summary_html(shown, names) + segments_html(shown, names), "kit-translation-result")


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


def flag_text(flag: str, names: dict[str, str] | None = None, *, source: str | None = None,
              target: str | None = None) -> tuple[str, str]:
    """(label, explanation) for a check that failed, in words a reviewer understands (``kit.translate.flags``)."""
    from kit.translate.flags import describe

    described = describe(flag, source=source, target=target, names=names)
    return described.label, described.explanation


def _flags_html(segment: Any, result: Any, names: dict[str, str]) -> str:
    from kit.translate.flags import explain

    described = explain(segment, source=result.source_language, target=result.target_language, names=names)
    parts = [f'<span class="kit-flag" title="{esc(flag.explanation)}">{esc(flag.label)}</span>' for flag in described]
    if segment.needs_review and not parts:
        parts.append('<span class="kit-flag">check</span>')
    if not parts:
        parts.append('<span class="kit-flag-ok">OK</span>')
    explained = [flag for flag in described if flag.explanation]
    if explained:
        items = "".join(f"<li><b>{esc(flag.label)}</b>: {esc(flag.explanation)}</li>" for flag in explained)
        parts.append(f'<details class="kit-flag-details"><summary>What this means</summary><ul>{items}</ul></details>')
    score = segment.back_translation_chrf
    if isinstance(score, (int, float)):
        parts.append(f'<div class="kit-score">back-translation match: {score:.0f}/100</div>')
    return "".join(parts)
