"""Tests for kit.evaluation: JSONL reading with line-numbered errors, even samples, the held-out split (and every
capability's small evaluation drawn from it, its table naming the split), bootstrap intervals."""

import json

import pytest

from kit.errors import InputError
from conftest import ROOT
from kit.admin.minutes import evaluate as evaluate_minutes
from kit.admin.triage import evaluate as evaluate_triage
from kit.evaluation import in_split, percentile_ci, read_jsonl, resamples, sample_split, split_of, spread
from kit.redaction.evaluate import evaluate as evaluate_redaction
from kit.redaction.evaluate import load_labelled
from kit.translate.evaluate import evaluate as evaluate_translation
from kit.translate.evaluate import load_segments


def write(path, *lines):
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_read_jsonl_reads_objects_and_skips_blank_lines(tmp_path):
    path = write(tmp_path / "rows.jsonl", json.dumps({"id": 1}), "", "   ", json.dumps({"id": 2}))
    assert read_jsonl(path, what="rows", fix="Fix it.") == [{"id": 1}, {"id": 2}]


def test_read_jsonl_missing_file_says_what_and_how_to_fix(tmp_path):
    with pytest.raises(InputError, match=r"^No questions at .*none\.jsonl\. Pass the questions file\.$"):
        read_jsonl(tmp_path / "none.jsonl", what="questions", fix="Pass the questions file.")


@pytest.mark.parametrize("bad, message", [
    ("{not json", r"line 2 is not valid JSON \(.*\)\. Each line needs an id\.$"),
    ("[1, 2]", r"line 2 is not a JSON object\. Each line needs an id\.$"),
    ('{"name": "x"}', r"line 2 has no 'id'\. Each line needs an id\.$"),
])
def test_read_jsonl_names_the_file_and_line(tmp_path, bad, message):
    path = write(tmp_path / "rows.jsonl", json.dumps({"id": 1}), bad)
    with pytest.raises(InputError, match=message) as caught:
        read_jsonl(path, what="rows", fix="Each line needs an id.", required=("id",))
    assert str(caught.value).startswith(str(path))


def test_read_jsonl_check_reports_problems_and_errors_on_the_line(tmp_path):
    def check(row):
        return None if row["id"] > 0 else "has a negative id"

    path = write(tmp_path / "rows.jsonl", json.dumps({"id": 1}), json.dumps({"id": -1}))
    with pytest.raises(InputError, match=r"line 2 has a negative id\. Fix it\.$"):
        read_jsonl(path, what="rows", fix="Fix it.", check=check)
    path = write(tmp_path / "rows.jsonl", json.dumps({"id": 1}), "", json.dumps({"id": "x"}))
    with pytest.raises(InputError, match=r"line 3 is not a usable record \(TypeError: .*\)\. Fix it\.$"):
        read_jsonl(path, what="rows", fix="Fix it.", check=check)


def test_spread_takes_evenly_spaced_items_in_order():
    assert spread(list(range(10)), 3) == [0, 3, 6]
    assert spread(list(range(10)), 5) == [0, 2, 4, 6, 8]
    assert spread([1, 2], 5) == [1, 2] and spread([1, 2], 0) == []


def test_resamples_are_deterministic_for_a_seed():
    first = resamples(20, n_boot=50, seed=3)
    assert len(first) == 50 and all(len(s) == 20 and all(0 <= i < 20 for i in s) for s in first)
    assert first == resamples(20, n_boot=50, seed=3)
    assert first != resamples(20, n_boot=50, seed=4)
    assert len({tuple(s) for s in first}) > 45  # resamples differ from one another


def test_percentile_ci_takes_the_2_5th_and_97_5th_percentiles():
    values = [v / 100 for v in range(101)]
    assert percentile_ci(values[::-1]) == (0.02, 0.97)
    assert percentile_ci([0.5, None, float("nan")]) == (0.5, 0.5)
    low, high = percentile_ci([None])
    assert low != low and high != high  # nan when nothing is left


def test_bootstrap_interval_of_a_mean_covers_it():
    data = [1] * 30 + [0] * 70
    means = [sum(data[i] for i in s) / len(s) for s in resamples(len(data), n_boot=500, seed=0)]
    low, high = percentile_ci(means)
    assert 0.18 < low < 0.3 < high < 0.42


