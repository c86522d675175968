"""The planning loader: every published layout into one schema, with unreadable rows reported, never dropped."""

from __future__ import annotations

import csv
import io
import re
import shutil
import warnings
from datetime import date
from pathlib import Path

import pytest

import kit.planning as planning
from kit.planning import PlanningDataError
from kit.planning.data import published_dir
from kit.planning.decisions import APPEALS, appeal_outcome, appeal_result, normalise_decision

ROOT = Path(__file__).resolve().parent.parent
PUBLISHED = ROOT / "datasets" / "planning" / "published"  # the nine published 2016-2018 lists, byte for byte

OLD = ("Planning  Applications Determined between 1/1/16 - 31/12/16,,,,,\r\r"
       "Decision,PA Ref,PROPOSAL,Decision issued,Determining Body,Property Address\r"
       "Permitted,16/00001/B,Erection of a dwelling,05-Jan-16,Planning Committee,1 Main Road Peel Isle Of Man IM5 1AA\r"
       'Refused,16/00002/C,"Change of use\rto a caf\x8e",06-Jan-16,Head of Development Management,'
       "Shop Douglas Isle Of Man\r")
NEW = ("PA Ref,Property Address,PROPOSAL,Decision,Decision issued,Determining Body\n"
       '18/00003/D,"Unit 1\nDouglas\nIsle Of Man\n",Installation of signage,Permitted,2018-02-01,Planning Committee\n'
       "18/00004/B,2 Hill Street Douglas Isle Of Man IM1 1EF,Replacement windows,Permitted,not a date,"
       "Planning Committee\n")


