"""Analytics: counts, approval rates, appeals and the housing pipeline, on small tables and on the real lists."""

from __future__ import annotations

import warnings

import matplotlib
import polars as pl
import pytest

import kit.planning as planning
from kit.planning import analytics
from kit.planning.extraction.evaluate import type_confusion
from tests.test_planning_loader import PUBLISHED

matplotlib.use("Agg")

FRAME = pl.DataFrame({
    "year": [2016, 2016, 2016, 2017, 2017, 2017, 2017],
    "application_type": ["B", "B", "A", "B", "REM", "C", "LAW"],
    "decision": ["permitted", "refused", "permitted", "permitted", "permitted", "withdrawn", "not lawful"],
    "determining_body": ["Committee", "Officer", "Officer", "Committee", "Officer", "Officer", "Officer"],
    "dwellings": [10, 5, 3, 0, 3, 1, None],
})


def test_approval_rates_leave_out_withdrawn():
    rates = analytics.approval_rates(FRAME)
    b = rates.filter(pl.col("application_type") == "B").row(0, named=True)
    assert (b["decided"], b["granted"], b["approval_rate"]) == (3, 2, pytest.approx(0.667))
    assert "C" not in rates["application_type"].to_list()  # withdrawn: not a decision
    assert rates.filter(pl.col("application_type") == "LAW")["approval_rate"].to_list() == [0.0]
    by_body = analytics.approval_rates(FRAME, "determining_body")
    assert dict(zip(by_body["determining_body"], by_body["approval_rate"])) == {"Committee": 1.0, "Officer": 0.5}


def test_housing_pipeline_counts_permitted_and_keeps_outline_apart():
    pipeline = analytics.housing_pipeline(FRAME)
    assert pipeline.to_dicts() == [
        {"year": 2016, "net_dwellings": 10, "applications_adding_homes": 1, "outline_or_reserved_dwellings": 3},
        {"year": 2017, "net_dwellings": 0, "applications_adding_homes": 0, "outline_or_reserved_dwellings": 3},
    ]
    ax = analytics.plot_pipeline(pipeline)
    assert len(ax.patches) == 4


def test_counts_by_year_type_decision():
    table = analytics.by_year_type_decision(FRAME)
    assert table["applications"].sum() == FRAME.height and table.columns == ["year", "application_type", "decision",
                                                                            "applications"]


def test_real_lists_pipeline_and_appeals():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        df = planning.load_applications(PUBLISHED)
    extracted = planning.extract_frame(None, df, method="parsers", progress=False)
    pipeline = analytics.housing_pipeline(extracted)
    assert pipeline["year"].to_list() == [2016, 2017, 2018]
    assert (pipeline["net_dwellings"] > 100).all()
    outcomes = analytics.appeal_outcomes(planning.load_appeals(PUBLISHED))
    assert set(outcomes["appeal_decision"]) >= {"allowed", "dismissed", "withdrawn"}
    matrix, accuracy = type_confusion(extracted)
    assert accuracy > 0.9 and int(matrix.select(pl.exclude("suffix")).sum_horizontal().sum()) == 4015


# Counted by hand from the published CSVs (csv module, not the loader; see datasets/planning/README.md): per year
# and appellant, (allowed, dismissed, split, withdrawn, approved, refused). A third party appeals a permission, so
# (Permitted, Approved at Appeal) is a third-party appeal dismissed: 24 of them in 2016, beside 20 applicant
# appeals allowed (Refused, Approved at Appeal).
APPEALS_BY_HAND = {
    (2016, "applicant"): (20, 15, 0, 1, 0, 0), (2016, "third party"): (6, 24, 1, 1, 0, 0),
    (2016, "department application"): (0, 0, 0, 0, 6, 1),
    (2017, "applicant"): (12, 22, 2, 2, 0, 0), (2017, "third party"): (11, 23, 0, 0, 0, 0),
    (2017, "department application"): (0, 0, 0, 0, 4, 0),
    (2018, "applicant"): (15, 20, 1, 1, 0, 0), (2018, "third party"): (1, 16, 0, 2, 0, 0),
    (2018, "department application"): (0, 0, 0, 0, 4, 1),
}


def test_appeal_outcomes_on_the_real_lists_match_the_counts_by_hand():
    appeals = planning.load_appeals(PUBLISHED)
    table = analytics.appeal_table(appeals)
    assert table.columns == ["year", "appellant", "allowed", "dismissed", "split", "withdrawn", "approved", "refused",
                             "total"]
    got = {(r[0], r[1]): tuple(r[2:8]) for r in table.iter_rows()}
    assert got == APPEALS_BY_HAND
    totals = table.group_by("year").agg(pl.sum("total")).sort("year")
    assert totals.rows() == [(2016, 75), (2017, 76), (2018, 61)]
    in_2016 = appeals.filter(pl.col("year") == 2016)
    pair = lambda decision, appeal: in_2016.filter(  # noqa: E731
        (pl.col("decision_raw") == decision) & (pl.col("appeal_decision_raw") == appeal))
    assert pair("Permitted", "Approved at Appeal").height == 24
    assert set(pair("Permitted", "Approved at Appeal").select("appellant", "appeal_decision").rows()) \
        == {("third party", "dismissed")}
    assert pair("Refused", "Approved at Appeal").height == 20
    assert set(pair("Refused", "Approved at Appeal").select("appellant", "appeal_decision").rows()) \
        == {("applicant", "allowed")}
    long = analytics.appeal_outcomes(appeals)
    assert long.columns == ["year", "appellant", "appeal_decision", "appeals"] and long["appeals"].sum() == 212


def test_overall_approval_rate():
    overall = analytics.approval_rates(FRAME, None)
    assert overall.rows() == [(6, 4, pytest.approx(0.667))]
