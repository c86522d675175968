"""What the minutes tool returns: one :class:`Minutes` (attendees, summary, decisions, actions) and its exports."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from kit.admin.minutes.export import docx_bytes, markdown
from kit.admin.minutes.items import Chunk, Item, Rejected
from kit.admin.minutes.transcripts import TranscriptError


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
        return markdown(self)

    def to_docx(self) -> bytes:
        """The minutes as a Word document (.docx bytes)."""
        return docx_bytes(self)

    def save(self, path: str | Path) -> Path:
        """Write ``.md`` or ``.docx`` minutes to ``path``; returns the path."""
        path = Path(path)
        suffix = path.suffix.lower()
        if suffix not in (".md", ".docx"):
            raise TranscriptError(f"Minutes are saved as .md or .docx, not {path.suffix or 'no extension'!r}.")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(self.to_docx() if suffix == ".docx" else self.to_markdown().encode("utf-8"))
        return path

    def _repr_html_(self) -> str:
        """A notebook shows the minutes as the app does: details, summary, decisions and actions with their lines."""
        from kit.admin.minutes.view import page

        return page(self)

    def __repr__(self) -> str:
        return (f"<Minutes {self.title!r}: {len(self.attendees)} attendees, {len(self.decisions)} decisions, "
                f"{len(self.actions)} actions, {len(self.chunks)} chunks>")

