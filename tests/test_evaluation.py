"""Tests for kit.evaluation: JSONL reading with line-numbered errors, even samples, bootstrap intervals."""

import json

import pytest

from kit.errors import InputError
from kit.evaluation import percentile_ci, read_jsonl, resamples, spread


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
