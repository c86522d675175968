"""What the minutes tool returns: decisions and actions, each tied to its transcript lines, and the exports.

Every item says where it came from (``source``: a named rule, or ``model``) and, per field, how each value
was found (``sources``), so a reader can tell the deterministic parts from the model's.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

RULE = "rule"
MODEL = "model"


@dataclass(frozen=True)
class Item:
    """A decision or an action, with the lines it came from and its verbatim quote."""

    kind: str  # "decision" or "action"
    text: str  # what was decided, or what is to be done
    lines: tuple[int, ...]
    quote: str  # the transcript's own words (checked with kit.grounding)
    source: str  # "rule: <which>" or "model"
    owner: str | None = None
    due: dt.date | None = None
    due_text: str | None = None
    sources: dict = field(default_factory=dict, compare=False, hash=False)  # field -> "rule" | "model" | "none"
    notes: tuple[str, ...] = ()

    @property
    def by_rule(self) -> bool:
        """Whether a deterministic rule found this item (rather than the model)."""
        return self.source.startswith(RULE)

    def where(self) -> str:
        """"line 12" or "lines 12-13"."""
        if len(self.lines) == 1:
            return f"line {self.lines[0]}"
        return f"lines {self.lines[0]}-{self.lines[-1]}"


@dataclass(frozen=True)
class Rejected:
    """A model item left out of the minutes, and why (its quote is not in the transcript, say)."""

    kind: str
    text: str
    quote: str
    reason: str
    chunk: int


@dataclass(frozen=True)
class Chunk:
    """One token-bounded window of the transcript that the model read."""

    index: int
    first_line: int
    last_line: int
    tokens: int


@dataclass(frozen=True)
class Minutes:
    """Minutes of one meeting, by the kit's template: attendees, summary, decisions, actions."""

    title: str
    date: dt.date | None
    attendees: tuple[str, ...]
    apologies: tuple[str, ...]
    summary: str
    summary_source: str  # "model", or "none" when the model was not used
    decisions: tuple[Item, ...]
    actions: tuple[Item, ...]
    transcript_name: str
    transcript_lines: int
    chunks: tuple[Chunk, ...] = ()
    rejected: tuple[Rejected, ...] = ()
    warnings: tuple[str, ...] = ()
    seconds: float = 0.0

    def to_frame(self):
        """One row per decision and action (polars DataFrame)."""
        import polars as pl

        rows = [{"kind": i.kind, "text": i.text, "owner": i.owner, "due": i.due, "lines": list(i.lines),
                 "quote": i.quote, "source": i.source} for i in (*self.decisions, *self.actions)]
        schema = {"kind": pl.Utf8, "text": pl.Utf8, "owner": pl.Utf8, "due": pl.Date, "lines": pl.List(pl.Int64),
                  "quote": pl.Utf8, "source": pl.Utf8}
        return pl.DataFrame(rows, schema=schema)

    def to_markdown(self) -> str:
        """The minutes as Markdown, each item followed by its lines and quote."""
        from kit.admin.minutes_export import markdown

        return markdown(self)

    def to_docx(self) -> bytes:
        """The minutes as a Word document (.docx bytes)."""
        from kit.admin.minutes_export import docx_bytes

        return docx_bytes(self)

    def save(self, path: str | Path) -> Path:
        """Write ``.md`` or ``.docx`` minutes to ``path``; returns the path."""
        from kit.admin.transcripts import TranscriptError

        path = Path(path)
        suffix = path.suffix.lower()
        if suffix not in (".md", ".docx"):
            raise TranscriptError(f"Minutes are saved as .md or .docx, not {path.suffix or 'no extension'!r}.")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(self.to_docx() if suffix == ".docx" else self.to_markdown().encode("utf-8"))
        return path

    def __repr__(self) -> str:
        return (f"<Minutes {self.title!r}: {len(self.attendees)} attendees, {len(self.decisions)} decisions, "
                f"{len(self.actions)} actions, {len(self.chunks)} chunks>")


def owner_or_blank(item: Item) -> str:
    """The owner, or "(no owner named)"."""
    return item.owner or "(no owner named)"


def due_or_blank(item: Item) -> str:
    """"Fri 14 Mar 2025 ("by Friday 14 March")", or "(no date)"."""
    if item.due is None:
        return "(no date)" if not item.due_text else f"(not a date: {item.due_text!r})"
    return f"{item.due:%a %d %b %Y}"

