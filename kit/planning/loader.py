"""Load published lists of determined planning applications (and appeals) into one polars schema.

Schema (names follow the MHCLG / planning.data.gov.uk ``planning-application`` specification where it has
a field; see datasets/planning/README.md for the mapping): reference, application_type, description,
address, postcode, decision, decision_raw, decision_date, determining_body, year, source_file, source_line.
Appeals add appeal_lodged, appeal_date, appellant, appeal_decision and appeal_decision_raw.
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path

from kit.planning.csvfile import PlanningDataError, clean, normalise_header, oversized, read_rows
from kit.planning.decisions import appeal_outcome, normalise_decision, parse_date
from kit.planning.extraction import parsers
from kit.planning.report import FileReport, LoadReport, RowProblem

# Canonical column -> header spellings seen in published lists (normalised: lower case, words only).
COLUMNS: dict[str, tuple[str, ...]] = {
    "reference": ("pa ref", "refval", "planning application no", "application number", "application no",
                  "application reference", "reference", "ref", "pa reference", "case reference", "pa no"),
    "description": ("proposal", "description", "development description", "description of development",
                    "proposal description", "details of proposal"),
    "address": ("property address", "address", "site address", "location", "site location"),
    "decision": ("decision", "planning decision", "pa decision", "decision type", "outcome"),
    "decision_date": ("decision issued", "date decision issued", "decision date", "pa decision issued",
                      "date of decision", "date issued", "decision issued date"),
    "determining_body": ("determining body", "decided by", "decision level", "decision maker"),
    "appeal_lodged": ("appeal lodged", "appeal date lodged", "date appeal lodged"),
    "appeal_date": ("appeal determined", "appeal dept date determined", "appeal date determined",
                    "appeal decision date"),
    "appeal_decision": ("appeal decision", "appeal dept decision", "appeal outcome"),
}
EXPECTED = "PA Ref (or Reference / REFVAL / Planning Application No), PROPOSAL (or Description), Property Address, " \
           "Decision, Decision issued, Determining Body"
_C1 = re.compile("[\u0080-\u009f]")
_YEAR_IN_NAME = re.compile(r"(?<!\d)(19|20)\d{2}(?!\d)")


def _header(rows: list[tuple[int, list[str]]]) -> tuple[int, dict[str, int]] | None:
    """The first row (of the first ten) naming a reference or proposal column; canonical -> column index."""
    for position, (_, row) in enumerate(rows[:10]):
        names = [normalise_header(cell) for cell in row]
        found = {}
        for canonical, spellings in COLUMNS.items():
            for index, name in enumerate(names):
                if name in spellings and canonical not in found:
                    found[canonical] = index
        if ("reference" in found or "description" in found) and len(found) >= 2:
            return position, found
    return None


def layout_of(found: dict[str, int]) -> str:
    """'appeals' when there is an appeal decision column, 'applications' with a determining body, else 'delegated'."""
    if "appeal_decision" in found:
        return "appeals"
    return "applications" if "determining_body" in found else "delegated"


def _files(path: Path) -> list[Path]:
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() in (".csv", ".txt", ".tsv"))
        if not files:
            raise PlanningDataError(f"{path} holds no .csv files. Give a folder of published CSV lists or one file.")
        return files
    if not path.exists():
        raise PlanningDataError(f"No file or folder at {path}. Check the path.")
    return [path]


def _read_file(path: Path, report: LoadReport, *, want: tuple[str, ...], single: bool) -> list[dict]:
    rows, encoding = read_rows(path)
    header = _header(rows)
    if header is None:
        found = [c for c in (rows[0][1] if rows else []) if c.strip()]
        if single:
            raise PlanningDataError(f"{path} does not have the columns of a planning list. Expected {EXPECTED}; "
                                    f"found {found or 'no header at all'}.")
        report.files.append(FileReport(str(path), "skipped", encoding, 0, 0, 0, f"no planning header (found {found})"))
        return []
    position, found = header
    layout = layout_of(found)
    missing = [c for c in ("reference", "description") if c not in found]
    if layout not in want or missing:
        why = (f"missing {', '.join(missing)}" if missing else
               f"a list of {layout}" + ("; read it with load_appeals()" if layout == "appeals" else ""))
        if single:
            raise PlanningDataError(f"{path} cannot be read as {' or '.join(want)}: {why}. Expected {EXPECTED}; "
                                    f"found {[c for c in rows[position][1] if c.strip()]}.")
        report.files.append(FileReport(str(path), "skipped", encoding, rows[position][0], 0, 0, why))
        return []
    width = len(rows[position][1])
    fallback_year = _year_from(path.name, rows[:position])
    out, unreadable = [], 0
    for line, row in rows[position + 1:]:
        if not any(cell.strip() for cell in row):
            continue  # blank line
        too_long = oversized(row)
        if too_long:
            report.problems.append(RowProblem(str(path), line, too_long, False))
            unreadable += 1
            continue
        if len(row) != width and any(cell.strip() for cell in row[width:]):
            why = f"{len(row)} fields where the header has {width}"
            report.problems.append(RowProblem(str(path), line, why, False))
            unreadable += 1
            continue
        get = {name: (row[index] if index < len(row) else None) for name, index in found.items()}
        record, problem = _to_record(get, layout, fallback_year)
        if record is None:
            report.problems.append(RowProblem(str(path), line, problem, False))
            unreadable += 1
            continue
        if problem:
            report.problems.append(RowProblem(str(path), line, problem, True))
        out.append({**record, "source_file": path.name, "source_line": line})
    note = "title row skipped" if position else ""
    report.files.append(FileReport(str(path), layout, encoding, rows[position][0], len(out), unreadable, note))
    return out


def _year_from(name: str, title_rows: list[tuple[int, list[str]]]) -> int | None:
    match = _YEAR_IN_NAME.search(name)
    if match:
        return int(match.group(0))
    for _, row in title_rows:  # "Determined between 1/1/16 - 31/12/16"
        found = re.findall(r"\d{1,2}/\d{1,2}/(\d{2,4})", " ".join(row))
        if found:
            return int(found[-1]) + (2000 if len(found[-1]) == 2 else 0)
    return None


def _to_record(get: dict[str, str | None], layout: str, fallback_year: int | None) -> tuple[dict | None, str]:
    reference_raw = clean(get.get("reference"))
    description = clean(get.get("description"))
    if not reference_raw and not description:
        return None, "no reference and no proposal (an empty or footer row)"
    if reference_raw and not description and re.fullmatch(r"\d+", reference_raw):
        return None, f"a total/footer row ({reference_raw!r}), not an application"
    notes = []
    reference = parsers.normalise_reference(reference_raw) if reference_raw else None
    if not description and reference is None:
        return None, f"no proposal and no reference ({reference_raw!r}): a footer or note row?"
    if reference_raw and reference is None:
        reference = reference_raw
        notes.append(f"reference {reference_raw!r} is not in the YY/NNNNN/TYPE form; type unknown")
    if not reference_raw:
        notes.append("no reference")
    if not description:
        notes.append("no proposal text")
    address = clean(get.get("address"), lines_as=", ")
    if _C1.search(description or "") or _C1.search(address or ""):
        notes.append("control characters in the text (the publisher mis-encoded an accented letter); kept as published")
    raw_date = clean(get.get("decision_date"))
    decided = parse_date(raw_date)
    if raw_date and decided is None:
        notes.append(f"decision date {raw_date!r} not understood")
    decision_raw = clean(get.get("decision"))
    record = {
        "reference": reference,
        "application_type": parsers.reference_type(reference) if reference else None,
        "description": description or "",
        "address": address,
        "postcode": parsers.find_postcode(address)[0] if address else None,
        "decision": normalise_decision(decision_raw),
        "decision_raw": decision_raw,
        "decision_date": decided,
        "determining_body": clean(get.get("determining_body")),
        "year": decided.year if decided else fallback_year,
    }
    if layout == "appeals":
        appeal_raw = clean(get.get("appeal_decision"))
        appellant, outcome = appeal_outcome(decision_raw, appeal_raw) or (None, None)
        if outcome is None:
            notes.append(f"appeal outcome unknown for decision {decision_raw!r} with appeal decision {appeal_raw!r} "
                         "(not in kit.planning.decisions.APPEALS; left empty, not guessed)")
        record.update(appeal_lodged=parse_date(clean(get.get("appeal_lodged"))),
                      appeal_date=parse_date(clean(get.get("appeal_date"))), appellant=appellant,
                      appeal_decision=outcome, appeal_decision_raw=appeal_raw)
        record["year"] = record["appeal_date"].year if record["appeal_date"] else fallback_year
    return record, "; ".join(notes)


def _schema(appeals: bool = False) -> dict:
    import polars as pl

    schema = {"reference": pl.Utf8, "application_type": pl.Utf8, "description": pl.Utf8, "address": pl.Utf8,
              "postcode": pl.Utf8, "decision": pl.Utf8, "decision_raw": pl.Utf8, "decision_date": pl.Date,
              "determining_body": pl.Utf8, "year": pl.Int64}
    if appeals:
        schema.update(appeal_lodged=pl.Date, appeal_date=pl.Date, appellant=pl.Utf8, appeal_decision=pl.Utf8,
                      appeal_decision_raw=pl.Utf8)
    return {**schema, "source_file": pl.Utf8, "source_line": pl.Int64}


def _merge(records: list[dict], report: LoadReport) -> list[dict]:
    """One row per reference: fields filled from the fullest list first; duplicates and disagreements reported."""
    by_ref: dict[str, list[dict]] = {}
    order: list[str | tuple] = []
    for record in records:
        key = record["reference"]
        if key is None:
            order.append(("unkeyed", len(order), record))
            continue
        if key not in by_ref:
            order.append(key)
        by_ref.setdefault(key, []).append(record)
    merged = []
    for key in order:
        if isinstance(key, tuple):
            merged.append(key[2])
            continue
        group = by_ref[key]
        if len(group) == 1:
            merged.append(group[0])
            continue
        report.duplicates[key] = [f"{r['source_file']}:{r['source_line']}" for r in group]
        group = sorted(group, key=lambda r: r["determining_body"] is None)  # the full list first
        row = dict(group[0])
        for other in group[1:]:
            for name, value in other.items():
                if row.get(name) is None and value is not None:
                    row[name] = value
            for name in ("decision", "decision_date"):
                if other[name] is not None and row[name] is not None and other[name] != row[name]:
                    report.conflicts.append(f"{key}: {name} {row[name]} in {row['source_file']} but {other[name]} "
                                            f"in {other['source_file']}; kept the first")
        merged.append(row)
    return merged


def _load(path_or_folder, want: tuple[str, ...], appeals: bool, report_wanted: bool):
    import polars as pl

    path = Path(path_or_folder)
    files = _files(path)
    report = LoadReport()
    records: list[dict] = []
    for file in files:
        records.extend(_read_file(file, report, want=want, single=not path.is_dir()))
    if not any(f.layout in want for f in report.files):
        raise PlanningDataError(f"No {' or '.join(want)} list found in {path}. Files seen: "
                                + "; ".join(f"{Path(f.path).name} ({f.note})" for f in report.files))
    if not appeals:
        records = _merge(records, report)
    report.applications = len(records)
    schema = _schema(appeals)
    frame = pl.DataFrame(records, schema=schema, orient="row") if records else pl.DataFrame(schema=schema)
    if report_wanted:
        return frame, report
    if report.unreadable or report.conflicts:
        warnings.warn(f"{len(report.unreadable)} rows could not be read and {len(report.conflicts)} duplicate "
                      "references disagree; call with report=True to see which (file, line, why).", stacklevel=3)
    unknown = sum(r["appeal_decision"] is None for r in records) if appeals else 0
    if unknown:
        warnings.warn(f"{unknown} appeals have an outcome the kit does not know (left empty); call with "
                      "report=True to see which (file, line, the two columns).", stacklevel=3)
    return frame


def load_applications(path_or_folder: str | Path, *, report: bool = False):
    """Read one published list, or every list in a folder, into one table (one row per application).

    Accepts title rows, blank lines, any line ending, UTF-8 or legacy code pages, columns in any order and
    quoted multi-line cells. In a folder, full lists and delegated-decision lists are both read and a
    reference found in several files becomes one row (the fullest values kept, disagreements reported);
    appeal lists are skipped (use :func:`load_appeals`). Rows that cannot be read are never dropped
    silently: with ``report=True`` the call returns ``(frame, LoadReport)``; without it a warning says how many.

    Raises:
        PlanningDataError: a file with the wrong columns (naming those expected and found), or no list at all.
    """
    return _load(path_or_folder, ("applications", "delegated"), False, report)


def load_appeals(path_or_folder: str | Path, *, report: bool = False):
    """Read published appeal lists (one row per appeal) with the original decision and the appeal outcome.

    ``appellant`` (applicant, third party, or department application: no appeal) and ``appeal_decision``
    (allowed, dismissed, split, withdrawn; approved or refused for a Department application) are decided from
    both published columns (see kit.planning.decisions.APPEALS); a pair not in it is left empty and reported.
    """
    return _load(path_or_folder, ("appeals",), True, report)
