"""A small HTML view of a PlanningRecord: the description and address with each field's evidence highlighted."""

from __future__ import annotations

import html

from kit.planning.record import FIELDS, PlanningRecord


def _marked(text: str, spans: list[tuple[int, int, str]]) -> str:
    """``text`` with every evidence span marked; where spans overlap, the mark names every field."""
    cuts = sorted({0, len(text), *(s for s, _, _ in spans), *(e for _, e, _ in spans)})
    out = []
    for start, end in zip(cuts, cuts[1:]):
        piece = html.escape(text[start:end])
        fields = sorted({field for s, e, field in spans if s <= start and end <= e})
        if fields:
            piece = f'<mark title="{html.escape(", ".join(fields))}" style="background:#ffdd00">{piece}</mark>'
        out.append(piece)
    return "".join(out)


def record_html(record: PlanningRecord) -> str:
    """HTML: the texts with evidence marked (hover for the field), a table of values and methods, the flags."""
    spans = {"description": [], "address": []}
    for field, items in record.evidence.items():
        for ev in items:
            spans.setdefault(ev.source, []).append((ev.start, ev.end, field))
    rows = "".join(
        f"<tr><td>{name}</td><td>{html.escape(str(getattr(record, name)))}</td>"
        f"<td>{record.method.get(name, 'none')}</td>"
        f"<td>{' | '.join(html.escape(e.text) for e in record.evidence.get(name, []))}</td></tr>" for name in FIELDS)
    flags = "".join(f"<li>{html.escape(flag)}</li>" for flag in record.flags) or "<li>none</li>"
    return (f"<div class='kit-planning'><p><b>{html.escape(record.reference or '')}</b> "
            f"{_marked(record.description, spans['description'])}</p>"
            f"<p><i>{_marked(record.address or '(no address)', spans['address'] if record.address else [])}</i></p>"
            f"<table><tr><th>field</th><th>value</th><th>method</th><th>evidence</th></tr>{rows}</table>"
            f"<p>Flags:</p><ul>{flags}</ul></div>")


def show(record: PlanningRecord):
    """Display a record in a notebook (an IPython HTML object)."""
    from IPython.display import HTML

    return HTML(record_html(record))
