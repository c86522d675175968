"""Evaluation: scores with bootstrap intervals, the labels file, and type-from-text against the PA Ref suffix."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

import kit.planning as planning
from kit.errors import InputError
from kit.planning.extraction.evaluate import evaluate, load_labels, score, scores_frame, type_confusion
from kit.planning.record import FIELDS

LABELS = Path(__file__).resolve().parent.parent / "datasets" / "planning" / "labels.jsonl"


def row(**labels):
    base = {field: None for field in FIELDS} | {"works": [], "related_references": [], "retrospective": False}
    return {"reference": "x", "description": "d", "labels": base | labels}


def test_exact_precision_recall_and_intervals():
    labels = [row(dwellings=3, works=["extension"]), row(dwellings=None, works=["extension", "demolition"]),
              row(dwellings=1, works=[])]
    preds = [{"dwellings": 3, "works": ["extension"]}, {"dwellings": 2, "works": ["extension"]},
             {"dwellings": None, "works": ["alterations"]}]
    scores = {(s.field, s.method): s for s in score({"p": preds}, labels, n_boot=200)}
    dwell = scores[("dwellings", "p")]
    assert dwell.exact == pytest.approx(1 / 3) and dwell.precision == 0.5 and dwell.recall == 0.5
    works = scores[("works", "p")]
    assert works.exact == pytest.approx(1 / 3)
    assert works.precision == pytest.approx(2 / 3) and works.recall == pytest.approx(2 / 3)
    assert works.exact_ci[0] <= works.exact <= works.exact_ci[1]
    table = scores_frame(list(scores.values()))
    assert table.height == len(FIELDS) and set(table.columns) >= {"exact_95ci", "precision", "recall"}


def test_labels_file_is_complete_and_stratified():
    labels = load_labels(LABELS)
    assert 150 <= len(labels) <= 300
    assert len(load_labels(LABELS, split="tuning")) == 152 and len(load_labels(LABELS, split="held-out")) == 48
    years = {r["year"] for r in labels}
    types = {r["labels"]["application_type"] for r in labels}
    assert years == {2016, 2017, 2018} and len(types) >= 9
    assert all(set(r["labels"]["works"]) <= set(planning.WORKS) for r in labels)
    assert sum(r["labels"]["dwellings"] is not None for r in labels) >= 30


def test_bad_label_rows_name_the_line(tmp_path):
    path = tmp_path / "labels.jsonl"
    path.write_text(json.dumps(row()) + "\n{not json\n", encoding="utf-8")
    with pytest.raises(InputError, match="line 2"):
        load_labels(path)


def test_parsers_on_the_held_out_labels():
    table = evaluate(None, load_labels(LABELS, split="held-out"), methods=("parsers",), n_boot=100)
    exact = dict(zip(table["field"], table["exact"]))
    assert exact["dwellings"] >= 0.9 and exact["application_type"] >= 0.85 and exact["works"] >= 0.5


def test_type_confusion_matrix():
    df = pl.DataFrame({"application_type": ["B", "B", "D", "C"], "type_from_text": ["B", "D", "D", "B"]})
    matrix, accuracy = type_confusion(df)
    assert accuracy == 0.5
    assert matrix.filter(pl.col("suffix") == "B").select("B", "D").row(0) == (1, 1)
