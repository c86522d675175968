"""How the triage app shows results: a safeguarding banner, the fields and who decided them, flags, the draft."""

from __future__ import annotations

from typing import Any

from kit import csvsafe, display
from kit.widgets.html import download_link, esc

STYLE = """
<style>
.kit-triage-item { border: 1px solid #b1b4b6; border-radius: 3px; padding: 0.5em 0.8em; margin: 0.6em 0; }
.kit-safeguarding { background: #d4351c; color: #fff; padding: 0.5em 0.8em; font-weight: 600; border-radius: 3px; }
.kit-safeguarding small { display: block; font-weight: 400; }
.kit-fields td, .kit-fields th { padding: 0.2em 0.8em 0.2em 0; text-align: start; }
.kit-urgency-urgent { color: #d4351c; font-weight: 700; }
.kit-urgency-high { color: #f47738; font-weight: 700; }
.kit-decided { color: #505a5f; font-size: 0.85em; }
.kit-draft { white-space: pre-wrap; background: #f3f2f1; padding: 0.5em 0.8em; margin-top: 0.3em; }
.kit-triage-flags li { margin: 0.2em 0; }
</style>
"""


def item_html(record: dict[str, Any]) -> str:
    """One triaged email (a record from ``Triage.as_record`` or a row of ``triage_frame``)."""
    urgency = record.get("urgency") or "not set"
    sources = record.get("sources") or {}
    if isinstance(sources, str):
        import json

        sources = json.loads(sources)
    parts = [f'<div class="kit-triage-item" data-id="{esc(record.get("id") or "")}" data-urgency="{esc(urgency)}" '
             f'data-safeguarding="{str(bool(record.get("safeguarding"))).lower()}">']
    if record.get("id"):
        parts.append(f"<b>{esc(record['id'])}</b>")
    if record.get("safeguarding"):
        words = ", ".join(record.get("safeguarding_words") or [])
        parts.append(f'<div class="kit-safeguarding" role="alert">Safeguarding: possible risk to a person. '
                     f"Urgency raised to urgent.<small>Words found: {esc(words)}. Pass this to the safeguarding "
                     "lead today, whatever the rest of this page says.</small></div>")
    rows = []
    for field in ("category", "urgency", "team"):
        value = record.get(field) or "not set"
        decided = sources.get(field, "not decided")
        css = f' class="kit-urgency-{esc(value)}"' if field == "urgency" else ""
        rows.append(f"<tr><th>{field.capitalize()}</th><td{css} data-field=\"{field}\">{esc(value.replace('_', ' '))}"
                    f'</td><td class="kit-decided">decided by: {esc(decided)}</td></tr>')
    if record.get("model_urgency") and record.get("model_urgency") != record.get("urgency"):
        rows.append(f'<tr><th></th><td colspan="2" class="kit-decided">the model said '
                    f"{esc(record['model_urgency'])}; the safeguarding rule overrides it</td></tr>")
    parts.append(f'<table class="kit-fields">{"".join(rows)}</table>')
    flags = [f for f in record.get("flags") or [] if not f.startswith("Safeguarding words")]
    if flags:
        parts.append('<ul class="kit-triage-flags">' + "".join(f"<li>{esc(f)}</li>" for f in flags) + "</ul>")
    draft = record.get("draft") or ""
    parts.append("<b>Reply draft</b> <small>(check and edit before sending)</small>"
                 f'<div class="kit-draft">{esc(draft) if draft else "<i>No draft.</i>"}</div></div>')
    return "".join(parts)


def results_html(records: list[dict[str, Any]]) -> str:
    """Every triaged email, the safeguarding ones first."""
    ordered = sorted(records, key=lambda r: (not r.get("safeguarding"), str(r.get("id") or "")))
    return STYLE + "".join(item_html(r) for r in ordered)


def page(triage: Any) -> str:
    """One triaged email in a notebook, as the app shows it (safeguarding first, the draft cut at
    ``kit.display.options.max_chars``)."""
    record = triage.as_record()
    return display.wrap(item_html(record | {"draft": display.clip(record["draft"])}), "kit-triage-result", STYLE)


def download_html(frame: Any) -> str:
    """A CSV of the results (lists and JSON as text; a cell a spreadsheet would run as a formula made inert)."""
    import polars as pl

    flat = frame.with_columns([pl.col(c).list.join(" | ") for c, t in frame.schema.items() if t == pl.List(pl.Utf8)])
    return download_link(csvsafe.write_csv(flat), "triage.csv", "Download the results (CSV)")
