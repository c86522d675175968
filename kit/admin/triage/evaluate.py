"""Scoring triage against labelled emails: accuracy and macro-F1 per field with bootstrap 95% intervals,
and safeguarding recall and precision (the deterministic check alone, so no model is needed for it).

Each message is in the tuning or the held-out split by a hash of its template (both copies of a template fall
together; ``kit.evaluation``, the dataset card); every table names the split it scores."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from kit.errors import InputError
from kit.evaluation import percentile_ci, read_jsonl, resamples, sample_split, spread, split_of, split_of_row
from kit.paths import datasets_dir

FIELDS = ("category", "urgency", "team")
SPLIT_KEY = "template"  # the two messages filled from one template are near-identical: never split them


def default_labels_path() -> Path:
    """``datasets/admin/triage/emails.jsonl`` in the repository."""
    return datasets_dir() / "admin" / "triage" / "emails.jsonl"


def load_labels(path: str | Path | None = None):
    """The labelled emails as a polars DataFrame (id, text, category, urgency, team, safeguarding, ..., split)."""
    import polars as pl

    rows = read_jsonl(path or default_labels_path(), what="labelled emails", required=("id", "text", *FIELDS),
                      fix="See datasets/admin/triage/README.md for the fields each line needs.")
    return pl.DataFrame([row | {"split": split_of_row(row, SPLIT_KEY)} for row in rows], infer_schema_length=None)


def sample_labels(labels, size: int | None, split: str | None = "held-out"):
    """``size`` labelled messages of ``split`` (held-out unless told; None or "all": every message), in file
    order: up to half of them hard ones (safeguarding, not English, or an instruction to the assistant), the
    rest ordinary, each part spread evenly through the split; all of the split when ``size`` is None."""
    import polars as pl

    if size is not None and size < 1:
        raise InputError("sample_size must be at least 1 (or None for every message of the split).")
    rows = sample_split(labels.to_dicts(), None, split, key=SPLIT_KEY)
    if size is not None and size < len(rows):
        hard = [row for row in rows if row["safeguarding"] or row["language"] != "en" or row["injection"]]
        n_hard = min(len(hard), size // 2)
        picked = spread(hard, n_hard) + spread([row for row in rows if row not in hard], size - n_hard)
        rows = [row for row in rows if row in picked]
    return pl.DataFrame(rows, schema=labels.schema)


def macro_f1(truth: np.ndarray, predicted: np.ndarray) -> float:
    """The mean F1 over the classes that occur in ``truth`` (a missing prediction counts as wrong)."""
    scores = []
    for label in np.unique(truth):
        tp = np.sum((predicted == label) & (truth == label))
        fp = np.sum((predicted == label) & (truth != label))
        fn = np.sum((predicted != label) & (truth == label))
        scores.append(0.0 if tp == 0 else 2 * tp / (2 * tp + fp + fn))
    return float(np.mean(scores)) if scores else float("nan")


def score_fields(predicted, labels, *, n_boot: int = 1000, seed: int = 0):
    """One row per field: the split scored, n, accuracy and macro-F1, each with a bootstrap 95% interval (rows
    resampled)."""
    import polars as pl

    joined = labels.select("id", *FIELDS).join(predicted.select("id", *[pl.col(f).alias(f"{f}_pred") for f in FIELDS]),
                                               on="id", how="inner")
    split = _split(labels.filter(pl.col("id").is_in(joined["id"].to_list())))
    rows = []
    for field in FIELDS:
        truth = np.array(joined[field].to_list(), dtype=object)
        guess = np.array([g if g is not None else "" for g in joined[f"{field}_pred"].to_list()], dtype=object)
        n = len(truth)
        if n == 0:
            continue
        boots = [np.array(b) for b in resamples(n, n_boot=n_boot, seed=seed)]
        accuracy_ci = percentile_ci([float(np.mean(truth[b] == guess[b])) for b in boots])
        f1_ci = percentile_ci([macro_f1(truth[b], guess[b]) for b in boots])
        rows.append({"field": field, "split": split, "n": n,
                     "accuracy": float(np.mean(truth == guess)),
                     "accuracy_low": accuracy_ci[0], "accuracy_high": accuracy_ci[1],
                     "macro_f1": macro_f1(truth, guess), "macro_f1_low": f1_ci[0], "macro_f1_high": f1_ci[1]})
    return pl.DataFrame(rows)


def _split(labels) -> str:
    """Which split a table of labelled messages holds (kit.evaluation.split_of by template)."""
    rows = labels.select(*(c for c in ("split", SPLIT_KEY) if c in labels.columns)).to_dicts()
    return split_of(rows, SPLIT_KEY)


def safeguarding_scores(labels, flagged=None) -> dict:
    """Recall and precision of the safeguarding flag; ``flagged`` defaults to the deterministic check itself.

    Returns the split scored, recall, precision, counts and the ids of misses and false alarms.
    """
    from kit.admin.triage.safeguarding import check

    ids = labels["id"].to_list()
    truth = [bool(v) for v in labels["safeguarding"].to_list()]
    if flagged is None:
        flagged = [check(text).flagged for text in labels["text"].to_list()]
    tp = sum(t and f for t, f in zip(truth, flagged))
    misses = [i for i, t, f in zip(ids, truth, flagged) if t and not f]
    alarms = [i for i, t, f in zip(ids, truth, flagged) if f and not t]
    return {"split": _split(labels), "recall": tp / max(1, sum(truth)),
            "precision": tp / max(1, sum(flagged)), "positives": sum(truth),
            "flagged": sum(flagged), "misses": misses, "false_alarms": alarms}


def plot_scores(scores, title: str = "Triage against the synthetic labels"):
    """Bars of accuracy and macro-F1 per field with their 95% intervals; returns the matplotlib figure."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.5, 3.2))
    x = np.arange(scores.height)
    for offset, metric in ((-0.18, "accuracy"), (0.18, "macro_f1")):
        values = np.array(scores[metric].to_list())
        low = values - np.array(scores[f"{metric}_low"].to_list())
        high = np.array(scores[f"{metric}_high"].to_list()) - values
        ax.bar(x + offset, values, width=0.36, yerr=[low, high], capsize=3, label=metric.replace("_", "-"))
    ax.set_xticks(x, scores["field"].to_list())
    ax.set_ylim(0, 1)
    ax.set_ylabel("score (95% interval)")
    ax.set_title(title)
    ax.legend(loc="upper right")
    fig.tight_layout()
    return fig
