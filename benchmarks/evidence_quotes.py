"""The embedded model's raw quotes on small samples, and how many each kit.grounding evidence rule rejects.

    python benchmarks/evidence_quotes.py collect quotes.jsonl [M]  # runs the model once (30 planning, 12 questions,
                                                                   # M reference meetings: default 1, all 9 with 9)
    python benchmarks/evidence_quotes.py count quotes.jsonl     # offline: per rule, quotes the old check accepted

"collect" saves every quote with its source text; "count" checks each with the old test (verbatim only,
``kit.grounding.locate``) and with :func:`kit.grounding.check_evidence`, and counts the reasons.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

from common import private_kit_home, table

ROOT = Path(__file__).resolve().parents[1]


def _planning(model, out: list[dict]) -> None:
    from kit.planning.extraction.evaluate import sample_labels
    from kit.planning.extraction.modelfields import ModelFields, prompt, system

    for row in sample_labels(ROOT / "datasets/planning/labels.jsonl", 30):
        answer = model.json(prompt(row["description"], row["address"]), ModelFields, system=system(),
                            max_tokens=320)
        source = f"{row['description']}\n{row['address']}"
        quotes = [("application_type", answer.type_quote, answer.application_type),
                  ("dwellings", answer.dwellings_quote, answer.dwellings),
                  ("storeys", answer.storeys_quote, answer.storeys),
                  ("settlement", answer.settlement, answer.settlement)]
        quotes += [("works", w.quote, w.kind) for w in answer.works]
        for field, quote, value in quotes:
            if quote:
                out.append({"capability": "planning", "id": row["reference"], "field": field, "quote": quote,
                            "value": value, "source": source})


def _questions(model, out: list[dict]) -> None:
    from kit.docs.answer import build_messages, reply_schema
    from kit.docs.store import ingest
    from kit.offline.evaluate import load_questions, sample

    store = ingest(ROOT / "datasets/offline/docs")
    for row in sample(load_questions(), 12):
        hits = store.search(row["question"], k=4)
        if not hits:
            continue
        messages = build_messages(row["question"], hits)
        try:
            reply = model.json(messages[1]["content"], reply_schema(len(hits)), system=messages[0]["content"],
                               max_tokens=256)
        except Exception:  # noqa: BLE001 - an unusable reply has no quotes to count
            continue
        for item in reply.quotes:
            index = int(item.section[1:]) - 1
            out.append({"capability": "docs", "id": row["id"], "field": "quote", "quote": item.text, "value": None,
                        "source": hits[index].section.text})


def _minutes(model, out: list[dict], meetings: int = 1) -> None:
    from kit.admin.minutes import build
    from kit.admin.minutes.evaluate import load_references, transcript_path
    from kit.admin.minutes.transcripts import read_transcript

    for reference in load_references()[:meetings]:
        path = transcript_path(reference)
        result = build.minutes(model, path)
        lines = "\n".join(line.text for line in read_transcript(path).lines)
        for item in [*result.decisions, *result.actions, *result.rejected]:
            if getattr(item, "by_rule", False):
                continue
            quote = item.quote
            if quote:
                out.append({"capability": "minutes", "id": reference["id"], "field": item.kind, "quote": quote,
                            "value": None, "source": lines})


def collect(path: Path, meetings: int = 1) -> None:
    """Run the embedded model once over the samples and save every quote with its source."""
    private_kit_home()
    import kit

    class Saved(list):
        """The quotes so far, written to ``path`` as each arrives (a long run can be read while it goes)."""

        def append(self, row: dict) -> None:
            super().append(row)
            with path.open("a", encoding="utf-8") as file:
                file.write(json.dumps(row) + "\n")

    path.write_text("", encoding="utf-8")
    out = Saved()
    with kit.load_model(cache=False, log=False, n_ctx=4096) as model:
        steps = {"_planning": lambda: _planning(model, out), "_questions": lambda: _questions(model, out),
                 "_minutes": lambda: _minutes(model, out, meetings)}
        for name, step in steps.items():
            step()
            print(name, len(out), flush=True)


def count(path: Path) -> None:
    """Per capability and rule: quotes the old (verbatim-only) check accepted that the evidence rules reject."""
    from kit.grounding import check_evidence, locate
    from kit.planning.extraction import evidence
    from kit.planning.extraction.numbers import NUMBER_RE, to_int

    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    seen: Counter = Counter()
    rejected: Counter = Counter()
    for row in rows:
        planning = row["capability"] == "planning"
        old = locate(row["quote"], row["source"], ignore_case=planning) is not None
        if row["field"] in ("dwellings", "storeys") and row["value"]:  # the old check also wanted the number
            old = old and row["value"] in {to_int(m.group(0)) for m in NUMBER_RE.finditer(row["quote"])}
        seen[(row["capability"], "old check accepted" if old else "old check rejected")] += 1
        if not old:
            continue
        states = {"dwellings": evidence.states_dwellings, "storeys": evidence.states_storeys,
                  "application_type": evidence.states_type}.get(row["field"]) if planning else None
        check = check_evidence(row["quote"], row["source"], ignore_case=planning,
                               states=states(row["value"]) if states and row["value"] is not None else None)
        rejected[(row["capability"], check.reason or "accepted")] += 1
    table("Quotes seen", ["capability", "old check", "quotes"], [[c, r, n] for (c, r), n in sorted(seen.items())])
    table("Of those the old check accepted", ["capability", "evidence rule", "quotes"],
          [[c, r, n] for (c, r), n in sorted(rejected.items())])


if __name__ == "__main__":
    if sys.argv[1] == "collect":
        collect(Path(sys.argv[2]), int(sys.argv[3]) if len(sys.argv) > 3 else 1)
    else:
        count(Path(sys.argv[2]))
