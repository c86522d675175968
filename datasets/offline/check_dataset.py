#!/usr/bin/env python3
"""Validate the offline-guidance corpus and its questions; fill or verify section_ids with kit.docs.

    python datasets/offline/check_dataset.py           # validate (section_ids too when kit.docs imports)
    python datasets/offline/check_dataset.py --write   # fill section_ids from kit.docs.ingest, then validate
    python datasets/offline/check_dataset.py --stats   # validate, then print the counts as JSON
    python datasets/offline/check_dataset.py --no-ingest  # skip the kit.docs checks

Checks: document counts and formats; the synthetic marker in every document (read from the file as a
reader would: Markdown/text, the .docx XML, the .pdf text through pypdf); generated files up to date;
every question well formed; every answerable question's heading exists in its document and its section
holds every answer keyword; with kit.docs, every section id exists, belongs to the named document, sits
under the named heading and holds the keywords. Exits 1 naming each problem.
"""
from __future__ import annotations

import json
import re
import sys
import tempfile
import zipfile
from collections import Counter
from pathlib import Path
from xml.etree import ElementTree as ET

HERE = Path(__file__).resolve().parent
DOCS = HERE / "docs"
SOURCES = HERE / "sources"
QUESTIONS = HERE / "questions.jsonl"
MARKER = "synthetic example, not clinical guidance"
FORMATS = (".md", ".txt", ".docx", ".pdf")
MIN_DOCS, MIN_QUESTIONS, MIN_UNANSWERABLE = 25, 100, 20
MIN_PER_FORMAT = {".md": 1, ".txt": 1, ".docx": 3, ".pdf": 2}
FIELDS = {"id": str, "question": str, "answerable": bool, "document": (str, type(None)),
          "heading": (str, type(None)), "section_ids": list, "answer_keywords": list, "notes": str}
W_NS = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def norm(text: str) -> str:
    """Lower-case with runs of whitespace collapsed, so wrapped PDF lines still match."""
    return " ".join(text.split()).lower()


def read_text(path: Path) -> str:
    """The text of one document, as a reader of that format sees it."""
    if path.suffix in (".md", ".txt"):
        return path.read_text(encoding="utf-8")
    if path.suffix == ".docx":
        with zipfile.ZipFile(path) as z:
            root = ET.fromstring(z.read("word/document.xml"))
        return "\n".join("".join(t.text or "" for t in p.iter(f"{W_NS}t")) for p in root.iter(f"{W_NS}p"))
    from pypdf import PdfReader

    return "\n".join(page.extract_text() for page in PdfReader(path).pages)


def source_of(doc: str) -> Path:
    """The Markdown a document is written from (itself for .md/.txt, sources/<stem>.md otherwise)."""
    path = DOCS / doc
    return path if path.suffix in (".md", ".txt") else SOURCES / f"{path.stem}.md"


def source_sections(doc: str) -> dict[str, str]:
    """Heading path ("Title > Section") -> section text, from the document's Markdown source."""
    sections: dict[str, list[str]] = {}
    title, current = "", None
    for line in source_of(doc).read_text(encoding="utf-8").splitlines():
        if m := re.match(r"^(#{1,3}) (.+)$", line):
            if len(m.group(1)) == 1:
                title, current = m.group(2).strip(), m.group(2).strip()
            else:
                current = f"{title} > {m.group(2).strip()}"
            sections.setdefault(current, [])
        elif current is not None:
            sections[current].append(line)
    return {k: "\n".join(v) for k, v in sections.items()}


def check_documents(problems: list[str]) -> Counter:
    """Counts per format; the marker in every document; generated files up to date."""
    files = sorted(p for p in DOCS.iterdir() if p.is_file() and not p.name.startswith("."))
    counts = Counter(p.suffix for p in files)
    for p in files:
        if p.suffix not in FORMATS:
            problems.append(f"docs/{p.name}: unexpected format {p.suffix!r} (use {', '.join(FORMATS)})")
            continue
        head = norm(read_text(p))[:400]
        if MARKER not in head:
            problems.append(f"docs/{p.name}: the marker 'Synthetic example, not clinical guidance' is not near the top")
    if len(files) < MIN_DOCS:
        problems.append(f"docs/ holds {len(files)} documents; at least {MIN_DOCS} are needed")
    for suffix, least in MIN_PER_FORMAT.items():
        if counts[suffix] < least:
            problems.append(f"docs/ holds {counts[suffix]} {suffix} files; at least {least} are needed")
    sys.path.insert(0, str(HERE))
    import make_formats

    for target, data in make_formats.outputs().items():
        if not target.is_file() or target.read_bytes() != data:
            problems.append(f"docs/{target.name} is stale: run python datasets/offline/make_formats.py")
    return counts


