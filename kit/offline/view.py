"""How the offline assistant shows things: the tier banner, the answer with its citations, the outbox."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from kit import display
from kit.widgets.html import esc

# tier -> (colour class, headline). Green: the central server; amber: this computer's model; red: no model.
TIERS = {
    "primary": ("green", "Primary server is answering"),
    "local": ("amber", "Local model on this computer is answering (the primary server cannot be reached)"),
    "retrieval": ("red", "Retrieval only: no model can run, so answers are the guidance's own sentences"),
    "cards": ("red", "Action cards only: search cannot run, so answers are the pre-printed steps"),
    "unknown": ("grey", "Not asked yet"),
}

STYLE = """
<style>
.kit-banner { padding: 0.6em 0.9em; margin: 0.4em 0; border-radius: 3px; font-weight: 600; color: #fff; }
.kit-banner small { display: block; font-weight: 400; margin-top: 0.2em; }
.kit-banner-green { background: #00703c; }
.kit-banner-amber { background: #ffdd00; color: #0b0c0c; }
.kit-banner-red { background: #d4351c; }
.kit-banner-grey { background: #505a5f; }
.kit-answer-text { font-size: 1.1em; margin: 0.4em 0; white-space: pre-wrap; }
.kit-quote { border-left: 4px solid #b1b4b6; margin: 0.3em 0; padding: 0.2em 0.8em; color: #0b0c0c; }
.kit-citation { margin: 0.25em 0; }
.kit-citation summary { cursor: pointer; color: #1d70b8; text-decoration: underline; }
.kit-section-text { white-space: pre-wrap; background: #f3f2f1; padding: 0.5em 0.8em; margin-top: 0.3em; }
.kit-outbox-list { margin: 0.3em 0; padding-left: 1.4em; }
.kit-tag { display: inline-block; border-radius: 3px; padding: 0.05em 0.4em; font-size: 0.85em; color: #fff; }
.kit-tag-ok { background: #00703c; } .kit-tag-no { background: #d4351c; }
</style>
"""


# The lines shown are the closest the search found, so the banner says that (never "nothing close").
NOT_ASKED = ("Retrieval only for this question: the model was not asked, as no section holds enough of the "
             "question's words; below are the closest lines found in the guidance")


def banner_html(tier: str, skipped: tuple[str, ...] = (), note: str = "") -> str:
    """The coloured line saying which tier serves, with the reasons the higher tiers were skipped."""
    colour, headline = TIERS.get(tier, TIERS["unknown"])
    if tier == "retrieval" and any("not asked" in reason for reason in skipped):
        headline = NOT_ASKED  # the model tiers may be fine: say so rather than "no model can run"
    reasons = "".join(f"<small>{esc(reason)}</small>" for reason in skipped)
    extra = f"<small>{esc(note)}</small>" if note else ""
    return (f'<div class="kit-banner kit-banner-{colour}" data-tier="{esc(tier)}" role="status">'
            f"{esc(headline)}{reasons}{extra}</div>")


def citation_html(citation: Any, store: Any) -> str:
    """A citation that opens (a <details> element, no server round trip) to show the section's text (no store: the
    label alone)."""
    label = f"{citation.document} § {citation.heading}" if citation.heading else citation.document
    if store is None:
        return f'<div class="kit-citation" data-section="{esc(citation.section_id)}">{esc(label)}</div>'
    try:
        text = store.section(citation.section_id).text
    except Exception:  # the index changed since the answer: say so rather than fail
        text = "(This section is no longer in the documents folder.)"
    return (f'<details class="kit-citation" data-section="{esc(citation.section_id)}">'
            f"<summary>{esc(label)}</summary><div class=\"kit-section-text\">{esc(text)}</div></details>")


def answer_html(answer: Any, store: Any) -> str:
    """The answer: its text (or the escalation), the quoted spans, and the citations."""
    parts = []
    if answer.abstained and answer.escalate:
        parts.append(f'<div class="kit-message kit-warn">{esc(answer.escalate)}</div>')
    if answer.text and answer.text != answer.escalate:
        parts.append(f'<div class="kit-answer-text">{esc(answer.text)}</div>')
    if answer.abstained:
        tag = '<span class="kit-tag kit-tag-no">no answer given: below are the closest lines of the guidance</span>'
    elif answer.grounded:
        tag = '<span class="kit-tag kit-tag-ok">grounded: every quote found in its section</span>'
    else:
        tag = '<span class="kit-tag kit-tag-no">not grounded: check the sections below</span>'

    if answer.tier != "cards":
        parts.append(f"<div>{tag} <span class=\"kit-score\">{answer.latency_s:.1f} s</span></div>")
    for quote in answer.quotes:
        parts.append(f'<blockquote class="kit-quote" data-section="{esc(quote.section_id)}">{esc(quote.text)}'
                     "</blockquote>")
    if answer.citations:
        parts.append("<div><b>Sources</b> (click to read the section)</div>")
        parts.extend(citation_html(citation, store) for citation in answer.citations)
    return "".join(parts)


def page(answer: Any) -> str:
    """An answer in a notebook: the tier banner, then the answer (or its abstention), quotes and citations, each
    text cut at ``kit.display.options.max_chars``."""
    cut = replace(answer, text=display.clip(answer.text),
                  quotes=tuple(replace(q, text=display.clip(q.text)) for q in answer.quotes))
    return display.wrap(banner_html(answer.tier, tuple(answer.skipped), answer.reason) + answer_html(cut, None),
                        "kit-offline-answer", STYLE)


def outbox_html(pending: list[Any], delivered: list[Any], destination: str) -> str:
    """The queue length, the waiting entries, and the last few delivered."""
    waiting = "".join(f"<li>{esc(entry.payload.get('text', ''))} <span class=\"kit-score\">{esc(entry.created)}"
                      "</span></li>" for entry in pending)
    sent = "".join(f"<li>{esc(entry.payload.get('text', ''))} <span class=\"kit-score\">sent {esc(entry.delivered)}"
                   "</span></li>" for entry in delivered[-3:])
    noun = "entry" if len(pending) == 1 else "entries"
    return (f'<div class="kit-outbox" data-pending="{len(pending)}"><b>Outbox: {len(pending)} {noun} waiting to '
            f"send</b> to {esc(destination)}"
            + (f'<ol class="kit-outbox-list">{waiting}</ol>' if waiting else "")
            + (f'<div>Recently sent:</div><ul class="kit-outbox-list">{sent}</ul>' if sent else "") + "</div>")
