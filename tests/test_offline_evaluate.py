"""kit.offline.evaluate: the metrics on hand-made cases, and the real corpus's retrieval figures and threshold."""

from __future__ import annotations

import math

import polars as pl
import pytest
from fakes import FakeModel

from kit.docs import ingest
from kit.docs.gate import MIN_COVERAGE
from kit.evaluation import in_split
from kit.offline import evaluate as ev
from kit.offline.cards import build_cards


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    return ingest(ev.default_dataset_dir() / "docs", index_dir=tmp_path_factory.mktemp("corpus-index"))


@pytest.fixture(scope="module")
def questions():
    return ev.load_questions()


def test_retrieval_summary_counts_ranks_of_answerable_questions_only():
    frame = pl.DataFrame({"id": ["a", "b", "c", "d"], "answerable": [True, True, True, False],
                          "rank": [1, 2, None, None], "top_score": [5.0, 4.0, 1.0, 0.5], "top_id": ["x"] * 4})
    figures = ev.retrieval_summary(frame)
    assert figures["questions"] == 3
    assert figures["recall_at_1"] == pytest.approx(1 / 3)
    assert figures["recall_at_5"] == pytest.approx(2 / 3)
    assert figures["mrr"] == pytest.approx((1 + 0.5) / 3)


def test_abstention_precision_and_recall_treat_unanswerable_as_the_class_to_find():
    scores = ev.abstention_scores([True, True, False, False], [False, True, False, True])
    assert scores == {"abstain_precision": 0.5, "abstain_recall": 0.5}
    assert math.isnan(ev.abstention_scores([False], [True])["abstain_precision"])


def test_threshold_is_chosen_between_the_answerable_and_unanswerable_scores():
    frame = pl.DataFrame({"answerable": [True, True, True, False, False], "top_score": [6.0, 5.0, 4.0, 2.0, 1.0]})
    assert ev.choose_min_score(frame) == 3.0
    overlap = pl.DataFrame({"answerable": [True, False, True, False], "top_score": [6.0, 5.0, 2.0, 1.0]})
    assert 1.0 < ev.choose_min_score(overlap) < 6.0


def test_sample_spreads_and_checks_its_size():
    rows = [{"id": i} for i in range(10)]
    assert [r["id"] for r in ev.sample(rows, 3, split=None)] == [0, 3, 6]
    assert ev.sample(rows, None, split=None) == rows
    mixed = [{"id": i, "answerable": i % 5 != 4} for i in range(20)]  # 4 of 20 unanswerable
    picked = ev.sample(mixed, 3, split=None)
    assert len(picked) == 3 and sum(not r["answerable"] for r in picked) == 1
    assert [r["id"] for r in picked] == sorted(r["id"] for r in picked)
    assert sum(not r["answerable"] for r in ev.sample(mixed, 10, split=None)) == 2
    with pytest.raises(Exception, match="at least 1"):
        ev.sample(rows, 0)


def test_a_small_sample_comes_from_the_held_out_questions_with_both_kinds(questions):
    held_out = in_split(questions, "held-out")
    assert len(held_out) == 79 and sum(not q["answerable"] for q in held_out) == 13  # as the dataset card says
    picked = ev.sample(questions, 10)
    assert {q["id"] for q in picked} <= {q["id"] for q in held_out}
    assert len(picked) == 10 and 1 <= sum(not q["answerable"] for q in picked) <= 3
    assert ev.sample(questions, None) == held_out and ev.sample(questions, None, split=None) == questions
    assert {q["id"] for q in ev.sample(questions, 5, split="tuning")}.isdisjoint(q["id"] for q in held_out)


def test_questions_file_errors_are_clear(tmp_path):
    with pytest.raises(Exception, match="No questions at"):
        ev.load_questions(tmp_path / "none.jsonl")
    (tmp_path / "questions.jsonl").write_text('{"id": 1}\nnot json\n')
    with pytest.raises(Exception, match="line 2 is not valid JSON"):
        ev.load_questions(tmp_path)


def test_every_answerable_question_names_sections_that_exist(corpus, questions):
    ids = {s.id for s in corpus.sections}
    for row in questions:
        if row["answerable"]:
            assert ev.relevant(row, corpus) and ev.relevant(row, corpus) <= ids, row["id"]


def test_corpus_retrieval_figures_and_the_gate_coverage_come_from_the_data(corpus, questions):
    frame = ev.retrieval_frame(corpus, questions)
    figures = ev.retrieval_summary(frame)
    assert 0 <= figures["recall_at_1"] <= figures["recall_at_5"] <= 1
    assert figures["recall_at_1"] <= figures["mrr"] <= figures["recall_at_5"]
    assert frame["coverage"].is_between(0, 1).all()
    answerable = frame.filter(frame["answerable"])["coverage"].ge(MIN_COVERAGE).mean()
    unanswerable = frame.filter(~frame["answerable"])["coverage"].lt(MIN_COVERAGE).mean()
    assert answerable >= 0.9 and unanswerable >= 0.8  # the tuning choice of tests/test_gate.py, on every question
    assert ev.choose_min_score(frame, "coverage") == ev.choose_min_coverage(frame)


def test_evaluate_runs_each_tier_and_plots(corpus, questions):
    small = ev.sample(questions, 20)
    report = ev.evaluate(corpus, small, runs={"local": FakeModel(lambda m: '{"answer": "NOT FOUND", "quotes": '
                                                                 '[{"section": "S1", "text": "x"}]}'),
                                              "retrieval": None, "cards": None},
                         cards=build_cards(corpus))
    assert set(report.answers) == {"local", "retrieval", "cards"}
    local = report.answers["local"]
    assert local.height == 20 and local["abstained"].all()  # the scripted model never finds an answer
    assert set(local["tier"].to_list()) <= {"local", "retrieval"}
    assert report.answer_figures["local"]["grounding_rate"] == 0.0
    assert set(report.answers["cards"]["tier"].to_list()) == {"cards"}
    assert set(report.latency["tier"].to_list()) >= {"retrieval", "cards"}
    figures = report.figures()
    assert figures["min_coverage"] == report.min_coverage == MIN_COVERAGE and "retrieval_abstain_recall" in figures
    assert report.split == "held-out" and set(local["id"]) <= {q["id"] for q in in_split(questions, "held-out")}
    assert report.gate["reach_n"] + report.gate["abstain_n"] == 20  # the gate on every held-out question given
    assert figures["gate_reach_low"] <= figures["gate_reach"] <= figures["gate_reach_high"]
    fig = ev.plot(report)
    assert len(fig.axes) == 2