def test_a_small_sample_comes_from_the_held_out_rows_spread_through_them():
    rows = [{"id": f"r{i}"} for i in range(40)]
    held_out = in_split(rows, "held-out")
    assert 10 < len(held_out) < 30 and held_out == in_split(list(reversed(rows)), "held-out")[::-1]
    assert sample_split(rows, 4) == spread(held_out, 4) and split_of(sample_split(rows, 4)) == "held-out"
    assert sample_split(rows, None) == held_out == sample_split(rows, 1000)
    assert sample_split(rows, None, "all") == rows == sample_split(rows, None, None)
    assert split_of(sample_split(rows, 3, "tuning")) == "tuning" and split_of(rows) == "held-out+tuning"
    assert split_of([{"id": "r0", "split": "tuning"}, {"id": "r1", "split": "tuning"}]) == "tuning"  # a field wins
    assert split_of([{"text": "no id"}]) == "unsplit" and split_of([]) == "none"
    with pytest.raises(InputError, match="at least 1"):
        sample_split(rows, 0)
    with pytest.raises(InputError, match="Unknown split 'test'"):
        sample_split(rows, 2, "test")


def test_a_small_translation_evaluation_scores_held_out_segments_and_says_so(model):
    held_out = [row["id"] for row in in_split(load_segments(), "held-out")]
    report = evaluate_translation(model, pairs=("fr",), sample_size=2, back_translate=False, progress=False,
                                  gen={"max_tokens": 8})
    assert report.segments["id"].to_list() == [held_out[0], held_out[len(held_out) // 2]]  # spread, not the top rows
    assert report.split == "held-out" and report.summary["split"].to_list() == ["held-out"]
    assert report.summary.columns[:3] == ["pair", "split", "segments"] and set(report.segments["split"]) == {"held-out"}


def test_a_small_minutes_evaluation_scores_held_out_meetings_and_says_so():
    subset = evaluate_minutes.sample_references(2)
    assert [r["id"] for r in subset] == ["m01_repairs", "m04_care_panel"]  # spread through the five held out
    table, totals = evaluate_minutes.evaluate(None, subset, use_model=False)
    assert table["split"].to_list() == ["held-out"] * 2 and (totals["split"], totals["meetings"]) == ("held-out", 2)
    assert evaluate_minutes.evaluate(None, use_model=False)[1]["split"] == "held-out+tuning"  # rules: every meeting
    assert {r["id"] for r in evaluate_minutes.sample_references(None, "tuning")} == {
        "m02_waste", "m05_outage_nolabels", "m08_parking", "m09_long_committee"}


def test_a_small_triage_evaluation_scores_held_out_messages_with_hard_ones_and_says_so():
    labels = evaluate_triage.load_labels()
    sample = evaluate_triage.sample_labels(labels, 6)
    assert sample.height == 6 and set(sample["split"]) == {"held-out"} and sample.columns == labels.columns
    hard = sample.filter(sample["safeguarding"] | (sample["language"] != "en") | sample["injection"])
    assert hard.height == 3
    assert evaluate_triage.sample_labels(labels, None).height == 84 and labels.height == 126
    for template in set(labels["template"]):  # the two copies of a template are never split
        assert labels.filter(labels["template"] == template)["split"].n_unique() == 1
    scores = evaluate_triage.score_fields(sample, labels, n_boot=20)
    assert set(scores["split"]) == {"held-out"} and set(scores["n"]) == {6}
    assert evaluate_triage.safeguarding_scores(labels)["split"] == "held-out+tuning"
    with pytest.raises(InputError, match="at least 1"):
        evaluate_triage.sample_labels(labels, 0)


def test_the_redaction_table_names_the_split_it_scores():
    path = ROOT / "datasets" / "admin" / "redaction" / "redaction.jsonl"
    held_out = load_labelled(path, "held-out")
    assert len(held_out) == 115 and len(load_labelled(path)) == 170
    assert set(evaluate_redaction(held_out)["split"]) == {"held-out"}
    table = evaluate_redaction(load_labelled(path))
    assert table.columns[:2] == ["type", "split"] and set(table["split"]) == {"held-out+tuning"}


@pytest.mark.parametrize("card", ["translation/README.md", "admin/minutes/README.md", "admin/triage/README.md",
                                  "admin/README.md"])
def test_each_dataset_card_documents_its_split(card):
    text = (ROOT / "datasets" / card).read_text(encoding="utf-8")
    assert "held-out" in text and "hash_split" in text and "SHA-256" in text
