"""How the minutes app shows minutes: meeting details, summary, decisions and actions with their lines, downloads."""

from __future__ import annotations

from dataclasses import replace
from pathlib import PurePath
from typing import Any

from kit import display
from kit.widgets.html import download_link, esc, message

STYLE = """
<style>
.kit-minutes h3 { margin: 0.8em 0 0.3em 0; }
.kit-source-rule, .kit-source-model { display: inline-block; border-radius: 3px; padding: 0 0.4em; font-size: 0.85em;
  color: #fff; margin-left: 0.3em; }
.kit-source-rule { background: #1d70b8; }
.kit-source-model { background: #6f72af; }
.kit-quote-line { color: #505a5f; font-size: 0.9em; }
.kit-downloads a { margin-right: 0.6em; }
</style>
"""


def _badge(item: Any) -> str:
    if item.by_rule:
        return f'<span class="kit-source-rule" title="{esc(item.source)}">rule</span>'
    return '<span class="kit-source-model" title="read by the language model; quote checked">model</span>'


def _cite(item: Any) -> str:
    return f'<div class="kit-quote-line">{esc(item.where())}: \u201c{esc(item.quote)}\u201d {_badge(item)}</div>'


def minutes_html(minutes: Any) -> str:
    """The minutes as the app shows them (every model or user text escaped)."""
    date = f"{minutes.date:%A %d %B %Y}" if minutes.date else "not stated"
    parts = [STYLE, '<div class="kit-minutes">', f"<h3>{esc(minutes.title)}</h3>",
             f"<p><b>Date:</b> {esc(date)}<br><b>Attendees:</b> {esc(', '.join(minutes.attendees) or 'none listed')}"
             f"<br><b>Apologies:</b> {esc(', '.join(minutes.apologies) or 'none')}</p>",
             "<h3>Summary</h3><p><small>Written by the language model and not checked: read it against the "
             "transcript.</small></p>" if minutes.summary else "<h3>Summary</h3>",
             f"<p>{esc(minutes.summary) if minutes.summary else '<i>No summary (the model gave none or was off).</i>'}"
             "</p>", "<h3>Decisions</h3>"]
    if minutes.decisions:
        items = "".join(f'<li class="kit-decision">{esc(d.text)}{_cite(d)}</li>' for d in minutes.decisions)
        parts.append(f"<ol>{items}</ol>")
    else:
        parts.append("<p><i>No decisions found.</i></p>")
    parts.append("<h3>Actions</h3>")
    rows = "".join(
        f'<tr class="kit-action"><td>{n}</td><td>{esc(a.text)}{_cite(a)}</td><td class="kit-owner">'
        f"{esc(a.owner or '(no owner named)')}</td><td class=\"kit-due\">{esc(_due(a))}</td></tr>"
        for n, a in enumerate(minutes.actions, start=1))
    parts.append('<table class="kit-table kit-actions"><colgroup><col class="kit-col-n"><col><col style="width:10em">'
                 '<col style="width:9em"></colgroup><thead><tr><th>#</th><th>Action</th><th>Owner</th><th>Due</th>'
                 f"</tr></thead><tbody>{rows or '<tr><td></td><td>No actions found.</td><td></td><td></td></tr>'}"
                 "</tbody></table>")
    if minutes.rejected:
        listed = "".join(f"<li>{esc(r.kind)}: {esc(r.text or '(no text)')} — {esc(r.reason)}</li>"
                         for r in minutes.rejected)
        parts.append(f'<details class="kit-rejected"><summary>{len(minutes.rejected)} model item(s) left out</summary>'
                     f"<ul>{listed}</ul></details>")
    parts.append("</div>")
    return "".join(parts)


def _due(item: Any) -> str:
    if item.due is None:
        return "(no date)"
    return f"{item.due:%a %d %b %Y}"


def summary_html(minutes: Any) -> str:
    """One line: what was found, and where the model came in."""
    model_items = sum(not i.by_rule for i in (*minutes.actions, *minutes.decisions))
    chunks = f" The model read the transcript in {len(minutes.chunks)} part(s)." if minutes.chunks else ""
    text = (f"{len(minutes.actions)} action(s) and {len(minutes.decisions)} decision(s) from "
            f"{minutes.transcript_lines} lines; {model_items} read by the model, the rest found by rules.{chunks} "
            "Check them against the recording before circulating.")
    notes = "".join(message(w, "warn") for w in minutes.warnings)
    return message(text, "ok") + notes


def page(minutes: Any) -> str:
    """Minutes in a notebook: the summary line and the minutes as the app shows them, each text cut at
    ``kit.display.options.max_chars``."""
    def cut(items: tuple) -> tuple:
        return tuple(replace(i, text=display.clip(i.text), quote=display.clip(i.quote)) for i in items)

    shown = replace(minutes, summary=display.clip(minutes.summary), decisions=cut(minutes.decisions),
                    actions=cut(minutes.actions))
    return display.wrap(summary_html(shown) + minutes_html(shown), "kit-minutes-result")


def downloads_html(minutes: Any, upload_name: str | None = None) -> str:
    """Download links for the minutes as Word and Markdown."""
    stem = f"{PurePath(upload_name).stem}.minutes" if upload_name else "minutes"
    return ('<div class="kit-downloads">'
            + download_link(minutes.to_docx(), f"{stem}.docx", f"Download the minutes (Word: {stem}.docx)")
            + download_link(minutes.to_markdown().encode("utf-8"), f"{stem}.md",
                            f"Download the minutes (Markdown: {stem}.md)")
            + "</div>")