def write(folder: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = folder / name
    path.write_bytes(text.encode(encoding))
    return path


def test_title_row_cr_endings_and_mac_roman_accents(tmp_path):
    path = write(tmp_path, "2016-planning-applications.csv", OLD, "latin-1")
    df, report = planning.load_applications(path, report=True)
    assert df["reference"].to_list() == ["16/00001/B", "16/00002/C"]
    assert df["description"][1] == "Change of use to a café"  # quoted newline kept as a space, 0x8E read as é
    assert df["decision"].to_list() == ["permitted", "refused"]
    assert df["decision_date"][0] == date(2016, 1, 5) and df["year"].to_list() == [2016, 2016]
    assert df["postcode"].to_list() == ["IM5 1AA", None]
    assert report.files[0].encoding == "mac_roman" and report.files[0].header_line == 3


def test_2018_column_order_multiline_address_and_a_bad_date_is_kept_with_a_note(tmp_path):
    path = write(tmp_path, "2018.csv", NEW)
    df, report = planning.load_applications(path, report=True)
    assert df["address"][0] == "Unit 1, Douglas, Isle Of Man"
    assert df["application_type"].to_list() == ["D", "B"]
    assert df["decision_date"][0] == date(2018, 2, 1) and df["decision_date"][1] is None
    assert df["year"][1] == 2018  # from the file name when the date is unreadable
    (problem,) = report.problems
    assert problem.kept and problem.line == 6 and "not a date" in problem.why


def test_cp1252_file_reads_its_accents(tmp_path):
    text = ("PA Ref,PROPOSAL,Property Address,Decision\n"
            "17/00001/B,Creation of a ménage – café,Field 1 Peel,Permitted\n")
    df, report = planning.load_applications(write(tmp_path, "list.csv", text, "cp1252"), report=True)
    assert df["description"][0] == "Creation of a ménage – café"
    assert report.files[0].encoding == "cp1252"


def test_wrong_columns_name_the_expected_and_found(tmp_path):
    path = write(tmp_path, "other.csv", "Name,Email,Phone\nA,a@b.c,1\n")
    with pytest.raises(PlanningDataError, match=r"Expected PA Ref.*found \['Name', 'Email', 'Phone'\]"):
        planning.load_applications(path)
    appeals = write(tmp_path, "appeals.csv", "REFVAL,PROPOSAL,ADDRESS,Appeal/Dept Decision\n16/1/B,x,y,APER\n")
    with pytest.raises(PlanningDataError, match="load_appeals"):
        planning.load_applications(appeals)


def test_footer_and_ragged_rows_are_reported_not_dropped_silently(tmp_path):
    text = ("Proposal,Address,Decision,Date decision issued,Planning Application No\n"
            "Erection of a shed,1 Road Peel,PER,05-Jan-16,16/00005/B\n"
            "Too,many,fields,here,16/00006/B,extra\n"
            ",,,,1114\n")
    path = write(tmp_path, "2016-delegated.csv", text)
    df, report = planning.load_applications(path, report=True)
    assert df.height == 1
    whys = {p.line: p.why for p in report.unreadable}
    assert "6 fields" in whys[3] and "footer" in whys[4]
    with pytest.warns(UserWarning, match="2 rows could not be read"):
        planning.load_applications(path)


def test_duplicate_references_across_files_are_merged_and_disagreements_reported(tmp_path):
    write(tmp_path, "2016-planning-applications.csv", OLD, "latin-1")
    write(tmp_path, "2016-delegated.csv", "Proposal,Address,Decision,Date decision issued,Planning Application No\n"
                                          "Erection of a dwelling,1 Main Road Peel,PER,05-Jan-16,16/00001/B\n"
                                          "Change of use to a cafe,Shop Douglas,PER,06-Jan-16,16/00002/C\n")
    write(tmp_path, "2016-appeals.csv", "PROPOSAL,Decision,PA Ref,Property Address,Appeal decision\n"
                                        "x,Refused,16/00002/C,Shop,Approved at Appeal\n")
    df, report = planning.load_applications(tmp_path, report=True)
    assert df.height == 2 and df["determining_body"][0] == "Planning Committee"  # the fuller row wins
    assert set(report.duplicates) == {"16/00001/B", "16/00002/C"}
    assert len(report.conflicts) == 1 and "16/00002/C: decision refused" in report.conflicts[0]
    assert any(f.layout == "skipped" and "load_appeals" in f.note for f in report.files)
    appeals = planning.load_appeals(tmp_path)
    assert appeals["appeal_decision"].to_list() == ["allowed"]


def test_missing_path_and_empty_folder(tmp_path):
    with pytest.raises(PlanningDataError, match="No file or folder"):
        planning.load_applications(tmp_path / "nope.csv")
    with pytest.raises(PlanningDataError, match="no .csv files"):
        planning.load_applications(tmp_path)


def test_the_real_2016_to_2018_lists():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        df, report = planning.load_applications(PUBLISHED, report=True)
    assert df.height == 4015
    assert df.group_by("year").len().sort("year")["len"].to_list() == [1371, 1332, 1312]
    assert df["reference"].n_unique() == 4015 and df["description"].str.len_chars().min() > 0
    assert [p.line for p in report.unreadable] == [1118, 1081]  # the two delegated-list total rows
    assert len(report.duplicates) == 3305 and not report.conflicts and report.applications == 4015
    assert df.filter(df["description"].str.contains("ménage|café|façade")).height == 4  # no mojibake
    appeals = planning.load_appeals(PUBLISHED)
    assert appeals.height == 212 and appeals["appeal_decision"].null_count() == 0


def test_the_published_lists_in_the_repository_are_the_default(monkeypatch):
    monkeypatch.delenv("KIT_PLANNING_DATA", raising=False)
    monkeypatch.delenv("KIT_DATASETS", raising=False)
    assert published_dir() == PUBLISHED
    monkeypatch.setenv("KIT_PLANNING_DATA", "/elsewhere/lists")
    assert published_dir() == Path("/elsewhere/lists")


def test_a_year_it_has_not_seen_is_read_like_the_others(tmp_path):
    for name in ("2018-planning-applications.csv", "2018-delegated-decisions.csv"):  # 2018's lists, moved to 2021
        text = re.sub(rb"-18(?=[,\r\n])", b"-21", (PUBLISHED / name).read_bytes()).replace(b"18/0", b"21/0")
        (tmp_path / name.replace("2018", "2021")).write_bytes(text)
    shutil.copy(PUBLISHED / "2017-planning-applications.csv", tmp_path)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        df, report = planning.load_applications(tmp_path, report=True)
    assert df.group_by("year").len().sort("year")["len"].to_list() == [1332, 1312]
    assert set(df["year"]) == {2017, 2021} and not report.unreadable and not report.conflicts


def test_the_project_sample_reads_back_through_the_loader():
    sample = ROOT / "datasets" / "planning" / "sample.csv"
    df, report = planning.load_applications(sample, report=True)
    assert df.height == 200 and not report.problems
    assert set(df["decision"]) <= {"permitted", "refused", "withdrawn", "lawful", "not lawful"}
    assert df["decision_date"].null_count() == 0 and set(df["year"]) == {2016, 2017, 2018}


def test_other_exports_semicolons_utf16_and_note_rows(tmp_path):
    text = ("Application Number;Proposal Description;Site Address;Decision;Decision Date\n"
            "19/00001/B;Erection of a shed;1 Road Peel IM5 1AA;Approved;05/01/2019 00:00:00\n"
            "Total: 1;;;;\n")
    df, report = planning.load_applications(write(tmp_path, "2019.csv", text, "utf-16"), report=True)
    assert df["reference"].to_list() == ["19/00001/B"] and df["decision"][0] == "permitted"
    assert df["decision_date"][0] == date(2019, 1, 5) and report.files[0].encoding == "utf-16"
    assert [p.line for p in report.unreadable] == [3]
    with pytest.raises(PlanningDataError, match="NUL bytes"):
        planning.load_applications(write(tmp_path, "book.xls", "PK\x00\x00binary", "latin-1"))


@pytest.mark.parametrize("raw,value", [
    ("Permitted", "permitted"), ("PER", "permitted"), ("PERDMC", "permitted"), ("Refused", "refused"),
    ("REF", "refused"), ("Application Withdrawn", "withdrawn"),
    ("Deemed withdrawn 4(3) Dev Pro Order 2005", "withdrawn"),
    ("Certificate of Lawfulness AGREED", "lawful"), ("Certificate of Lawfulness DECLINED", "not lawful"),
    ("CLAWA", "lawful"), ("CLAWR", "not lawful"), ("Deemed Consent - telecommunication appli", "permitted"),
    ("Something new", "other"), ("", None),
])
def test_published_decisions_normalise(raw, value):
    assert normalise_decision(raw) == value


# The appeal column alone says what the appeal body did, not whether the appeal succeeded (that needs the original
# decision too: "Approved at Appeal" used to be read as "allowed" whoever appealed, the bug of issue 18).
@pytest.mark.parametrize("raw,value", [
    ("Approved at Appeal", "approved"), ("APER", "approved"), ("APER1", "approved"), ("Refused at appeal", "refused"),
    ("Refused at Appeal", "refused"), ("AREF", "refused"), ("AREF1", "refused"), ("Appeal Withdrawn", "withdrawn"),
    ("AWDN", "withdrawn"), ("Decision Split at Appeal", "split"), ("ASPLIT", "split"),
    ("Department Application Approved", "department approved"), ("ADEPT", "department approved"),
    ("Department Application refused", "department refused"), ("ARDE", "department refused"),
    ("Approved by Council of Ministers", "council of ministers approved"), ("Appeal declined", None), ("", None),
    ("APERX", None),
])
def test_appeal_outcomes_normalise(raw, value):
    assert appeal_result(raw) == value


# Every (Decision, Appeal decision) pair in the published 2016-2018 lists, and what it means.
PAIRS = [
    ("Permitted", "Approved at Appeal", "third party", "dismissed"),  # the permission stood
    ("Permitted", "Refused at appeal", "third party", "allowed"),  # the permission was overturned
    ("Permitted", "Decision Split at Appeal", "third party", "split"),
    ("Permitted", "Appeal Withdrawn", "third party", "withdrawn"),
    ("Refused", "Approved at Appeal", "applicant", "allowed"),
    ("Refused", "Refused at appeal", "applicant", "dismissed"),
    ("Refused", "Refused at Appeal", "applicant", "dismissed"),
    ("Refused", "Decision Split at Appeal", "applicant", "split"),
    ("Refused", "Appeal Withdrawn", "applicant", "withdrawn"),
    ("Permitted", "Department Application Approved", "department application", "approved"),
    ("Refused", "Department Application refused", "department application", "refused"),
    ("Permitted", "Approved by Council of Ministers", "department application", "approved"),
    ("PER", "APER", "third party", "dismissed"), ("PER", "APER1", "third party", "dismissed"),
    ("PER", "AREF1", "third party", "allowed"), ("PER", "AWDN", "third party", "withdrawn"),
    ("REF", "APER", "applicant", "allowed"), ("REF", "APER1", "applicant", "allowed"),
    ("REF", "AREF", "applicant", "dismissed"), ("REF", "ASPLIT", "applicant", "split"),
    ("REF", "AWDN", "applicant", "withdrawn"),
    ("PER", "ADEPT", "department application", "approved"), ("REF", "ARDE", "department application", "refused"),
]


@pytest.mark.parametrize("decision,appeal,appellant,outcome", PAIRS)
def test_every_published_appeal_pair_is_read_from_both_columns(decision, appeal, appellant, outcome):
    assert appeal_outcome(decision, appeal) == (appellant, outcome)


def test_every_pair_in_the_published_lists_is_mapped_and_an_unknown_pair_is_reported(tmp_path):
    assert {(d, a) for d, a, _, _ in PAIRS} == {(d, a) for d, a in _published_pairs()}
    assert {(normalise_decision(d), appeal_result(a)) for d, a, _, _ in PAIRS} == set(APPEALS)
    for decision, appeal in (("Refused", "Department Application Approved"), ("Withdrawn", "Approved at Appeal"),
                             ("Permitted", "Appeal declined")):
        assert appeal_outcome(decision, appeal) is None
    write(tmp_path, "2023-appeals.csv", "PA Ref,PROPOSAL,Decision,Appeal determined,Appeal decision\n"
                                        "22/00606/B,A dwelling,Permitted,08-Mar-23,Appeal declined\n"
                                        "22/00709/B,An extension,Permitted,22-Mar-23,Approved at Appeal\n")
    appeals, report = planning.load_appeals(tmp_path, report=True)
    assert appeals["appellant"].to_list() == [None, "third party"]
    assert appeals["appeal_decision"].to_list() == [None, "dismissed"]
    assert [(p.line, p.kept) for p in report.problems] == [(2, True)]
    assert "'Permitted' with appeal decision 'Appeal declined'" in report.problems[0].why
    with pytest.warns(UserWarning, match="1 appeals have an outcome the kit does not know"):
        planning.load_appeals(tmp_path)


def _published_pairs() -> set[tuple[str, str]]:
    """(Decision, Appeal decision) as published, read with the csv module alone (not the kit's loader)."""
    pairs = set()
    for year, encoding in ((2016, "utf-8"), (2017, "cp1252"), (2018, "utf-8")):
        text = (PUBLISHED / f"{year}-appeals.csv").read_bytes().decode(encoding)
        rows = [r for r in csv.reader(io.StringIO(text, newline="")) if any(c.strip() for c in r)]
        header = next(i for i, r in enumerate(rows) if "PA Ref" in r or "REFVAL" in r)
        names = [c.strip().lower() for c in rows[header]]
        decision = names.index("decision" if "decision" in names else "planning decision")
        pairs |= {(r[decision].strip(), r[-1].strip()) for r in rows[header + 1:]}
    return pairs