def load_questions(problems: list[str]) -> list[dict]:
    """Parse questions.jsonl and check every row's fields, ids and source-level answers."""
    rows = []
    for n, line in enumerate(QUESTIONS.read_text(encoding="utf-8").splitlines(), 1):
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            problems.append(f"questions.jsonl line {n}: not JSON ({exc})")
            continue
        if set(row) != set(FIELDS):
            problems.append(f"questions.jsonl line {n}: fields {sorted(row)} != {sorted(FIELDS)}")
            continue
        bad = [k for k, t in FIELDS.items() if not isinstance(row[k], t)]
        if bad:
            problems.append(f"{row['id']}: wrong type for {bad}")
            continue
        rows.append(row)
    ids = Counter(r["id"] for r in rows)
    problems += [f"duplicate id {i}" for i, c in ids.items() if c > 1]
    texts = Counter(norm(r["question"]) for r in rows)
    problems += [f"duplicate question {q!r}" for q, c in texts.items() if c > 1]
    for r in rows:
        if not r["question"].strip():
            problems.append(f"{r['id']}: empty question")
        if not r["answerable"]:
            if r["document"] or r["heading"] or r["section_ids"] or r["answer_keywords"]:
                problems.append(f"{r['id']}: unanswerable but names a document, heading, section or keyword")
            if not r["notes"]:
                problems.append(f"{r['id']}: unanswerable questions say in notes why the corpus does not cover them")
            continue
        if not r["document"] or not (DOCS / r["document"]).is_file():
            problems.append(f"{r['id']}: document {r['document']!r} is not in docs/")
            continue
        if not r["answer_keywords"]:
            problems.append(f"{r['id']}: answerable but has no answer_keywords")
        sections = source_sections(r["document"])
        if r["heading"] not in sections:
            problems.append(f"{r['id']}: heading {r['heading']!r} not in {r['document']} (have {list(sections)})")
            continue
        body = norm(sections[r["heading"]])
        whole = norm(read_text(DOCS / r["document"]))
        for kw in r["answer_keywords"]:
            if norm(kw) not in body:
                problems.append(f"{r['id']}: keyword {kw!r} not in section {r['heading']!r}")
            elif norm(kw) not in whole:
                problems.append(f"{r['id']}: keyword {kw!r} lost in docs/{r['document']} as read")
    if len(rows) < MIN_QUESTIONS:
        problems.append(f"{len(rows)} questions; at least {MIN_QUESTIONS} are needed")
    unanswerable = sum(not r["answerable"] for r in rows)
    if unanswerable < MIN_UNANSWERABLE:
        problems.append(f"{unanswerable} unanswerable questions; at least {MIN_UNANSWERABLE} are needed")
    return rows


def heading_matches(section_heading: str, question_heading: str) -> bool:
    """True when the section sits under the question's heading (the last heading level must agree)."""
    want = norm(question_heading.split(" > ")[-1])
    return norm(section_heading).split(" > ")[-1] == want or norm(section_heading).endswith(norm(question_heading))


def matching_ids(store, row: dict) -> list[str]:
    """Ids of the sections of the row's document, under its heading, that hold every keyword."""
    keys = [norm(k) for k in row["answer_keywords"]]
    return [s.id for s in store.sections
            if s.document == row["document"] and heading_matches(s.heading, row["heading"])
            and all(k in norm(s.text) for k in keys)]


def check_section_ids(rows: list[dict], problems: list[str], write: bool) -> dict:
    """Ingest docs/ with kit.docs (index in a temporary folder) and fill or verify every section_ids."""
    sys.path.insert(0, str(HERE.parent.parent))  # the repository root, when run as a script
    from kit.docs import ingest

    with tempfile.TemporaryDirectory() as index_dir:
        store = ingest(DOCS, index_dir=index_dir)
    if store.report:
        problems += [f"kit.docs skipped {s.path}: {s.reason}" for s in store.report]
    missing_docs = sorted({r["document"] for r in rows if r["answerable"]} - set(store.documents))
    problems += [f"kit.docs did not ingest {d}" for d in missing_docs]
    known = {s.id: s for s in store.sections}
    for r in rows:
        if not r["answerable"]:
            continue
        found = matching_ids(store, r)
        if write:
            r["section_ids"] = found
        if not found:
            problems.append(f"{r['id']}: no kit.docs section of {r['document']} under {r['heading']!r} holds {r['answer_keywords']}")
        elif not r["section_ids"]:
            problems.append(f"{r['id']}: section_ids empty; run check_dataset.py --write")
        else:
            for sid in r["section_ids"]:
                s = known.get(sid)
                if s is None:
                    problems.append(f"{r['id']}: section id {sid!r} is not in the store; run check_dataset.py --write")
                elif sid not in found:
                    problems.append(f"{r['id']}: section {sid!r} does not hold {r['answer_keywords']} under {r['heading']!r}")
    if write:
        QUESTIONS.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return {"sections": len(store.sections), "documents_ingested": len(store.documents)}


def main(argv: list[str]) -> int:
    """Run every check; print a summary or the problems."""
    problems: list[str] = []
    counts = check_documents(problems)
    rows = load_questions(problems)
    extra = {}
    if "--no-ingest" not in argv and not problems:
        extra = check_section_ids(rows, problems, write="--write" in argv)
    if problems:
        print(f"{len(problems)} problem(s):", *problems, sep="\n  ", file=sys.stderr)
        return 1
    stats = {
        "documents": sum(counts.values()),
        "by_format": dict(sorted(counts.items())),
        "questions": len(rows),
        "answerable": sum(r["answerable"] for r in rows),
        "unanswerable": sum(not r["answerable"] for r in rows),
        "documents_with_questions": len({r["document"] for r in rows if r["answerable"]}),
        **extra,
    }
    print(json.dumps(stats) if "--stats" in argv else f"ok: {stats}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
