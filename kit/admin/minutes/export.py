"""Minutes as Markdown and as a Word document, by one template: attendees, summary, decisions, actions.

Each function takes a :class:`kit.admin.minutes.result.Minutes`; this module does not import it, since
``Minutes.to_markdown`` and ``Minutes.to_docx`` call these functions.
"""

from __future__ import annotations

import io
from typing import Any

from kit.admin.minutes.items import Item

NOTE = ("Drafted by a local language model and rules from the transcript; each item cites its transcript lines "
        "and quote. Check it against the recording before circulating.")
SUMMARY_NOTE = "Summary written by the language model and not checked against the transcript."
NO_SUMMARY = "(No summary: the model was not used, or gave none.)"


def owner_or_blank(item: Item) -> str:
    """The owner, or "(no owner named)"."""
    return item.owner or "(no owner named)"


def due_or_blank(item: Item) -> str:
    """"Fri 14 Mar 2025 ("by Friday 14 March")", or "(no date)"."""
    if item.due is None:
        return "(no date)" if not item.due_text else f"(not a date: {item.due_text!r})"
    return f"{item.due:%a %d %b %Y}"


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def _origin(item: Item) -> str:
    return "found by a rule" if item.by_rule else "read by the model"


def _meta(minutes: Any) -> list[tuple[str, str]]:
    return [("Date", f"{minutes.date:%A %d %B %Y}" if minutes.date else "(not stated in the transcript)"),
            ("Attendees", ", ".join(minutes.attendees) or "(none listed)"),
            ("Apologies", ", ".join(minutes.apologies) or "none"),
            ("Transcript", f"{minutes.transcript_name} ({minutes.transcript_lines} lines)")]


def markdown(minutes: Any) -> str:
    """The minutes as Markdown text."""
    out = [f"# Minutes: {minutes.title}", ""]
    out += [f"**{key}:** {value}  " for key, value in _meta(minutes)]
    summary = f"{minutes.summary}\n\n*{SUMMARY_NOTE}*" if minutes.summary else NO_SUMMARY
    out += ["", "## Summary", "", summary, "", "## Decisions", ""]
    if not minutes.decisions:
        out.append("No decisions were recorded.")
    for n, item in enumerate(minutes.decisions, start=1):
        out.append(f"{n}. {_sentence(item.text)}. *({item.where()}: \"{item.quote}\"; {_origin(item)})*")
    out += ["", "## Actions", "", "| # | Action | Owner | Due | Source |", "|---|---|---|---|---|"]
    for n, item in enumerate(minutes.actions, start=1):
        cells = [str(n), _sentence(item.text), owner_or_blank(item), due_or_blank(item),
                 f"{item.where()}: \"{item.quote}\" ({_origin(item)})"]
        out.append("| " + " | ".join(cell.replace("|", "\\|").replace("\n", " ") for cell in cells) + " |")
    if not minutes.actions:
        out.append("| | No actions were recorded. | | | |")
    notes = [*minutes.warnings, *([reading(minutes)] if len(minutes.chunks) > 1 else [])]
    if notes:
        out += ["", "## Notes on the transcript", ""] + [f"- {note}" for note in notes]
    out += ["", f"*{NOTE}*", ""]
    return "\n".join(out)


def reading(minutes: Any) -> str:
    """How the model read a long transcript: its windows, their lines and token counts."""
    parts = ", ".join(f"lines {c.first_line}-{c.last_line} ({c.tokens} tokens)" for c in minutes.chunks)
    return f"The model read the transcript in {len(minutes.chunks)} overlapping windows: {parts}."


def docx_bytes(minutes: Any) -> bytes:
    """The minutes as a .docx file's bytes (python-docx)."""
    from docx import Document

    doc = Document()
    doc.add_heading(f"Minutes: {minutes.title}", level=1)
    for key, value in _meta(minutes):
        para = doc.add_paragraph()
        para.add_run(f"{key}: ").bold = True
        para.add_run(value)
    doc.add_heading("Summary", level=2)
    doc.add_paragraph(minutes.summary or NO_SUMMARY)
    if minutes.summary:
        doc.add_paragraph().add_run(SUMMARY_NOTE).italic = True
    doc.add_heading("Decisions", level=2)
    if not minutes.decisions:
        doc.add_paragraph("No decisions were recorded.")
    for item in minutes.decisions:
        para = doc.add_paragraph(style="List Number")
        para.add_run(f"{_sentence(item.text)}. ")
        _source(para, item)
    doc.add_heading("Actions", level=2)
    table = doc.add_table(rows=1, cols=5)
    table.style = "Table Grid"
    for cell, title in zip(table.rows[0].cells, ("#", "Action", "Owner", "Due", "Source")):
        cell.text = title
    for n, item in enumerate(minutes.actions, start=1):
        row = table.add_row().cells
        row[0].text, row[1].text, row[2].text, row[3].text = str(n), _sentence(item.text), owner_or_blank(item), due_or_blank(item)
        _source(row[4].paragraphs[0], item)
    notes = [*minutes.warnings, *([reading(minutes)] if len(minutes.chunks) > 1 else [])]
    if notes:
        doc.add_heading("Notes on the transcript", level=2)
        for note in notes:
            doc.add_paragraph(note, style="List Bullet")
    doc.add_paragraph().add_run(NOTE).italic = True
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def _source(para: Any, item: Item) -> None:
    run = para.add_run(f"{item.where()}: \u201c{item.quote}\u201d ({_origin(item)})")
    run.italic = True
