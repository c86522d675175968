"""Scoring minutes against the reference minutes: action-item recall and precision, owner and due-date accuracy.

A predicted action matches a reference action when they cite a common transcript line (each reference is
matched at most once). Owner and due date are scored on the matched actions only; "no date" matches "no date".
Each meeting is in the tuning or the held-out split by a hash of its id (``kit.evaluation``; the dataset card);
every table and total names the split it scores.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kit.admin.minutes.build import minutes as make_minutes
from kit.evaluation import read_jsonl, sample_split, split_of
from kit.paths import datasets_dir


def dataset_dir() -> Path:
    """``datasets/admin/minutes`` in the repository."""
    return datasets_dir() / "admin" / "minutes"


def load_references(path: str | Path | None = None) -> list[dict]:
    """The reference minutes (one dict per transcript; ``file`` names it under ``transcripts/``)."""
    return read_jsonl(path or dataset_dir() / "references.jsonl", what="reference minutes",
                      required=("id", "file", "format", "actions", "decisions"),
                      fix="See datasets/admin/minutes/README.md for the fields each line needs.")


def sample_references(size: int | None = None, split: str | None = "held-out",
                      path: str | Path | None = None) -> list[dict]:
    """``size`` reference meetings spread evenly through ``split`` (held-out unless told; None or "all": every
    meeting); all of that split when ``size`` is None."""
    return sample_split(load_references(path), size, split)


def transcript_path(reference: dict) -> Path:
    """Where a reference's transcript file is."""
    return dataset_dir() / "transcripts" / reference["file"]


def score(result: Any, reference: dict) -> dict:
    """Counts for one transcript: reference actions, matched, owner and due correct, predicted, decisions found."""
    unused = list(result.actions)
    matched = owner_ok = due_ok = marked = marked_found = 0
    for ref in reference["actions"]:
        marked += bool(ref.get("marked"))
        hit = next((a for a in unused if set(a.lines) & set(ref["lines"])), None)
        if hit is None:
            continue
        unused.remove(hit)
        matched += 1
        marked_found += bool(ref.get("marked"))
        owner_ok += (hit.owner or "").casefold() == (ref["owner"] or "").casefold()
        due_ok += (hit.due.isoformat() if hit.due else None) == ref["due"]
    decisions = sum(any(set(d.lines) & set(ref["lines"]) for d in result.decisions) for ref in reference["decisions"])
    return {"id": reference["id"], "split": split_of([reference]), "format": reference["format"],
            "lines": result.transcript_lines, "chunks": len(result.chunks),
            "reference_actions": len(reference["actions"]), "matched": matched,
            "owner_correct": owner_ok, "due_correct": due_ok, "predicted_actions": len(result.actions),
            "marked_actions": marked, "marked_found": marked_found,
            "reference_decisions": len(reference["decisions"]), "decisions_found": decisions,
            "model_items": sum(not i.by_rule for i in (*result.actions, *result.decisions)),
            "rejected": len(result.rejected), "seconds": round(result.seconds, 2)}


def evaluate(model: Any, references: list[dict] | None = None, *, use_model: bool = True,
             done: dict[str, Any] | None = None, **options: Any):
    """Make minutes for each reference transcript and score them; returns (per-transcript table, totals dict).

    ``done`` maps reference ids to minutes already made (they are scored, not made again).
    """
    import polars as pl

    rows = []
    for reference in references if references is not None else load_references():
        result = (done or {}).get(reference["id"])
        if result is None:
            result = make_minutes(model, transcript_path(reference), use_model=use_model, **options)
        rows.append(score(result, reference))
    table = pl.DataFrame(rows)
    return table, totals(table)


def totals(table) -> dict:
    """Action recall and precision, owner and date accuracy (on matched actions), decision recall; ``meetings``
    and ``split`` say which meetings were scored."""
    s = {name: int(table[name].sum()) for name in ("reference_actions", "matched", "owner_correct", "due_correct",
                                                   "predicted_actions", "marked_actions", "marked_found",
                                                   "reference_decisions", "decisions_found")}
    unmarked = s["reference_actions"] - s["marked_actions"]
    return {
        "action_recall": s["matched"] / max(1, s["reference_actions"]),
        "action_precision": s["matched"] / max(1, s["predicted_actions"]),
        "owner_accuracy": s["owner_correct"] / max(1, s["matched"]),
        "due_accuracy": s["due_correct"] / max(1, s["matched"]),
        "marked_recall": s["marked_found"] / max(1, s["marked_actions"]),
        "unmarked_recall": (s["matched"] - s["marked_found"]) / max(1, unmarked),
        "decision_recall": s["decisions_found"] / max(1, s["reference_decisions"]),
        "meetings": table.height, "split": split_of(table.select("split").to_dicts()),
        **s,
    }


def plot_totals(named: dict[str, dict], title: str = "Minutes against the reference minutes"):
    """Grouped bars of the headline scores for several runs ({"rules only": totals, ...}); returns the figure."""
    import matplotlib.pyplot as plt
    import numpy as np

    metrics = ["action_recall", "action_precision", "owner_accuracy", "due_accuracy", "decision_recall"]
    fig, ax = plt.subplots(figsize=(7, 3.2))
    width = 0.8 / max(1, len(named))
    for k, (name, values) in enumerate(named.items()):
        ax.bar(np.arange(len(metrics)) + k * width, [values[m] for m in metrics], width=width, label=name)
    ax.set_xticks(np.arange(len(metrics)) + 0.4 - width / 2, [m.replace("_", "\n") for m in metrics])
    ax.set_ylim(0, 1.05)
    ax.set_title(title)
    ax.legend(loc="lower right")
    fig.tight_layout()
    return fig
