"""Consultation analysis per application: one analysis each, and its stance counts beside the labels."""

from __future__ import annotations

from typing import Any

from kit.errors import InputError
from kit.model import ChatModel
from kit.planning.comments.analyse import analyse_comments
from kit.planning.comments.result import STANCES, CommentAnalysis

_GROUP = "_application_group"  # the grouping key, beside the published column so no row's text is changed


def analyse_by_application(model: ChatModel | None, comments: Any, themes: Any = None,
                           **options: Any) -> dict[str, CommentAnalysis]:
    """One ``analyse_comments`` per application (the ``application`` column), in the order they first appear.

    Comments on different applications are never counted together: each application gets its own stance
    counts, themes, majority and minority views. An entirely empty row belongs to the application above it
    (where its analysis lists it in ``skipped``); a comment with no application is under "(no application)".
    ``themes`` and ``options`` (seed, method, progress) are passed on to each call.

    Raises:
        InputError: the table has no ``application`` column, or an application has no comment with text.
    """
    import polars as pl

    columns = list(getattr(comments, "columns", None) or [])
    if "application" not in columns:
        raise InputError("analyse_by_application needs a table with an 'application' column (read the CSV with "
                         "kit.planning.read_comments); for comments on one application use analyse_comments.")
    cells = [pl.col(c).cast(pl.Utf8).fill_null("").str.strip_chars() for c in columns if c != "line"]
    blank = pl.all_horizontal([cell == "" for cell in cells])
    application = pl.col("application").cast(pl.Utf8).fill_null("").str.strip_chars()
    grouped = comments.with_columns(
        pl.when(blank).then(None).otherwise(application).forward_fill().backward_fill().fill_null("").alias(_GROUP))
    analyses = {}
    for (name,), group in grouped.group_by(_GROUP, maintain_order=True):
        key = name or "(no application)"
        try:
            analyses[key] = analyse_comments(model, group.drop(_GROUP), themes, **options)
        except InputError as exc:
            raise InputError(f"Application {key}: {exc}") from None
    if not analyses:
        raise InputError("There are no comments to analyse (the table is empty).")
    return analyses


def application_table(analyses: dict[str, CommentAnalysis], labels: Any = None):
    """One row per application: comments, the stance counts found, the majority; with ``labels`` (a table with
    application, comment_id, stance, as in the comments CSV) also the labelled counts and stance accuracy.

    Accuracy is ``correct`` over ``labelled``, the comments that have a label.
    """
    import polars as pl

    truth: dict[tuple[str, str], str] = {}
    if labels is not None:
        if "stance" not in labels.columns:
            raise InputError(f"The labels have no 'stance' column; found {', '.join(labels.columns)}.")
        truth = {(str(r.get("application") or "").strip(), str(r["comment_id"])): r["stance"]
                 for r in labels.select("application", "comment_id", "stance").to_dicts()}
    rows = []
    for application, analysis in analyses.items():
        row: dict[str, Any] = {"application": application, "comments": len(analysis.comments),
                               **analysis.stance_counts, "majority": analysis.majority}
        if labels is not None:
            pairs = [(c.stance, truth[(c.application, c.comment_id)]) for c in analysis.comments
                     if (c.application, c.comment_id) in truth]
            row |= {f"labelled_{s}": sum(label == s for _, label in pairs) for s in STANCES}
            correct = sum(found == label for found, label in pairs)
            row |= {"labelled": len(pairs), "correct": correct,
                    "stance_accuracy": round(correct / len(pairs), 3) if pairs else None}
        rows.append(row)
    schema = {"application": pl.Utf8, "comments": pl.Int64, **{s: pl.Int64 for s in STANCES}, "majority": pl.Utf8}
    if labels is not None:
        schema |= {**{f"labelled_{s}": pl.Int64 for s in STANCES}, "labelled": pl.Int64, "correct": pl.Int64,
                   "stance_accuracy": pl.Float64}
    return pl.DataFrame(rows, schema=schema)


def themes_table(analyses: dict[str, CommentAnalysis]):
    """Every application's themes in one table: its ``themes_frame()`` rows with the application first."""
    import polars as pl

    frames = [analysis.themes_frame().select(pl.lit(application).alias("application"), pl.all())
              for application, analysis in analyses.items()]
    return pl.concat(frames) if frames else pl.DataFrame(schema={"application": pl.Utf8})
