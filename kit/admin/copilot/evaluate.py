"""The copilot's evaluation: retrieval recall@k over the knowledge base, the retrieval gate on the knowledge base
and on smaller folders of its articles, and how often drafts are grounded.

Samples come from the held-out split (:func:`kit.evaluation.hash_split` of each question's id; see
datasets/admin/README.md): the gate's threshold was chosen on other data, and a sample from the top of the
file would score whatever questions come first.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kit.admin.copilot.copilot import ESCALATE
from kit.evaluation import read_jsonl, sample_split, split_of
from kit.paths import datasets_dir
from kit.redaction import scrub

# Folders made of the knowledge base's articles for the gate's report: size -> the seeds of the draws.
KB_FOLDERS = {6: (100, 101, 102, 103, 104), 12: (100, 101, 102, 103, 104), 24: (100, 101, 102, 103, 104),
              47: (0,)}


def dataset_dir() -> Path:
    """The repository's admin datasets: ``datasets/admin`` (kb/, questions.jsonl, redaction/)."""
    return datasets_dir() / "admin"


def load_questions(path: str | Path) -> list[dict]:
    """Advisor questions ``{"id", "question", "documents": [...], "answerable"}`` from a JSONL file."""
    return read_jsonl(path, what="questions file", fix="See datasets/admin/README.md for its format.",
                      required=("question", "documents"))


def sample_questions(questions: list[dict], size: int | None, split: str | None = "held-out") -> list[dict]:
    """``size`` questions spread evenly through ``split`` (held-out unless told; None: every question)."""
    return sample_split(questions, size, split)


def redacted(questions: Iterable[dict]) -> list[dict]:
    """The questions as the copilot searches them: personal data replaced by placeholders."""
    return [{**q, "question": scrub(q["question"])} for q in questions]


def gate_report(store: Any, questions: list[dict], *, folders: dict[int, Any] | None = None,
                split: str | None = "held-out", min_coverage: float | None = None, min_score: float | None = None):
    """The retrieval gate on the knowledge base and on draws of fewer articles (KB_FOLDERS): answerable questions
    of ``split`` that reach the model, unanswerable ones that abstain, with Wilson intervals (a polars table;
    kit.docs.gate.gate_table). A question is answerable in a folder when one of its articles is there."""
    from kit.docs.gate import corpus_folders, gate_table

    table = gate_table(corpus_folders(store, KB_FOLDERS if folders is None else folders), redacted(questions),
                       split=split, min_coverage=min_coverage, min_score=min_score)
    return table.with_columns(folder="knowledge base: " + table["folder"].str.replace(" documents", " articles"))


def retrieval(store: Any, questions: Iterable[dict], k: int = 5):
    """Per answerable question: whether an article that answers it is among the ``k`` best hits (polars).

    The question is redacted first, as the copilot does, so the figure is what the copilot retrieves.
    """
    import polars as pl

    rows = []
    for q in questions:
        if not q.get("answerable", bool(q["documents"])):
            continue
        hits = store.search(scrub(q["question"]), k=k)
        found = [h.section.document for h in hits]
        rank = next((i for i, doc in enumerate(found, 1) if doc in q["documents"]), None)
        rows.append({"id": q["id"], "hit": rank is not None, "rank": rank, "top": found[0] if found else None})
    return pl.DataFrame(rows, schema={"id": pl.Utf8, "hit": pl.Boolean, "rank": pl.Int64, "top": pl.Utf8})


@dataclass(frozen=True)
class GroundingReport:
    """How the drafts fared: grounded share on answerable questions, abstentions on unanswerable ones."""

    frame: Any  # polars DataFrame, one row per question
    split: str  # the split the questions come from (kit.evaluation.split_of)
    grounding_rate: float | None  # answerable questions whose draft was grounded (every quote verbatim)
    abstain_rate_unanswerable: float | None  # unanswerable questions that were escalated, not answered
    cited_right_article: float | None  # grounded answerable drafts citing an article that answers the question
    seconds: float


def grounding(model: Any, store: Any, questions: Iterable[dict], *, k: int = 4, max_tokens: int = 256,
              min_coverage: float | None = None) -> GroundingReport:
    """Draft an answer for each question (redacted, as the copilot does) and record whether it was grounded."""
    import polars as pl

    from kit.docs import answer

    rows, started = [], time.perf_counter()
    questions = list(questions)
    for q in questions:
        t0 = time.perf_counter()
        result = answer(model, scrub(q["question"]), store, k=k, max_tokens=max_tokens,
                        min_coverage=min_coverage, escalate=ESCALATE)
        cited = {c.document for c in result.citations}
        rows.append({
            "id": q["id"], "answerable": bool(q.get("answerable", bool(q["documents"]))),
            "grounded": result.grounded, "abstained": result.abstained,
            "right_article": bool(cited & set(q["documents"])), "reason": result.reason,
            "seconds": time.perf_counter() - t0,
        })
    frame = pl.DataFrame(rows, schema={"id": pl.Utf8, "answerable": pl.Boolean, "grounded": pl.Boolean,
                                       "abstained": pl.Boolean, "right_article": pl.Boolean, "reason": pl.Utf8,
                                       "seconds": pl.Float64})
    answerable = frame.filter(pl.col("answerable"))
    unanswerable = frame.filter(~pl.col("answerable"))
    grounded = answerable.filter(pl.col("grounded"))
    return GroundingReport(
        frame, split_of(questions),
        answerable["grounded"].mean() if answerable.height else None,
        unanswerable["abstained"].mean() if unanswerable.height else None,
        grounded["right_article"].mean() if grounded.height else None,
        time.perf_counter() - started,
    )
