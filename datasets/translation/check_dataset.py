#!/usr/bin/env python3
"""Validate the translation evaluation dataset in this folder.

Standard library only. Exits 0 and prints a short summary when everything
passes; exits 1 with a message naming the first problem otherwise.

    python3 datasets/translation/check_dataset.py          # validate
    python3 datasets/translation/check_dataset.py --stats  # validate, then print counts as JSON
"""
from __future__ import annotations

import csv
import json
import re
import sys
import unicodedata
import zipfile
from collections import Counter
from pathlib import Path
from xml.etree import ElementTree as ET

HERE = Path(__file__).resolve().parent
LANGS = ("cy", "fr", "pl", "ur", "ar")
DOMAINS = {
    "appointment_letter", "council_tax", "housing_repairs", "school_letter",
    "benefits", "waste_collection", "parking", "health_service", "correspondence",
}
REQUIRED = ("id", "domain", "en", *LANGS, "protected")
MIN_SEGMENTS = 40
MIN_WITH_TOKENS = 30
DOCS = ("doc_council_tax_notice", "doc_school_trip_letter", "doc_housing_repair_update")

# Token kinds, tried in order; the first match wins.
KINDS = (
    ("email", re.compile(r"^[\w.+-]+@[\w-]+(\.[\w-]+)+$")),
    ("url", re.compile(r"^(https?://|www\.)\S+$")),
    ("money", re.compile(r"^-?£\d{1,3}(,\d{3})*(\.\d{2})?$")),
    ("date", re.compile(r"^\d{2}/\d{2}/\d{4}$")),
    ("time", re.compile(r"^\d{2}:\d{2}$")),
    ("postcode", re.compile(r"^[A-Z]{1,2}\d[A-Z\d]? \d[A-Z]{2}$")),
    ("phone", re.compile(r"^0\d{2,4} \d{3,6}( \d{3,4})?$")),
    ("percentage", re.compile(r"^\d+(\.\d+)?%$")),
    ("number", re.compile(r"^\d+(/\d+)?$")),
    ("reference_code", re.compile(r"^(?=.*\d)[A-Z][A-Z0-9]*([-/][A-Z0-9]+)*$")),
)

# Strongly typed things that must be listed in `protected` whenever they occur in `en`.
MUST_PROTECT = re.compile(
    r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"          # email
    r"|(?:https?://|www\.)[^\s,;]*[^\s,;.]"   # url (trailing full stop excluded)
    r"|£\d{1,3}(?:,\d{3})*(?:\.\d{2})?"       # money
    r"|\b\d{2}/\d{2}/\d{4}\b"                 # date
    r"|\b\d{2}:\d{2}\b"                       # time
    r"|\b[A-Z]{1,2}\d[A-Z\d]? \d[A-Z]{2}\b"   # postcode
    r"|\b\d+%"                                # percentage
)

# Letters that belong to one of the two Arabic-script languages but not the other.
ARABIC_ONLY = {"\u064a": "ي", "\u0643": "ك", "\u0647": "ه", "\u0629": "ة"}  # must not occur in ur
URDU_ONLY = {"\u06cc": "ی", "\u06a9": "ک", "\u06c1": "ہ", "\u06d2": "ے", "\u0679": "ٹ", "\u0688": "ڈ", "\u0691": "ڑ"}
ARABIC_MARKS = re.compile("[\u064b-\u0652\u0670]")  # harakat, ignored when matching glossary terms


class Problem(Exception):
    pass


def fail(msg: str) -> None:
    raise Problem(msg)


def kind_of(token: str) -> str:
    for name, rx in KINDS:
        if rx.match(token):
            return name
    return "other"


def norm(text: str) -> str:
    """Normalisation used only for glossary matching: NFC, casefold, no Arabic harakat."""
    return ARABIC_MARKS.sub("", unicodedata.normalize("NFC", text)).casefold()


