"""What consultation analysis returns: per comment, per theme (with quotes and views), and overall counts."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

STANCES = ("object", "support", "neutral")


@dataclass(frozen=True)
class Quote:
    """A verbatim span of one comment, checked with kit.grounding; ``start``/``end`` index that comment."""

    comment_id: str
    stance: str
    text: str
    start: int
    end: int


@dataclass(frozen=True)
class CommentReading:
    """One comment: its stance and themes, and how each was decided ("lexicon" or "model")."""

    application: str
    comment_id: str
    text: str
    stance: str
    themes: tuple[str, ...]
    stance_method: str
    themes_method: str
    line: int | None = None  # the CSV line it came from, when it came from a file


@dataclass(frozen=True)
class ThemeSummary:
    """A theme: how many comments raise it, by stance, the majority and minority views, and its quotes."""

    id: str
    name: str
    comment_ids: tuple[str, ...]
    stances: dict[str, int]
    quotes: tuple[Quote, ...]

    @property
    def count(self) -> int:
        """How many comments raise the theme."""
        return len(self.comment_ids)

    @property
    def majority(self) -> str:
        """The stance most of the theme's comments take (ties: object, support, neutral in that order)."""
        return max(STANCES, key=lambda s: (self.stances.get(s, 0), -STANCES.index(s)))

    @property
    def minority(self) -> dict[str, int]:
        """The other stances taken on the theme, with their counts (only those someone took)."""
        return {s: n for s in STANCES if s != self.majority and (n := self.stances.get(s, 0))}

    def view(self) -> str:
        """One line: e.g. "14 comments: object 11, minority support 3"."""
        noun = "comment" if self.count == 1 else "comments"
        minority = ", ".join(f"{s} {n}" for s, n in self.minority.items())
        return (f"{self.count} {noun}: {self.majority} {self.stances.get(self.majority, 0)}"
                + (f"; minority {minority}" if minority else "; no minority view"))


@dataclass(frozen=True)
class CommentAnalysis:
    """The analysis of a set of comments: readings, themes, stance counts, and the rows that were skipped."""

    comments: tuple[CommentReading, ...]
    themes: tuple[ThemeSummary, ...]
    discovered: bool  # True: themes found in the comments; False: from a given list
    method: str
    seed: int | None
    skipped: tuple[str, ...] = ()  # rows not analysed and why (e.g. "line 5: the text is empty")
    notes: tuple[str, ...] = ()  # e.g. discovered themes dropped for want of a verbatim quote

    @property
    def stance_counts(self) -> dict[str, int]:
        """How many comments take each stance (every stance listed, zero included)."""
        counts = Counter(c.stance for c in self.comments)
        return {s: counts.get(s, 0) for s in STANCES}

    @property
    def majority(self) -> str:
        """The stance most comments take."""
        counts = self.stance_counts
        return max(STANCES, key=lambda s: (counts[s], -STANCES.index(s)))

    @property
    def minority(self) -> dict[str, int]:
        """The other stances, with counts."""
        return {s: n for s, n in self.stance_counts.items() if s != self.majority and n}

    @property
    def unthemed(self) -> tuple[str, ...]:
        """Comments that no theme holds: listed, never hidden in a catch-all theme."""
        held = {cid for theme in self.themes for cid in theme.comment_ids}
        return tuple(c.comment_id for c in self.comments if c.comment_id not in held)

    def theme(self, theme_id: str) -> ThemeSummary:
        """The summary of one theme by id."""
        for theme in self.themes:
            if theme.id == theme_id:
                return theme
        raise KeyError(f"No theme {theme_id!r}; the themes are {[t.id for t in self.themes]}.")

    def to_frame(self):
        """One row per comment: application, comment_id, stance, themes (; joined), methods, text."""
        import polars as pl

        return pl.DataFrame(
            [{"application": c.application, "comment_id": c.comment_id, "stance": c.stance,
              "themes": ";".join(c.themes), "stance_method": c.stance_method, "themes_method": c.themes_method,
              "text": c.text} for c in self.comments],
            schema={"application": pl.Utf8, "comment_id": pl.Utf8, "stance": pl.Utf8, "themes": pl.Utf8,
                    "stance_method": pl.Utf8, "themes_method": pl.Utf8, "text": pl.Utf8})

    def themes_frame(self):
        """One row per theme: id, name, count, object/support/neutral counts, majority view, first quote."""
        import polars as pl

        rows = [{"theme": t.id, "name": t.name, "comments": t.count, **{s: t.stances.get(s, 0) for s in STANCES},
                 "majority": t.majority, "quote": t.quotes[0].text if t.quotes else ""} for t in self.themes]
        schema = {"theme": pl.Utf8, "name": pl.Utf8, "comments": pl.Int64, **{s: pl.Int64 for s in STANCES},
                  "majority": pl.Utf8, "quote": pl.Utf8}
        return pl.DataFrame(rows, schema=schema)
