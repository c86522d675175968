"""What a translation returns: one :class:`SegmentResult` per segment inside a :class:`Translation`."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path

from kit.translate.errors import TranslationError, UnsupportedFormatError
from kit.translate.formats import format_for


@dataclass(frozen=True)
class SegmentResult:
    """One translated segment, with the checks that were run on it."""

    index: int
    kind: str  # heading, paragraph, list_item, table_cell, quote
    source: str
    translation: str
    flags: tuple[str, ...]
    detected_language: str | None
    back_translation_chrf: float | None
    length_ratio: float
    needs_review: bool
    back_translation: str | None = None
    unit: int = 0  # which paragraph, heading, list item or cell of the document it belongs to


@dataclass(frozen=True)
class Translation:
    """A translated document: its text, its segments and their flags, and how to save it."""

    source_language: str
    target_language: str
    format: str  # text, markdown or docx
    text: str  # the translated document (a plain-text rendering for docx)
    segments: tuple[SegmentResult, ...]
    seconds: float = 0.0
    docx_bytes: bytes | None = field(default=None, repr=False, compare=False)

    @property
    def flagged(self) -> int:
        """How many segments need review."""
        return sum(segment.needs_review for segment in self.segments)

    def to_frame(self):
        """One row per segment (polars DataFrame)."""
        import polars as pl

        schema = {
            "index": pl.Int64, "unit": pl.Int64, "kind": pl.Utf8, "source": pl.Utf8, "translation": pl.Utf8,
            "flags": pl.List(pl.Utf8), "detected_language": pl.Utf8, "back_translation": pl.Utf8,
            "back_translation_chrf": pl.Float64, "length_ratio": pl.Float64, "needs_review": pl.Boolean,
        }
        rows = [{**asdict(segment), "flags": list(segment.flags)} for segment in self.segments]
        return pl.DataFrame(rows, schema=schema) if rows else pl.DataFrame(schema=schema)

    def to_bytes(self) -> bytes:
        """The translated document in its input format: UTF-8 text/Markdown, or .docx bytes."""
        if self.format == "docx":
            if self.docx_bytes is None:
                raise TranslationError("This .docx translation holds no document; translate the file again "
                                       "with translate_file or translate_bytes.")
            return self.docx_bytes
        return self.text.encode("utf-8")

    def save(self, path: str | Path) -> Path:
        """Write the translated document to ``path`` (its extension must suit the format); returns the path."""
        path = Path(path)
        wanted = format_for(path)
        if (wanted == "docx") != (self.format == "docx"):
            raise UnsupportedFormatError(
                f"This is a {self.format} translation; save it with a "
                f"{'.docx' if self.format == 'docx' else '.txt or .md'} extension, not {path.suffix!r}."
            )
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(self.to_bytes())
        return path

    def __repr__(self) -> str:
        return (f"<Translation {self.source_language}->{self.target_language} {self.format}: "
                f"{len(self.segments)} segments, {self.flagged} flagged>")
