"""How a planning record reads in HTML: text with its evidence marked, fields, policy findings, comment themes.

The app and the notebook show records with the same functions (:func:`record_html`, :func:`show`).
"""

from __future__ import annotations

from typing import Any

from kit import display
from kit.planning.extraction.parsers import whole_words
from kit.widgets.html import STYLE as KIT_STYLE
from kit.widgets.html import esc, message

STYLE = """
<style>
.kit-planning-app .kit-table { width: 98%; }
.kit-planning-app mark.kit-evidence { background: #ffdd00; color: #0b0c0c; padding: 0 0.1em; border-radius: 2px; }
.kit-planning-app .kit-source-text { padding: 0.5em 0.8em; border-left: 4px solid #b1b4b6; margin: 0.4em 0;
  white-space: pre-wrap; }
.kit-planning-app .kit-finding { box-sizing: border-box; width: 98%; border: 1px solid #b1b4b6; border-left: 5px solid #1d70b8; padding: 0.5em 0.8em;
  margin: 0.5em 0; }
.kit-planning-app .kit-finding.kit-requirement { border-left-color: #d4351c; }
.kit-planning-app .kit-finding.kit-advice { border-left-color: #f47738; }
.kit-planning-app .kit-finding blockquote, .kit-planning-app .kit-quote { margin: 0.4em 0 0.4em 0.5em;
  padding-left: 0.7em; border-left: 3px solid #b1b4b6; color: #383f43; }
.kit-planning-app .kit-severity { display: inline-block; font-size: 0.85em; font-weight: 600; text-transform: uppercase;
  margin-right: 0.5em; }
.kit-planning-app .kit-rule-id { font-family: monospace; color: #505a5f; }
.kit-planning-app .kit-stance { font-weight: 600; }
</style>
"""

FIELD_LABELS = {
    "application_type": "Application type", "works": "Works", "dwellings": "Net new dwellings", "storeys": "Storeys",
    "retrospective": "Retrospective", "related_references": "Related applications",
    "registered_building_number": "Registered building no.", "postcode": "Postcode", "settlement": "Settlement",
}


def marks(text: str, spans: list[tuple[int, int, str]]) -> list[tuple[int, int, tuple[str, ...]]]:
    """One (start, end, labels) mark per run of overlapping spans, each widened to whole words, labels sorted."""
    return display.marks(text, spans, whole_words)


def highlight(text: str, spans: list[tuple[int, int, str]], max_chars: int | None = None) -> str:
    """``text`` escaped, each run of overlapping (start, end, label) spans one <mark> naming every label."""
    return display.highlight(text, spans, names=FIELD_LABELS, widen=whole_words, max_chars=max_chars)


def record_html(record: Any, max_chars: int | None = None) -> str:
    """The description and address with evidence highlighted (cut at ``max_chars``: None shows them whole), then one
    row per field: value, evidence, method."""
    spans: dict[str, list[tuple[int, int, str]]] = {"description": [], "address": []}
    for field, items in (record.evidence or {}).items():
        for item in items:
            spans.setdefault(item.source, []).append((item.start, item.end, field))
    description = highlight(record.description, spans["description"], max_chars)
    out = ['<div class="kit-record">', "<b>Description</b>",
           f'<div class="kit-source-text kit-description">{description}</div>']
    if record.address:
        address = highlight(record.address, spans["address"], max_chars)
        out += ["<b>Address</b>", f'<div class="kit-source-text kit-address">{address}</div>']
    rows = []
    for field, label in FIELD_LABELS.items():
        value = getattr(record, field, None)
        quotes = " ".join(f'<q class="kit-evidence-quote">{esc(e.text)}</q>' for e in record.evidence.get(field, []))
        method = (record.method or {}).get(field, "")
        rows.append(f'<tr data-field="{field}"><td>{esc(label)}</td><td class="kit-value">{esc(display.shown(value))}</td>'
                    f'<td class="kit-evidence-cell">{quotes or "—"}</td><td>{esc(method)}</td></tr>')
    out.append('<table class="kit-table kit-fields"><colgroup><col style="width:14em"><col style="width:14em"><col>'
               '<col style="width:6em"></colgroup><thead><tr><th>Field</th><th>Value</th><th>Evidence (verbatim)</th>'
               f"<th>From</th></tr></thead><tbody>{''.join(rows)}</tbody></table>")
    for flag in record.flags or []:
        out.append(message(f"Check: {flag}", "warn"))
    out.append("</div>")
    return "".join(out)


