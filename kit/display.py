"""Rich results in notebooks: what every result's ``_repr_html_`` shares (escaping, cutting long text, tables, marks).

Every text a model or a user wrote is escaped here, so a ``<script>`` in it renders as text. Texts longer than
``kit.display.options.max_chars`` (default 2000, or ``KIT_DISPLAY_MAX_CHARS``; 0 shows everything) are cut with a
note saying how many characters were left out. The styles are inline (no external assets).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from kit.errors import InputError
from kit.widgets.html import STYLE, esc

ENV = "KIT_DISPLAY_MAX_CHARS"
DEFAULT_MAX_CHARS = 2000

# What a notebook result adds to the apps' shared styles: a title, two-column tables, marks.
RESULT_STYLE = """
<style>
.kit-result .kit-result-title { font-weight: 600; margin: 0.3em 0; }
.kit-result .kit-table.kit-fields-table { width: auto; min-width: 24em; max-width: 100%; table-layout: auto; }
.kit-result .kit-fields-table th { width: 12em; }
.kit-result mark.kit-evidence, .kit-result mark.kit-placeholder { background: #ffdd00; color: #0b0c0c;
  padding: 0 0.1em; border-radius: 2px; }
.kit-result .kit-marked-text { padding: 0.5em 0.8em; border-left: 4px solid #b1b4b6; margin: 0.4em 0;
  white-space: pre-wrap; }
</style>
"""


def _limit(value: Any, where: str) -> int:
    """A character limit from the user: a whole number, 0 for no limit."""
    try:
        limit = int(str(value).strip())
    except ValueError:
        limit = -1
    if limit < 0:
        raise InputError(f"{where} must be a whole number of characters (0 shows everything), not {value!r}.")
    return limit


class Options:
    """Display settings a notebook can change, e.g. ``kit.display.options.max_chars = 5000``."""

    def __init__(self) -> None:
        self._max_chars: int | None = None

    @property
    def max_chars(self) -> int:
        """The longest text shown whole (0: no limit); set it to None to go back to ``KIT_DISPLAY_MAX_CHARS``/2000."""
        if self._max_chars is not None:
            return self._max_chars
        raw = os.environ.get(ENV, "").strip()
        return _limit(raw, ENV) if raw else DEFAULT_MAX_CHARS

    @max_chars.setter
    def max_chars(self, value: int | None) -> None:
        self._max_chars = None if value is None else _limit(value, "kit.display.options.max_chars")

    def __repr__(self) -> str:
        return f"Options(max_chars={self.max_chars})"


options = Options()


def cut_note(left_out: int) -> str:
    """The words that end a cut text."""
    return f"… ({left_out} more characters; kit.display.options.max_chars)"


def clip(text: Any, limit: int | None = None) -> str:
    """``text`` as a string, cut after ``limit`` characters (default ``options.max_chars``; 0: never) with a note."""
    text = "" if text is None else str(text)
    limit = options.max_chars if limit is None else limit
    if not limit or len(text) <= limit:
        return text
    return text[:limit] + cut_note(len(text) - limit)


def text(value: Any, limit: int | None = None) -> str:
    """``value`` cut (:func:`clip`) and HTML-escaped: what every model or user text goes through."""
    return esc(clip(value, limit))


def shown(value: Any) -> str:
    """A value as a person reads it: "—" for nothing, yes/no, lists joined, floats to 4 significant figures."""
    if value is None or value == [] or value == ():
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, Mapping):
        return "; ".join(f"{key}: {shown(item)}" for key, item in value.items()) or "—"
    if isinstance(value, (list, tuple, set, frozenset)):
        return ", ".join(shown(item) for item in value)
    return str(value)


def table(rows: Iterable[Iterable[Any]], header: Iterable[str] = (), css: str = "") -> str:
    """A table of escaped, cut cells; a row's first cell is its heading (``<th>``) when there is no header."""
    head = "".join(f"<th>{esc(name)}</th>" for name in header)
    body = []
    for row in rows:
        cells = [text(shown(cell)) for cell in row]
        if not head and cells:
            body.append(f"<tr><th>{cells[0]}</th>" + "".join(f"<td>{c}</td>" for c in cells[1:]) + "</tr>")
        else:
            body.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    thead = f"<thead><tr>{head}</tr></thead>" if head else ""
    return f'<table class="kit-table {esc(css)}">{thead}<tbody>{"".join(body)}</tbody></table>'


def fields(values: Mapping[str, Any], title: str = "", css: str = "") -> str:
    """A titled two-column table: one row per field (its name with spaces for underscores) and its value."""
    rows = [(name.replace("_", " "), value) for name, value in values.items()]
    heading = f'<div class="kit-result-title">{esc(title)}</div>' if title else ""
    return heading + table(rows, css=f"kit-fields-table {css}".strip())


def sections(values: Mapping[str, Any], title: str = "") -> str:
    """One titled table per section (a mapping inside ``values``); the other values in a first table."""
    loose = {name: value for name, value in values.items() if not isinstance(value, Mapping)}
    parts = [f'<div class="kit-result-title">{esc(title)}</div>'] if title else []
    parts += [fields(loose)] if loose else []
    parts += [fields(value, name) for name, value in values.items() if isinstance(value, Mapping)]
    return "".join(parts)


def marks(text: str, spans: Iterable[tuple[int, int, str]],
          widen: Callable[[str, int, int], tuple[int, int]] | None = None) -> list[tuple[int, int, tuple[str, ...]]]:
    """One (start, end, labels) mark per run of overlapping spans (each widened first, if ``widen``), labels sorted."""
    merged: list[tuple[int, int, set[str]]] = []
    spans = ((*(widen(text, s, e) if widen else (s, e)), label) for s, e, label in spans if s < e)
    for start, end, label in sorted(spans):
        if merged and start < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end), merged[-1][2] | {label})
        else:
            merged.append((start, end, {label}))
    return [(start, end, tuple(sorted(labels))) for start, end, labels in merged]


def highlight(text: str, spans: Iterable[tuple[int, int, str]], *, names: Mapping[str, str] | None = None,
              css: str = "kit-evidence", widen: Callable[[str, int, int], tuple[int, int]] | None = None,
              max_chars: int | None = None) -> str:
    """``text`` escaped, each run of overlapping spans one ``<mark>`` naming every label (``names``: label -> words).

    ``max_chars`` cuts the text there (None: the whole text), marks included, and ends it with :func:`cut_note`.
    """
    names = names or {}
    end_at = len(text) if not max_chars else min(len(text), max_chars)
    parts, at = [], 0
    for start, end, labels in marks(text, spans, widen):
        if start >= end_at:
            break
        end = min(end, end_at)
        words = ", ".join(names.get(label, label) for label in labels)
        parts.append(f'{esc(text[at:start])}<mark class="{esc(css)}" data-fields="{esc(" ".join(labels))}" '
                     f'title="{esc(words)}">{esc(text[start:end])}</mark>')
        at = end
    parts.append(esc(text[at:end_at]))
    if end_at < len(text):
        parts.append(esc(cut_note(len(text) - end_at)))
    return "".join(parts)


def wrap(body: str, css: str = "", style: str = "") -> str:
    """A notebook result: the kit's inline styles (no external assets) and ``body`` in one ``kit-result`` block."""
    return f'{STYLE}{RESULT_STYLE}{style}<div class="kit-app kit-result {esc(css)}">{body}</div>'


def html(markup: str):
    """``markup`` as an IPython display object (what ``show()`` methods return)."""
    from IPython.display import HTML

    return HTML(markup)
