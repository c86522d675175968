"""HTML for the copilot app: the advisor's list of questions and a supervisor's view of one draft."""

from __future__ import annotations

from kit.widgets.html import esc

_STATUS = {"pending": "Waiting for a supervisor", "approved": "Approved", "edited": "Approved (edited)",
           "rejected": "Rejected"}


def advisor_table(items) -> str:
    """The advisor's items: question, status, and the answer once approved (or the reason it was rejected)."""
    if not items:
        return "<p class='kit-copilot-empty'>No questions yet.</p>"
    rows = []
    for item in items:
        if item.answer is not None:
            shown = f"<div class='kit-copilot-answer'>{esc(item.answer)}</div>"
        elif item.status == "rejected":
            shown = f"<div class='kit-copilot-rejected'>Not approved: {esc(item.comment or '')}</div>"
        else:
            shown = "<em>No answer yet: a supervisor will check the draft first.</em>"
        rows.append(f"<tr data-item='{item.id}' data-status='{esc(item.status)}'><td>{item.id}</td>"
                    f"<td>{esc(item.question)}</td><td class='kit-copilot-status'>{esc(_STATUS[item.status])}</td>"
                    f"<td>{shown}</td></tr>")
    return ("<table class='kit-table kit-copilot-items'><colgroup><col class='kit-col-n'><col><col style='width:12em'>"
            "<col></colgroup><tr><th>#</th><th>Question</th><th>Status</th><th>Answer</th></tr>"
            + "".join(rows) + "</table>")


def draft_html(item) -> str:
    """One pending item as the supervisor reviews it: the (redacted) question, grounding and sources."""
    grounded = ("<span class='kit-flag-ok'>every quote found verbatim in its article</span>" if item.grounded
                else "<span class='kit-flag'>not grounded: no model answer kept; the draft quotes the closest "
                "lines</span>")
    sources = "".join(f"<li><code>{esc(source)}</code></li>" for source in item.sources) or "<li>none</li>"
    return (f"<div class='kit-copilot-draft' data-item='{item.id}'><p><b>Question #{item.id}</b> from "
            f"{esc(item.advisor)}: {esc(item.question)}</p><p>{grounded}</p>"
            f"<details><summary>Sources ({len(item.sources)})</summary><ul>{sources}</ul></details></div>")
