"""The labelled redaction set and the per-type precision/recall evaluation."""

from __future__ import annotations

import subprocess
import sys

import pytest

from conftest import ROOT
from kit.errors import InputError
from kit.redaction.evaluate import errors, evaluate, load_labelled

FOLDER = ROOT / "datasets" / "admin" / "redaction"
TYPES = {"NAME", "NHS_NUMBER", "NI_NUMBER", "POSTCODE", "PHONE", "EMAIL", "DATE_OF_BIRTH", "SORT_CODE",
         "ACCOUNT_NUMBER", "IBAN", "ADDRESS"}


@pytest.fixture(scope="module")
def records():
    return load_labelled(FOLDER / "redaction.jsonl")


def test_the_set_is_fresh_and_large_enough(records):
    check = subprocess.run([sys.executable, "make_redaction_set.py", "--check"], cwd=FOLDER,
                           capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    labels = [e["type"] for r in records for e in r["entities"]]
    assert len(labels) >= 300 and set(labels) == TYPES


def test_perfect_and_empty_predictors_bound_the_scores(records):
    gold = {r["text"]: [(e["start"], e["end"], e["type"]) for e in r["entities"]] for r in records}
    perfect = evaluate(records, lambda text: gold[text], strict=True)
    assert perfect["precision"].to_list() == [1.0] * perfect.height
    assert perfect["recall"].to_list() == [1.0] * perfect.height
    empty = evaluate(records, lambda text: [])
    assert set(empty["recall"].to_list()) == {0.0} and set(empty["predicted"].to_list()) == {0}


def test_overlap_matching_credits_a_shifted_span_but_strict_does_not():
    records = [{"text": "Call Mrs Jane Okafor.", "entities": [{"start": 9, "end": 20, "type": "NAME"}]}]
    shifted = lambda text: [(5, 20, "NAME")]  # noqa: E731 - includes the title
    assert evaluate(records, shifted)["recall"][0] == 1.0
    assert evaluate(records, shifted, strict=True)["recall"][0] == 0.0
    assert evaluate(records, lambda text: [(9, 20, "PHONE")]).filter(type="NAME")["recall"][0] == 0.0


def test_the_rules_on_the_labelled_set(records):
    scores = {row["type"]: row for row in evaluate(records).iter_rows(named=True)}
    for kind in TYPES - {"NAME"}:
        assert scores[kind]["recall"] >= 0.95, scores[kind]
    assert scores["NAME"]["recall"] >= 0.85 and scores["NAME"]["precision"] >= 0.95
    assert scores["ALL"]["precision"] >= 0.9
    missed = [e for e in errors(records) if e["kind"] == "missed"]
    assert all(e["type"] == "NAME" for e in missed)  # every miss is a name the rules cannot know


def test_a_bad_labelled_file_says_what_is_wrong(tmp_path):
    with pytest.raises(InputError, match="make_redaction_set"):
        load_labelled(tmp_path / "missing.jsonl")
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "x"}\n', encoding="utf-8")
    with pytest.raises(InputError, match="line 1"):
        load_labelled(bad)