def findings_html(findings: list, policies: Any) -> str:
    """The policy report: a summary line, then each finding with its rule id, paragraph and the record's evidence."""
    plan = "; ".join(getattr(policies, "plans", ())) or "the policies"
    synthetic = (" (a synthetic plan written for this demo, not real policy)"
                 if getattr(policies, "synthetic", False) else "")
    total = len(policies) if hasattr(policies, "__len__") else "the"
    if not findings:
        return message(f"No rule of {plan}{synthetic} fires on this application ({total} rules checked). "
                       "A person still decides.", "ok")
    noun = "finding" if len(findings) == 1 else "findings"
    out = [message(f"{len(findings)} {noun} from {total} rules of {plan}{synthetic}.", "info")]
    for finding in findings:
        evidence = ", ".join(f'<q class="kit-evidence-quote">{esc(e.text)}</q>' for e in finding.evidence)
        out.append(
            f'<div class="kit-finding kit-{esc(finding.severity)}" data-rule="{esc(finding.rule_id)}">'
            f'<span class="kit-severity">{esc(finding.severity)}</span><b>{esc(finding.title)}</b> '
            f'<span class="kit-rule-id">[{esc(finding.rule_id)}]</span>'
            f'<div class="kit-finding-message">{esc(finding.message)}</div>'
            f'<blockquote class="kit-paragraph"><b>{esc(finding.policy)}:</b> {esc(finding.paragraph)}</blockquote>'
            f'<div class="kit-finding-evidence">Evidence from the application: {evidence or "none quoted"}</div>'
            "</div>")
    return "".join(out)


def comments_html(analysis: Any) -> str:
    """Stance counts with the majority and minority views, then each theme's view and its verbatim quotes."""
    counts = analysis.stance_counts
    total = sum(counts.values())
    minority = ", ".join(f"{s} {n}" for s, n in analysis.minority.items()) or "none"
    source = "found in the comments" if analysis.discovered else "from the theme list"
    out = [message(f"{total} comments: most {analysis.majority} ({counts[analysis.majority]}); "
                   f"other views: {minority}. Themes {source}.", "info")]
    for line in analysis.skipped:
        out.append(message(f"Not analysed: {line}.", "warn"))
    for note in analysis.notes:
        out.append(message(note, "warn"))
    rows = []
    for theme in analysis.themes:
        quotes = "".join(
            f'<div class="kit-quote" data-comment="{esc(q.comment_id)}">'
            f'<span class="kit-stance">{esc(q.stance)}</span> '
            f"({esc(q.comment_id)}): <q>{esc(q.text)}</q></div>" for q in theme.quotes)
        rows.append(f'<tr data-theme="{esc(theme.id)}"><td>{esc(theme.name)}</td><td>{theme.count}</td>'
                    f"<td>{esc(theme.view())}</td><td>{quotes}</td></tr>")
    if rows:
        out.append('<table class="kit-table kit-themes"><colgroup><col style="width:13em"><col style="width:5em">'
                   '<col style="width:16em"><col></colgroup><thead><tr><th>Theme</th><th>Count</th><th>Views</th>'
                   f"<th>Quotes (verbatim)</th></tr></thead><tbody>{''.join(rows)}</tbody></table>")
    else:
        out.append(message("No theme was found in two or more comments.", "warn"))
    if analysis.unthemed:
        out.append(message(f"{len(analysis.unthemed)} comments fit no theme: {', '.join(analysis.unthemed)}.", "info"))
    return "".join(out)


def page(record: Any) -> str:
    """A record as the app shows it, with the app's styles, its texts cut at ``kit.display.options.max_chars``."""
    title = f"<p><b>{esc(record.reference)}</b></p>" if record.reference else ""
    body = record_html(record, display.options.max_chars)
    return f'{KIT_STYLE}{STYLE}<div class="kit-app kit-planning-app kit-result">{title}{body}</div>'


def show(record: Any):
    """Display a record in a notebook as the app shows it (an IPython HTML object)."""
    return display.html(page(record))
