"""Every CSV the kit writes makes formula cells inert (OWASP: a ``'`` before = + - @ tab CR), numbers stay numbers."""

from __future__ import annotations

import base64
import csv
import io
import re

import polars as pl

from kit import csvsafe

HYPERLINK = '=HYPERLINK("http://evil.example","x")'
DDE = "+cmd|' /C calc'!A0"
EVIL = [HYPERLINK, DDE, "-2+3+cmd|' /C calc'!A0", "@SUM(A1:A9)", "\t=1+1", "\r=1+1"]


def _rows(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8"), newline="")))


def _no_formula(cell: str) -> bool:
    return not cell.startswith(csvsafe.TRIGGERS) or re.fullmatch(r"-?\d+(\.\d+)?", cell) is not None


def test_a_formula_cell_gets_a_quote_and_other_values_are_left_alone():
    assert [csvsafe.neutralise(v) for v in EVIL] == ["'" + v for v in EVIL]
    assert [csvsafe.neutralise(v) for v in ("-3.5", "+44", "1e-3", "plain", "a=b", "", None, -3.5, 7)] == \
        ["-3.5", "+44", "1e-3", "plain", "a=b", "", None, -3.5, 7]


def test_safe_frame_keeps_numeric_columns_numeric():
    frame = pl.DataFrame({"text": [*EVIL, "-3.5", None], "score": [-3.5] * 6 + [2.0, None],
                          "n": list(range(-4, 4)), "ok": [True] * 8})
    safe = csvsafe.safe_frame(frame)
    assert safe.schema == frame.schema
    assert safe["score"].to_list() == frame["score"].to_list() and safe["n"].to_list() == frame["n"].to_list()
    assert safe["text"].to_list() == ["'" + v for v in EVIL] + ["-3.5", None]
    rows = _rows(csvsafe.write_csv(frame))
    assert [r["text"] for r in rows[:6]] == ["'" + v for v in EVIL] and rows[0]["score"] == "-3.5"


def test_the_triage_download_holds_no_formula(tmp_path):
    from kit.admin.triage.batch import triage_frame
    from kit.admin.triage.view import download_html

    frame = pl.DataFrame({"id": [HYPERLINK, DDE, "letter.txt"],
                          "text": [f"{DDE}\nMy bin was not collected.", HYPERLINK, "@SUM(1+1) please call me back"]})
    done = triage_frame(None, frame, progress=False)  # rules only: the ids, flags and sources are written as given
    link = download_html(done.drop("text"))
    name, data = re.search(r'download="([^"]+)" href="data:[^;]+(?:;charset=utf-8)?;base64,([^"]+)"', link).groups()
    assert name == "triage.csv"
    data = base64.b64decode(data)
    (tmp_path / name).write_bytes(data)  # what a spreadsheet opens
    rows = _rows((tmp_path / name).read_bytes())
    assert [r["id"] for r in rows] == ["'" + HYPERLINK, "'" + DDE, "letter.txt"]
    assert all(_no_formula(cell) for row in rows for cell in row.values())


def test_the_comparison_tables_hold_no_formula_and_keep_their_numbers(tmp_path):
    from kit.comparison.table import save

    wide = pl.DataFrame({"run": ["r1", "r2"], "error": [HYPERLINK, DDE], "seconds": [-3.5, 12.0],
                         "value_text": ["-3.5", "@x"]})
    long = wide.with_columns(pl.lit("@figure").alias("figure"))
    paths = save(long, wide, tmp_path)
    for key in ("wide_csv", "long_csv"):
        rows = _rows(paths[key].read_bytes())
        assert [r["error"] for r in rows] == ["'" + HYPERLINK, "'" + DDE]
        assert [r["seconds"] for r in rows] == ["-3.5", "12.0"] and [r["value_text"] for r in rows] == ["-3.5", "'@x"]
        assert all(_no_formula(cell) for row in rows for cell in row.values())
        assert pl.read_csv(paths[key])["seconds"].dtype == pl.Float64
    assert pl.read_parquet(paths["wide_parquet"])["error"].to_list() == [HYPERLINK, DDE]  # Parquet keeps the values
