"""The loader's row report: every file read, every row that could not be read (file, line, why), duplicates."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class FileReport:
    """How one file was read."""

    path: str
    layout: str  # "applications", "delegated", "appeals" or "skipped"
    encoding: str
    header_line: int
    rows: int  # data rows kept
    unreadable: int  # rows reported and not kept
    note: str = ""


@dataclass(frozen=True)
class RowProblem:
    """One row the loader could not read fully: ``kept`` says whether it is still in the table."""

    file: str
    line: int
    why: str
    kept: bool


@dataclass
class LoadReport:
    """Everything the loader did not read cleanly; ``str(report)`` gives a readable summary."""

    files: list[FileReport] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)
    duplicates: dict[str, list[str]] = field(default_factory=dict)  # reference -> ["file:line", ...]
    conflicts: list[str] = field(default_factory=list)  # duplicates whose published values disagree
    applications: int = 0  # rows in the returned table (after duplicates are merged)

    @property
    def rows(self) -> int:
        """Rows kept across all files (before duplicates are merged)."""
        return sum(f.rows for f in self.files)

    @property
    def unreadable(self) -> list[RowProblem]:
        """The rows that are not in the table."""
        return [p for p in self.problems if not p.kept]

    def to_frame(self):
        """One row per problem (polars DataFrame: file, line, why, kept)."""
        import polars as pl

        schema = {"file": pl.Utf8, "line": pl.Int64, "why": pl.Utf8, "kept": pl.Boolean}
        return pl.DataFrame([p.__dict__ for p in self.problems], schema=schema)

    def files_frame(self):
        """One row per file read (polars DataFrame)."""
        import polars as pl

        return pl.DataFrame([f.__dict__ for f in self.files])

    def __str__(self) -> str:
        lines = ["file | layout | encoding | header line | rows kept | rows not read | note",
                 "---|---|---|---|---|---|---"]
        for f in self.files:
            lines.append(f"{f.path} | {f.layout} | {f.encoding} | {f.header_line} | {f.rows} | {f.unreadable} "
                         f"| {f.note}")
        lines.append("")
        lines.append(f"{self.applications} rows in the table, from {self.rows} rows kept; "
                     f"{len(self.unreadable)} rows not read; "
                     f"{sum(p.kept for p in self.problems)} rows kept with a note; "
                     f"{len(self.duplicates)} references in more than one file (merged into one row each); "
                     f"{len(self.conflicts)} of them with disagreeing values.")
        for p in self.problems:
            lines.append(f"- {p.file}:{p.line} {'kept' if p.kept else 'NOT READ'}: {p.why}")
        for c in self.conflicts[:20]:
            lines.append(f"- conflict: {c}")
        if len(self.conflicts) > 20:
            lines.append(f"- ... and {len(self.conflicts) - 20} more conflicts (report.conflicts)")
        return "\n".join(lines)

    def _repr_markdown_(self) -> str:
        return str(self)
