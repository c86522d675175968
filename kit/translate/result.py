"""What a translation returns: one :class:`SegmentResult` per segment inside a :class:`Translation`."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path

from kit.translate.errors import TranslationError, UnsupportedFormatError
from kit.translate.formats import format_for


TRANSLATED = "translated"  # the model's answer is in the document
NOT_TRANSLATED = "not_translated"  # no usable answer (see ``reason``): the original is kept in the document
UNCHANGED = "unchanged"  # nothing to translate (only numbers, codes or punctuation): kept as it was
STOPPED = "stopped"  # the reason of a segment not translated because the translation was stopped before it


@dataclass(frozen=True)
class SegmentResult:
    """One segment: what is in the document for it (``translation``), its status, and the checks on it.

    ``translation`` is the text the document holds: the model's translation, or the original when
    ``status`` is ``"not_translated"`` (``reason``: ``empty``, ``echo``, ``wrong_language``,
    ``model_error`` or ``stopped``; the unusable answer is in ``model_output``). The flags describe that text. ``error``
    holds the model's error, for a segment not translated or one whose back-translation check failed.
    """

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
    status: str = TRANSLATED
    reason: str | None = None
    model_output: str | None = None
    error: str | None = None

    @property
    def translated(self) -> bool:
        """Whether the document holds a translation of this segment (False: the original is kept)."""
        return self.status != NOT_TRANSLATED


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

    @property
    def not_translated(self) -> tuple[SegmentResult, ...]:
        """The segments with no usable translation (the document keeps their original text)."""
        return tuple(segment for segment in self.segments if segment.status == NOT_TRANSLATED)

    @property
    def stopped(self) -> int:
        """How many segments were not reached because the translation was stopped (0: it ran to the end)."""
        return sum(segment.reason == STOPPED for segment in self.segments)

    def review_summary(self) -> str:
        """The review note that ends the downloaded document: which segments were not translated, and why."""
        from kit.translate.review import review_text

        return review_text(self, markdown=self.format == "markdown")

    def to_frame(self):
        """One row per segment (polars DataFrame)."""
        import polars as pl

        schema = {
            "index": pl.Int64, "unit": pl.Int64, "kind": pl.Utf8, "source": pl.Utf8, "translation": pl.Utf8,
            "flags": pl.List(pl.Utf8), "detected_language": pl.Utf8, "back_translation": pl.Utf8,
            "back_translation_chrf": pl.Float64, "length_ratio": pl.Float64, "needs_review": pl.Boolean,
            "status": pl.Utf8, "reason": pl.Utf8, "model_output": pl.Utf8, "error": pl.Utf8,
        }
        rows = [{name: value for name, value in asdict(segment).items() if name in schema}
                | {"flags": list(segment.flags)} for segment in self.segments]
        return pl.DataFrame(rows, schema=schema) if rows else pl.DataFrame(schema=schema)

    def to_bytes(self) -> bytes:
        """The translated document in its input format: UTF-8 text/Markdown, or .docx bytes.

        When segments were not translated, the document keeps their original text and ends with a review
        note listing them (``review_summary()``; in a .docx, a last section headed "Translation review").
        """
        if self.format == "docx":
            if self.docx_bytes is None:
                raise TranslationError("This .docx translation holds no document; translate the file again "
                                       "with translate_file or translate_bytes.")
            return self.docx_bytes
        review = self.review_summary()
        if not review:
            return self.text.encode("utf-8")
        return (self.text.rstrip("\n") + "\n\n" + review).encode("utf-8")

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

    def _repr_html_(self) -> str:
        """A notebook shows the source and translation side by side, flags explained, not-translated rows marked."""
        from kit.translate.view import page

        return page(self)

    def __repr__(self) -> str:
        missing = len(self.not_translated)
        return (f"<Translation {self.source_language}->{self.target_language} {self.format}: "
                f"{len(self.segments)} segments, {self.flagged} flagged"
                f"{f', {missing} not translated' if missing else ''}>")
