"""Score extraction against the project's labels: exact match, precision/recall, bootstrap 95% intervals."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from kit import batch as kit_batch
from kit.errors import InputError
from kit.evaluation import percentile_ci, read_jsonl, resamples, sample_split, split_of
from kit.model import ChatModel
from kit.planning.extraction.extract import extract
from kit.planning.record import FIELDS

LIST_FIELDS = ("works", "related_references")
LABEL_FIX = ("Each line needs a JSON object with reference, description and labels (one per field); "
             "see datasets/planning/LABELLING.md.")


def load_labels(path: str | Path, split: str | None = None) -> list[dict]:
    """The labelled applications (JSON lines: reference, description, address, labels{field: value}, split).

    ``split``: "tuning" (the rows the parsers were refined on) or "held-out" (labelled after); None: all.
    """
    rows = read_jsonl(path, what="labels file", fix=LABEL_FIX, required=("labels",), check=_unlabelled)
    return [row for row in rows if split is None or row.get("split") == split]


def sample_labels(path: str | Path, size: int | None = None, split: str | None = "held-out") -> list[dict]:
    """``size`` labelled applications spread evenly through ``split`` (the held-out rows unless told otherwise;
    None: every split), in file order; all of them when ``size`` is None or at least their number.

    The first rows of the file are all tuning rows (the ones the parsers were refined on), so a small sample
    taken from the top would flatter the parsers.
    """
    return sample_split(load_labels(path), size, split, key="reference")


def _unlabelled(row: dict) -> str | None:
    missing = [f for f in FIELDS if f not in row["labels"]]
    return f"has no label for {', '.join(missing)}" if missing else None


def _norm(field: str, value):
    if value is None:
        return None
    if field in LIST_FIELDS:
        return frozenset(value)
    if isinstance(value, str):
        return " ".join(value.lower().replace(".", "").replace("'", "").split())
    return value


def _counts(field: str, gold, pred) -> tuple[int, int, int, int]:
    """(exact, true positives, predicted, gold positives) for one application and field."""
    gold, pred = _norm(field, gold), _norm(field, pred)
    if field in LIST_FIELDS:
        gold, pred = gold or frozenset(), pred or frozenset()
        return int(gold == pred), len(gold & pred), len(pred), len(gold)
    positive = lambda v: v is not None and v is not False  # noqa: E731 - "no value" for scalar fields
    return (int(gold == pred), int(positive(pred) and pred == gold), int(positive(pred)), int(positive(gold)))


@dataclass(frozen=True)
class Score:
    """One field under one method: rates with bootstrap 95% intervals (low, high)."""

    field: str
    method: str
    n: int
    exact: float
    exact_ci: tuple[float, float]
    precision: float | None
    precision_ci: tuple[float, float]
    recall: float | None
    recall_ci: tuple[float, float]
    split: str = "unsplit"  # which labelled rows were scored (split_of)


def _rates(rows: list[tuple[int, int, int, int]]) -> tuple[float, float | None, float | None]:
    exact = sum(r[0] for r in rows) / len(rows)
    tp, predicted, gold = (sum(r[i] for r in rows) for i in (1, 2, 3))
    return exact, (tp / predicted if predicted else None), (tp / gold if gold else None)


def score(predictions: dict[str, list[dict]], labels: list[dict], *, n_boot: int = 1000, seed: int = 0) -> list[Score]:
    """Scores per field and method; ``predictions`` maps a method to one ``record.values()`` dict per label row."""
    n, split = len(labels), split_of(labels)
    samples = resamples(n, n_boot=n_boot, seed=seed)
    out = []
    for method, preds in predictions.items():
        if len(preds) != n:
            raise InputError(f"{method}: {len(preds)} predictions for {n} labelled applications.")
        for field in FIELDS:
            rows = [_counts(field, label["labels"][field], pred.get(field)) for label, pred in zip(labels, preds)]
            exact, precision, recall = _rates(rows)
            boot = [_rates([rows[i] for i in sample]) for sample in samples]
            out.append(Score(field, method, n, exact, percentile_ci([b[0] for b in boot]), precision,
                             percentile_ci([b[1] for b in boot if b[1] is not None]), recall,
                             percentile_ci([b[2] for b in boot if b[2] is not None]), split))
    return out


def evaluate(model: ChatModel | None, labels: list[dict], *, methods=("parsers", "model", "hybrid"), n_boot: int = 1000,
             progress: bool = False):
    """Run extraction by each method over the labelled applications and score it (a polars DataFrame)."""
    predictions = {}
    for method in methods:
        def run(row, method=method):
            record = extract(model if method != "parsers" else None, row["description"], row.get("address"),
                             reference=row.get("reference"), method=method)
            return record.values()
        predictions[method] = kit_batch.map(run, labels, model=model if method != "parsers" else None,
                                            progress=progress, desc=f"evaluate ({method})")
    return scores_frame(score(predictions, labels, n_boot=n_boot))


def scores_frame(scores: list[Score]):
    """A table of scores: field, method, split, n, exact, precision, recall, each with its 95% interval as text."""
    import polars as pl

    fmt = lambda v: None if v is None else round(v, 3)  # noqa: E731
    interval = lambda ci: f"[{ci[0]:.2f}, {ci[1]:.2f}]"  # noqa: E731
    return pl.DataFrame([{
        "field": s.field, "method": s.method, "split": s.split, "n": s.n, "exact": fmt(s.exact),
        "exact_95ci": interval(s.exact_ci),
        "precision": fmt(s.precision), "precision_95ci": interval(s.precision_ci), "recall": fmt(s.recall),
        "recall_95ci": interval(s.recall_ci)} for s in scores])


def type_confusion(extracted):
    """Application type from the wording against the PA Ref suffix: (confusion matrix, accuracy) over a table
    from ``extract_frame`` (columns ``application_type`` and ``type_from_text``)."""
    import polars as pl

    pairs = extracted.select(pl.col("application_type").fill_null("?").alias("suffix"),
                             pl.col("type_from_text").fill_null("?").alias("from_text"))
    accuracy = (pairs["suffix"] == pairs["from_text"]).mean()
    matrix = (pairs.group_by("suffix", "from_text").len()
              .pivot(on="from_text", index="suffix", values="len").fill_null(0).sort("suffix"))
    columns = ["suffix", *sorted(c for c in matrix.columns if c != "suffix")]
    return matrix.select(columns), accuracy


def plot_scores(table, metric: str = "exact", ax=None):
    """Grouped bars of one metric per field, one bar per method (matplotlib Axes)."""
    import matplotlib.pyplot as plt

    fields = list(dict.fromkeys(table["field"]))
    methods = list(dict.fromkeys(table["method"]))
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 0.35 * len(fields) * len(methods) + 1))
    height = 0.8 / len(methods)
    for i, method in enumerate(methods):
        rows = table.filter(table["method"] == method)
        values = dict(zip(rows["field"], rows[metric]))
        ax.barh([f + i * height for f in range(len(fields))], [values.get(f) or 0 for f in fields], height,
                label=method)
    ax.set_yticks([f + 0.4 - height / 2 for f in range(len(fields))], fields)
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.set_xlabel(metric)
    ax.legend(fontsize=8)
    return ax