def load_segments() -> list[dict]:
    path = HERE / "segments.jsonl"
    if not path.is_file():
        fail(f"{path.name}: missing")
    segs, seen = [], set()
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            fail(f"segments.jsonl line {n}: blank line")
        try:
            rec = json.loads(line)
        except json.JSONDecodeError as e:
            fail(f"segments.jsonl line {n}: not valid JSON ({e})")
        if not isinstance(rec, dict):
            fail(f"segments.jsonl line {n}: not a JSON object")
        for key in REQUIRED:
            if key not in rec:
                fail(f"segments.jsonl line {n}: missing field '{key}'")
        extra = set(rec) - set(REQUIRED)
        if extra:
            fail(f"segments.jsonl line {n}: unexpected field(s) {sorted(extra)}")
        sid = rec["id"]
        if not isinstance(sid, str) or not re.fullmatch(r"seg-\d{3}", sid):
            fail(f"segments.jsonl line {n}: bad id {sid!r} (want seg-NNN)")
        if sid in seen:
            fail(f"segments.jsonl line {n}: duplicate id {sid}")
        seen.add(sid)
        if rec["domain"] not in DOMAINS:
            fail(f"{sid}: unknown domain {rec['domain']!r}")
        for key in ("en", *LANGS):
            val = rec[key]
            if not isinstance(val, str) or not val.strip():
                fail(f"{sid}: field '{key}' must be a non-empty string")
            if val != val.strip():
                fail(f"{sid}: field '{key}' has leading/trailing whitespace")
            if unicodedata.normalize("NFC", val) != val:
                fail(f"{sid}: field '{key}' is not NFC-normalised")
        prot = rec["protected"]
        if not isinstance(prot, list) or not all(isinstance(t, str) and t for t in prot):
            fail(f"{sid}: 'protected' must be a list of non-empty strings")
        if len(set(prot)) != len(prot):
            fail(f"{sid}: duplicate entries in 'protected'")
        segs.append(rec)
    return segs


def check_tokens(segs: list[dict]) -> None:
    for rec in segs:
        sid = rec["id"]
        for tok in rec["protected"]:
            if kind_of(tok) == "other":
                fail(f"{sid}: protected token {tok!r} matches no known kind")
            for key in ("en", *LANGS):
                if tok not in rec[key]:
                    fail(f"{sid}: protected token {tok!r} not found verbatim in '{key}'")
        for m in MUST_PROTECT.finditer(rec["en"]):
            found = m.group(0)
            if not any(found in tok for tok in rec["protected"]):
                fail(f"{sid}: '{found}' occurs in 'en' but is not listed in 'protected'")


def check_scripts(segs: list[dict]) -> None:
    for rec in segs:
        sid = rec["id"]
        for ch, shown in ARABIC_ONLY.items():
            if ch in rec["ur"]:
                fail(f"{sid}: 'ur' contains Arabic letter {shown} (U+{ord(ch):04X}); use the Urdu form")
        for ch, shown in URDU_ONLY.items():
            if ch in rec["ar"]:
                fail(f"{sid}: 'ar' contains Urdu letter {shown} (U+{ord(ch):04X}); use the Arabic form")
        for key in ("en", *LANGS):
            if re.search("[\u200e\u200f\u202a-\u202e\u2066-\u2069]", rec[key]):
                fail(f"{sid}: '{key}' contains a bidi control character; text is stored in logical order without them")
        for key in ("ur", "ar"):
            if re.search("[\u0660-\u0669\u06f0-\u06f9]", rec[key]):
                fail(f"{sid}: '{key}' uses Eastern Arabic digits; the dataset keeps digits as 0-9")


def load_glossary(lang: str) -> list[tuple[str, str]]:
    path = HERE / f"glossary_{lang}.csv"
    if not path.is_file():
        fail(f"{path.name}: missing")
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    if not rows or rows[0] != ["source", "target"]:
        fail(f"{path.name}: header must be exactly 'source,target'")
    out = []
    for n, row in enumerate(rows[1:], 2):
        if len(row) != 2:
            fail(f"{path.name} line {n}: expected 2 columns, got {len(row)}")
        src, tgt = (c.strip() for c in row)
        if not src or not tgt:
            fail(f"{path.name} line {n}: empty source or target")
        out.append((src, tgt))
    if not 6 <= len(out) <= 10:
        fail(f"{path.name}: expected 6-10 rows, got {len(out)}")
    if len({s.casefold() for s, _ in out}) != len(out):
        fail(f"{path.name}: duplicate source term")
    return out


def check_glossaries(segs: list[dict]) -> dict[str, int]:
    counts = {}
    for lang in LANGS:
        rows = load_glossary(lang)
        counts[lang] = len(rows)
        for src, tgt in rows:
            rx = re.compile(r"\b" + re.escape(src) + r"\b", re.IGNORECASE)
            used = 0
            for rec in segs:
                if rx.search(rec["en"]):
                    used += 1
                    if norm(tgt) not in norm(rec[lang]):
                        fail(f"{rec['id']}: 'en' contains glossary term {src!r} but '{lang}' "
                             f"does not contain the glossary target {tgt!r}")
            if not used:
                fail(f"glossary_{lang}.csv: term {src!r} occurs in no segment")
    return counts


