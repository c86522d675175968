"""Measure consultation analysis on the labelled synthetic comments: stance accuracy, theme F1, stability.

The labels are the project's own (datasets/planning/comments, synthetic); the figures say how a method
does on that set, not on real consultations. Stability runs discovery with three seeds (sampled
decoding) and counts how many discovered themes differ from one run to the next.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from kit.errors import InputError
from kit.evaluation import spread
from kit.model import ChatModel
from kit.planning.comments.analyse import analyse_comments, read_comments
from kit.planning.comments.lexicon import THEMES
from kit.planning.comments.result import STANCES, CommentAnalysis
from kit.planning.data import comments_path


@dataclass(frozen=True)
class Scores:
    """Stance accuracy and theme precision/recall/F1 (micro, over comment-theme pairs) for one method."""

    method: str
    comments: int
    stance_accuracy: float
    theme_precision: float
    theme_recall: float
    theme_f1: float
    seconds: float
    model_share: float  # the share of stances the model decided (hybrid: where the lexicon had no cue)


def labelled(path: str | Path | None = None, limit: int | None = None):
    """The labelled comments (application, comment_id, text, stance, themes), the first ``limit`` per application."""
    frame = read_comments(path or comments_path())
    if limit is not None:
        frame = frame.group_by("application", maintain_order=True).head(limit)
    return frame.sort("line")


def sample(size: int | None = None, path: str | Path | None = None):
    """``size`` labelled comments spread evenly through the set, so each application gets its share (all: None)."""
    frame = labelled(path)
    if size is None:
        return frame
    if size < 1:
        raise InputError(f"size must be at least 1 (or None for all {frame.height} comments).")
    return frame[spread(range(frame.height), size)]


def score(analysis: CommentAnalysis, gold, seconds: float = 0.0) -> Scores:
    """Compare an analysis with the labels in ``gold`` (a frame with comment_id, stance, themes)."""
    truth = {row["comment_id"]: row for row in gold.to_dicts()}
    right = tp = fp = fn = 0
    for reading in analysis.comments:
        label = truth[reading.comment_id]
        right += reading.stance == label["stance"]
        expected = {t for t in (label.get("themes") or "").split(";") if t}
        got = set(reading.themes)
        tp, fp, fn = tp + len(got & expected), fp + len(got - expected), fn + len(expected - got)
    n = len(analysis.comments)
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    share = sum(r.stance_method == "model" for r in analysis.comments) / n if n else 0.0
    return Scores(analysis.method, n, right / n if n else 0.0, precision, recall, f1, seconds, share)


def evaluate(model: ChatModel | None, *, methods: Sequence[str] = ("lexicon", "model", "hybrid"),
             limit: int | None = None, path: str | Path | None = None):
    """Score each method with the given theme list; a polars DataFrame, one row per method."""
    import polars as pl

    gold = labelled(path, limit)
    rows = []
    for method in methods:
        started = time.perf_counter()
        analysis = analyse_comments(model, gold, THEMES, method=method)
        rows.append(score(analysis, gold, time.perf_counter() - started).__dict__)
    return pl.DataFrame(rows)


def stability(model: ChatModel | None, *, seeds: Sequence[int] = (1, 2, 3), method: str = "hybrid",
              limit: int | None = None, path: str | Path | None = None):
    """Discover themes once per seed; per run: the themes, how many differ from the previous run, stance agreement.

    Returns a polars DataFrame, one row per seed: seed, themes (; joined), changed (themes added plus
    removed against the previous seed's run; 0 for the first), stance_agreement (the share of comments
    whose stance matches the first run's).
    """
    import polars as pl

    gold = labelled(path, limit)
    runs = [analyse_comments(model, gold, None, seed=seed, method=method) for seed in seeds]
    rows = []
    first = {c.comment_id: c.stance for c in runs[0].comments}
    for i, (seed, run) in enumerate(zip(seeds, runs)):
        names = {t.id for t in run.themes}
        before = {t.id for t in runs[i - 1].themes} if i else names
        agree = sum(first[c.comment_id] == c.stance for c in run.comments) / len(run.comments)
        rows.append({"seed": seed, "method": method, "themes": ";".join(sorted(names)), "n_themes": len(names),
                     "changed": len(names ^ before), "stance_agreement": agree})
    return pl.DataFrame(rows)


def stance_table(analysis: CommentAnalysis):
    """Stance counts per application (a polars DataFrame), for a summary of several applications."""
    import polars as pl

    frame = analysis.to_frame()
    return (frame.group_by("application", maintain_order=True)
            .agg([(pl.col("stance") == s).sum().alias(s) for s in STANCES])
            .sort("application"))
