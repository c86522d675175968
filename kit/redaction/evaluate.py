"""Precision and recall of :mod:`kit.redaction` per entity type on a labelled set (JSONL of texts and spans).

Each note is in the tuning or the held-out split by a hash of its template (notes filled from one template fall
together; ``kit.evaluation``, datasets/admin/README.md); the table names the split it scores."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

from kit.evaluation import read_jsonl, sample_split, split_of

Span = tuple[int, int, str]  # start, end, type
SPLIT_KEY = "template"  # notes filled from one template differ only in names and numbers: never split them


def load_labelled(path: str | Path, split: str | None = None) -> list[dict]:
    """Records ``{"id", "text", "entities": [{"start", "end", "type"}]}`` from a JSONL file, those of ``split``
    ("held-out" or "tuning", by template; None: all)."""
    return sample_split(_read(path), None, split, key=SPLIT_KEY)


def _read(path: str | Path) -> list[dict]:
    return read_jsonl(path, what="labelled redaction set", required=("text", "entities"), check=_empty_span,
                      fix='Each line needs "text" and "entities" with start, end and type; build the set with '
                          "datasets/admin/redaction/make_redaction_set.py.")


def _empty_span(record: dict) -> str | None:
    empty = [e for e in record["entities"] if not record["text"][e["start"]:e["end"]]]
    return f"has an empty span {empty[0]}" if empty else None


def _predict_default(text: str) -> list[Span]:
    from kit.redaction import find

    return [(e.start, e.end, e.type) for e in find(text)]


def _match(gold: list[Span], pred: list[Span], strict: bool) -> tuple[set[int], set[int]]:
    """Indexes of gold and predicted spans that match (same type; exact offsets, or any overlap)."""
    gold_hit, pred_hit = set(), set()
    for i, (gs, ge, gt) in enumerate(gold):
        for j, (ps, pe, pt) in enumerate(pred):
            if gt != pt or j in pred_hit:
                continue
            if (gs, ge) == (ps, pe) if strict else (ps < ge and gs < pe):
                gold_hit.add(i)
                pred_hit.add(j)
                break
    return gold_hit, pred_hit


def evaluate(records: Iterable[dict], predict: Callable[[str], list[Span]] | None = None, *,
             strict: bool = False):
    """Precision, recall and F1 per entity type (polars DataFrame, one row per type plus ``ALL``; ``split`` names
    the records' split).

    A prediction counts when it has the gold span's type and overlaps it (``strict=True``: same offsets).
    ``predict`` maps a text to ``(start, end, type)`` spans; the default is :func:`kit.redaction.find`.
    """
    import polars as pl

    predict = predict or _predict_default
    records = list(records)
    counts: dict[str, list[int]] = {}  # type -> [true positives, gold, predicted, gold found]
    for record in records:
        gold = [(e["start"], e["end"], e["type"]) for e in record["entities"]]
        pred = list(predict(record["text"]))
        gold_hit, pred_hit = _match(gold, pred, strict)
        for i, (_, _, kind) in enumerate(gold):
            row = counts.setdefault(kind, [0, 0, 0, 0])
            row[1] += 1
            row[3] += i in gold_hit
        for j, (_, _, kind) in enumerate(pred):
            row = counts.setdefault(kind, [0, 0, 0, 0])
            row[2] += 1
            row[0] += j in pred_hit
    rows = []
    total = [0, 0, 0, 0]
    for kind, (tp, n_gold, n_pred, found) in sorted(counts.items()):
        total = [a + b for a, b in zip(total, (tp, n_gold, n_pred, found))]
        rows.append(_row(kind, tp, n_gold, n_pred, found))
    rows.append(_row("ALL", *total))
    frame = pl.DataFrame(rows).with_columns(pl.lit(split_of(records, SPLIT_KEY)).alias("split"))
    return frame.select("type", "split", pl.exclude("type", "split"))


def _row(kind: str, tp: int, n_gold: int, n_pred: int, found: int) -> dict:
    precision = tp / n_pred if n_pred else None
    recall = found / n_gold if n_gold else None
    f1 = (2 * precision * recall / (precision + recall)
          if precision is not None and recall is not None and precision + recall else None)
    return {"type": kind, "gold": n_gold, "predicted": n_pred, "precision": precision, "recall": recall, "f1": f1}


def errors(records: Iterable[dict], predict: Callable[[str], list[Span]] | None = None) -> list[dict]:
    """Every missed gold span and every spurious prediction (overlap matching), for reading the failures."""
    predict = predict or _predict_default
    out = []
    for record in records:
        text = record["text"]
        gold = [(e["start"], e["end"], e["type"]) for e in record["entities"]]
        pred = list(predict(text))
        gold_hit, pred_hit = _match(gold, pred, strict=False)
        out += [{"id": record.get("id"), "kind": "missed", "type": t, "text": text[s:e]}
                for i, (s, e, t) in enumerate(gold) if i not in gold_hit]
        out += [{"id": record.get("id"), "kind": "spurious", "type": t, "text": text[s:e]}
                for j, (s, e, t) in enumerate(pred) if j not in pred_hit]
    return out
