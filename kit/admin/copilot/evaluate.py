"""The copilot's evaluation: retrieval recall@k over the knowledge base, and how often drafts are grounded."""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kit.admin.copilot.copilot import ESCALATE, MIN_SCORE
from kit.evaluation import read_jsonl
from kit.paths import datasets_dir
from kit.redaction import scrub


def dataset_dir() -> Path:
    """The repository's admin datasets: ``datasets/admin`` (kb/, questions.jsonl, redaction/)."""
    return datasets_dir() / "admin"


def load_questions(path: str | Path) -> list[dict]:
    """Advisor questions ``{"id", "question", "documents": [...], "answerable"}`` from a JSONL file."""
    return read_jsonl(path, what="questions file", fix="See datasets/admin/README.md for its format.",
                      required=("question", "documents"))


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
    grounding_rate: float | None  # answerable questions whose draft was grounded (every quote verbatim)
    abstain_rate_unanswerable: float | None  # unanswerable questions that were escalated, not answered
    cited_right_article: float | None  # grounded answerable drafts citing an article that answers the question
    seconds: float


def grounding(model: Any, store: Any, questions: Iterable[dict], *, k: int = 4, max_tokens: int = 256,
              min_score: float = MIN_SCORE) -> GroundingReport:
    """Draft an answer for each question (redacted, as the copilot does) and record whether it was grounded."""
    import polars as pl

    from kit.docs import answer

    rows, started = [], time.perf_counter()
    for q in questions:
        t0 = time.perf_counter()
        result = answer(model, scrub(q["question"]), store, k=k, max_tokens=max_tokens,
                        min_score=min_score, escalate=ESCALATE)
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
        frame,
        answerable["grounded"].mean() if answerable.height else None,
        unanswerable["abstained"].mean() if unanswerable.height else None,
        grounded["right_article"].mean() if grounded.height else None,
        time.perf_counter() - started,
    )
