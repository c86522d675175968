"""Evaluation: scores with bootstrap intervals, the labels file, and type-from-text against the PA Ref suffix."""

from __future__ import annotations

import json
import re
from pathlib import Path

import polars as pl
import pytest

import kit.planning as planning
from kit.errors import InputError
from kit.planning.extraction.evaluate import (evaluate, load_labels, sample_labels, score, scores_frame, split_of,
                                              type_confusion)
from kit.planning.record import FIELDS

ROOT = Path(__file__).resolve().parent.parent
LABELS = ROOT / "datasets" / "planning" / "labels.jsonl"
NOTEBOOK = ROOT / "notebooks" / "20_planning.ipynb"


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


def test_a_small_evaluation_scores_held_out_rows_only_and_says_so():
    held_out = load_labels(LABELS, split="held-out")
    labels = sample_labels(LABELS, 5)
    assert len(labels) == 5 and {row["split"] for row in labels} == {"held-out"}
    assert [row["reference"] for row in labels] == [held_out[i]["reference"] for i in (0, 9, 19, 28, 38)]  # spread
    assert load_labels(LABELS)[0]["split"] == "tuning"  # what [:eval_size] used to score
    assert sample_labels(LABELS, None) == held_out and sample_labels(LABELS, 500) == held_out
    assert len(sample_labels(LABELS, 4, split="tuning")) == 4 and len(sample_labels(LABELS, 4, split=None)) == 4
    with pytest.raises(InputError, match="at least 1"):
        sample_labels(LABELS, 0)
    table = evaluate(None, labels, methods=("parsers",), n_boot=50)
    assert set(table["split"]) == {"held-out"} and set(table["n"]) == {5}
    assert split_of(load_labels(LABELS)) == "held-out+tuning" and split_of([{"labels": {}}]) == "unsplit"


def test_the_notebook_records_its_evaluation_figures():
    """Reads the notebook's code cells (nothing runs): every kit.record name is snake_case and the headline
    evaluation figures are among them. Running it end to end is nbval's job (make test)."""
    cells = json.loads(NOTEBOOK.read_text(encoding="utf-8"))["cells"]
    code = "\n".join("".join(cell["source"]) for cell in cells if cell["cell_type"] == "code")
    names = set(re.findall(r"kit\.record\(f?[\"']([^\"']+)[\"']", code))
    assert all(re.fullmatch(r"[a-z0-9_{}]+", name) for name in names), names
    assert {"extraction_exact_match_{name}", "comments_stance_accuracy", "type_from_text_agreement",
            "applications_loaded", "rows_not_read", "approval_rate", "appeals_allowed", "appeals_dismissed"} <= names
    assert 'for name, field in (("type", "application_type"), ("works", "works"), ("dwellings", "dwellings"))' in code
    assert "sample_labels(" in code and "[:eval_size]" not in code