def docx_text_and_styles(path: Path) -> tuple[str, set[str], int]:
    w = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
    with zipfile.ZipFile(path) as z:
        root = ET.fromstring(z.read("word/document.xml"))
    paras, styles = [], set()
    for p in root.iter(f"{w}p"):
        paras.append("".join(t.text or "" for t in p.iter(f"{w}t")))
        ps = p.find(f"{w}pPr/{w}pStyle")
        if ps is not None:
            styles.add(ps.get(f"{w}val"))
    return "\n".join(paras), styles, len(list(root.iter(f"{w}tbl")))


def check_documents() -> int:
    path = HERE / "documents.json"
    if not path.is_file():
        fail("documents.json: missing")
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as e:
        fail(f"documents.json: not valid JSON ({e})")
    names = [d.get("name") for d in meta]
    if sorted(names) != sorted(DOCS):
        fail(f"documents.json: expected entries {sorted(DOCS)}, got {names}")
    total = 0
    for d in meta:
        name, toks = d["name"], d.get("protected", [])
        md_path, docx_path = HERE / f"{name}.md", HERE / f"{name}.docx"
        for p in (md_path, docx_path):
            if not p.is_file():
                fail(f"{p.name}: missing")
        md = md_path.read_text(encoding="utf-8")
        if not re.search(r"^# \S", md, re.M) or len(re.findall(r"^## \S", md, re.M)) < 2:
            fail(f"{md_path.name}: needs one '# ' title and at least two '## ' sub-headings")
        if not re.search(r"^(- |\d+\. )", md, re.M):
            fail(f"{md_path.name}: needs a bulleted or numbered list")
        if not re.search(r"^\|.*\|\s*\n\|\s*:?-{3,}", md, re.M):
            fail(f"{md_path.name}: needs a GitHub pipe table")
        words = len(re.findall(r"[A-Za-z0-9£][^\s|]*", md))
        if words > 380:
            fail(f"{md_path.name}: about {words} words; keep documents under ~350")
        text, styles, ntables = docx_text_and_styles(docx_path)
        if not {"Heading1", "Heading2"} <= styles:
            fail(f"{docx_path.name}: must use Heading 1 and Heading 2 styles (found {sorted(styles)})")
        if not styles & {"ListBullet", "ListNumber"}:
            fail(f"{docx_path.name}: must use List Bullet or List Number style")
        if ntables < 1:
            fail(f"{docx_path.name}: must contain a real table")
        if not toks:
            fail(f"documents.json: {name} lists no protected tokens")
        for tok in toks:
            if kind_of(tok) == "other":
                fail(f"documents.json: {name}: token {tok!r} matches no known kind")
            if tok not in md:
                fail(f"{md_path.name}: protected token {tok!r} not found")
            if tok not in text:
                fail(f"{docx_path.name}: protected token {tok!r} not found")
        for m in MUST_PROTECT.finditer(md):
            if not any(m.group(0) in t for t in toks):
                fail(f"{md_path.name}: '{m.group(0)}' is not listed in documents.json")
        total += len(toks)
    return total


def main(argv: list[str]) -> int:
    try:
        segs = load_segments()
        if len(segs) < MIN_SEGMENTS:
            fail(f"segments.jsonl: {len(segs)} segments, need at least {MIN_SEGMENTS}")
        check_tokens(segs)
        with_tokens = sum(1 for s in segs if s["protected"])
        if with_tokens < MIN_WITH_TOKENS:
            fail(f"only {with_tokens} segments have protected tokens, need {MIN_WITH_TOKENS}")
        check_scripts(segs)
        gloss = check_glossaries(segs)
        doc_tokens = check_documents()
    except Problem as e:
        print(f"FAIL: {e}", file=sys.stderr)
        return 1

    kinds = Counter(kind_of(t) for s in segs for t in s["protected"])
    print(f"OK: {len(segs)} segments ({with_tokens} with protected tokens, "
          f"{sum(kinds.values())} tokens), glossary rows {gloss}, "
          f"{len(DOCS)} documents ({doc_tokens} protected tokens)")
    if "--stats" in argv:
        stats = {
            "segments": len(segs),
            "segments_with_protected": with_tokens,
            "protected_tokens": sum(kinds.values()),
            "protected_by_kind": dict(sorted(kinds.items())),
            "domains": dict(sorted(Counter(s["domain"] for s in segs).items())),
            "glossary_rows": gloss,
            "document_protected_tokens": doc_tokens,
        }
        print(json.dumps(stats, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
