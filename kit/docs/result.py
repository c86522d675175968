"""What a grounded answer returns: the text, its citations and quotes, and whether they were checked."""

from __future__ import annotations

from dataclasses import dataclass

from kit.docs.sections import Hit


@dataclass(frozen=True)
class Citation:
    """Where an answer comes from: a section, shown as "document § heading"."""

    section_id: str
    document: str
    heading: str

    def __str__(self) -> str:
        return f"{self.document} \u00a7 {self.heading}" if self.heading else self.document


@dataclass(frozen=True)
class Quote:
    """A quoted span and its section; ``found`` is the verbatim check (kit.grounding.locate)."""

    text: str
    section_id: str
    found: bool


@dataclass(frozen=True)
class GroundedAnswer:
    """An answer from documents: grounded when every quote is verbatim in its cited section."""

    text: str
    citations: tuple[Citation, ...]
    quotes: tuple[Quote, ...]
    grounded: bool
    abstained: bool
    reason: str  # why it abstained, or how it was checked
    hits: tuple[Hit, ...]

    def markdown(self) -> str:
        """The answer, its quotes and citations as Markdown (what a notebook or app shows)."""
        lines = [f"**{self.text}**", ""]
        lines += [f"> {q.text}  \n> \u2014 `{q.section_id}`" + ("" if q.found else " (NOT FOUND in the section)")
                  for q in self.quotes]
        if self.citations:
            lines += ["", "Sources: " + "; ".join(str(c) for c in self.citations)]
        return "\n".join(lines)
