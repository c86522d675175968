"""The review note that ends a translated document when some segments could not be translated.

The document keeps the original text of those segments; the note lists them, with the reason, so a
reviewer finds every one before the document is sent. It is in English (the reviewer's language) and
says to remove it before sending. A .docx gets it as a last section of the document itself, so the
one download holds both (a separate file is easily lost).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from kit.translate.flags import reason_text
from kit.translate.inline import strip_switches

TITLE = "Translation review (remove this section before sending)"


def review_items(result: Any) -> list[str]:
    """One line per segment that was not translated: its number, the original text and why."""
    items = []
    for segment in result.not_translated:
        why = reason_text(segment.reason, language=segment.detected_language, target=result.target_language,
                          error=segment.error)
        items.append(f"Segment {segment.index + 1} ({segment.kind.replace('_', ' ')}): "
                     f"“{strip_switches(segment.source)}” — {why}")
    return items


def review_lead(result: Any) -> str:
    """The sentence that opens the review note."""
    count, total = len(result.not_translated), len(result.segments)
    noun, its = ("segment was", "its") if count == 1 else ("segments were", "their")
    lead = (f"{count} of {total} {noun} not translated: the original text is kept in {its} place and must be "
            "translated by a person.")
    others = result.flagged - count
    if others > 0:
        lead += (f" {others} other {'segment has' if others == 1 else 'segments have'} failed checks "
                 "too (see the translation's table of segments).")
    return lead


def review_text(result: Any, *, markdown: bool = False) -> str:
    """The review note as text (Markdown when ``markdown``), or "" when every segment was translated."""
    items = review_items(result)
    if not items:
        return ""
    if markdown:
        lines = ["---", "", f"## {TITLE}", "", review_lead(result), ""]
        lines += [f"{number}. {_md_escape(item)}" for number, item in enumerate(items, 1)]
    else:
        lines = ["-" * 40, TITLE, "", review_lead(result), ""]
        lines += [f"{number}. {item}" for number, item in enumerate(items, 1)]
    return "\n".join(lines) + "\n"


def _md_escape(text: str) -> str:
    """Text that renders as itself in a Markdown list item (no emphasis, links or HTML from the quote)."""
    return "".join("\\" + ch if ch in "\\`*_[]<>#|" else ch for ch in text)


def review_paragraphs(result: Any) -> tuple[str, str, Sequence[str]]:
    """The note's title, opening sentence and items, for writing into a .docx."""
    return TITLE, review_lead(result), review_items(result)
