"""The retrieval gate: a question goes to the model only when its best section holds most of its content words.

A BM25 score grows with the folder (its size, its wording), so a score cut chosen on one folder lets too few
or too many questions through on another. The gate asks only of the question and the best section: what share
of the question's content words (its search tokens, stemmed as the index stems them, redaction placeholders
left out) does that section hold? The same share means the same on a folder of 3 files or of 300.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from kit.docs.index import index_text
from kit.docs.sections import Hit, Section
from kit.docs.tokens import tokens
from kit.evaluation import in_split, wilson

# The share of the question's content words the best section must hold (at least). Chosen by
# kit.offline.evaluate.choose_min_coverage on the tuning half of datasets/offline's questions in the full corpus
# and five draws of 12 of its documents; reported on the held-out half in other folders (3, 6, 12, 27
# documents, the corpus with unrelated documents added, the copilot's knowledge base) by
# benchmarks/bench_gate.py. tests/test_gate.py recomputes it, so a changed dataset or tokenizer says so.
MIN_COVERAGE = 0.53


@dataclass(frozen=True)
class Gate:
    """Whether to ask the model: the best section's share of the question's content words, and why."""

    passed: bool
    coverage: float  # share of the question's content words that the best section holds
    words: tuple[str, ...]  # the question's content words (search tokens, placeholders left out)
    covered: tuple[str, ...]  # those the best section holds
    section_id: str | None
    reason: str


@cache
def _placeholder() -> re.Pattern:
    """A redaction placeholder with the word that introduces it ("Mrs [NAME_1]", "NHS [NHS_NUMBER_1]")."""
    from kit.redaction import PLACEHOLDER  # lazy: kit.docs without the redaction rules' import cost

    return re.compile(rf"(?:\b[^\W\d_]+\.?:?\s*)?(?:{PLACEHOLDER.pattern})", re.IGNORECASE)


def content_words(question: str) -> tuple[str, ...]:
    """The question's distinct search tokens in order, without redaction placeholders and the word before each
    ("Mrs [NAME_1]", "phone [PHONE_1]"): they say who is asking, not what about."""
    return tuple(dict.fromkeys(tokens(_placeholder().sub(" ", question))))


def check(question: str, hits: Sequence[Hit], *, min_coverage: float | None = None) -> Gate:
    """Pass when the best hit holds at least ``min_coverage`` (default MIN_COVERAGE) of the question's words."""
    cut = MIN_COVERAGE if min_coverage is None else min_coverage
    words = content_words(question)
    if not hits or not words:
        return Gate(False, 0.0, words, (), None, "retrieval weak: no section shares a word with the question")
    best = hits[0].section
    held = set(index_text(best))
    covered = tuple(w for w in words if w in held)
    share = len(covered) / len(words)
    passed = share >= cut
    verdict = "retrieval close" if passed else "retrieval weak"
    only = "" if passed else "only "
    return Gate(passed, share, words, covered, best.id,
                f"{verdict}: the best section holds {only}{len(covered)} of the question's {len(words)} content "
                f"words ({share:.0%}; the model is asked from {cut:.0%})")


# -- measuring the gate on folders -------------------------------------------------------------------------
def folder_store(sections: Iterable[Section], documents: Iterable[str]) -> Any:
    """The store a folder holding only ``documents`` gives (their sections, a BM25 index of those alone)."""
    from kit.docs.index import build_bm25
    from kit.docs.store import DocStore

    wanted = set(documents)
    kept = [s for s in sections if s.document in wanted]
    return DocStore(Path(f"<{len(wanted)} documents>"), kept, build_bm25(kept))


def draws(documents: Sequence[str], size: int, seeds: Iterable[int]) -> list[tuple[str, ...]]:
    """One sorted sample of ``size`` documents per seed (all of them when ``size`` is at least their number)."""
    ordered = sorted(documents)
    return [tuple(sorted(random.Random(seed).sample(ordered, min(size, len(ordered))))) for seed in seeds]


def sources(row: dict) -> set[str]:
    """The documents that answer a question: its ``documents`` list, else its ``document`` (none: unanswerable)."""
    if row.get("documents"):
        return set(row["documents"])
    return {row["document"]} if row.get("document") else set()


def gate_frame(store: Any, questions: Sequence[dict], *, min_coverage: float | None = None, k: int = 4) -> Any:
    """One row per question: answerable here (a document that answers it is in the store), coverage, passed."""
    import polars as pl

    held = set(store.documents)
    rows = []
    for row in questions:
        hits = store.search(row["question"], k=k)
        gate = check(row["question"], hits, min_coverage=min_coverage)
        rows.append({"id": str(row["id"]), "answerable": bool(sources(row) & held), "coverage": gate.coverage,
                     "top_score": hits[0].score if hits else 0.0, "passed": gate.passed})
    return pl.DataFrame(rows, schema={"id": pl.Utf8, "answerable": pl.Boolean, "coverage": pl.Float64,
                                      "top_score": pl.Float64, "passed": pl.Boolean})


def gate_figures(frame: Any, passed: str = "passed") -> dict[str, Any]:
    """Answerable questions that reach the model and unanswerable ones that abstain, with Wilson 95% intervals.

    ``passed`` names the boolean column that says the model is asked. Precisions: of the questions passed,
    the share answerable; of those stopped, the share unanswerable.
    """
    answerable, gate = frame["answerable"].to_list(), frame[passed].to_list()
    counts = {"reach": (sum(a and g for a, g in zip(answerable, gate)), sum(answerable)),
              "abstain": (sum(not a and not g for a, g in zip(answerable, gate)), len(gate) - sum(answerable)),
              "pass_precision": (sum(a and g for a, g in zip(answerable, gate)), sum(gate)),
              "abstain_precision": (sum(not a and not g for a, g in zip(answerable, gate)), len(gate) - sum(gate))}
    out: dict[str, Any] = {"questions": len(gate)}
    for name, (hits, n) in counts.items():
        out.update({f"{name}_k": hits, f"{name}_n": n, name: hits / n if n else float("nan"),
                    f"{name}_ci": wilson(hits, n)})
    return out


def corpus_folders(store: Any, folders: dict[int, Sequence[int]]) -> list[tuple[str, list[Any]]]:
    """Per folder size, the stores of its draws: ("3 documents", [store per seed]) and so on.

    Each store holds only the drawn documents' sections and its own BM25 index, as ingesting a folder of
    copies of those files gives (ingest reads each file alone; tests/test_gate.py checks it on real copies).
    """
    out = []
    for size, seeds in sorted(folders.items()):
        stores = [folder_store(store.sections, docs) for docs in draws(store.documents, size, seeds)]
        out.append((f"{min(size, len(store.documents))} documents", stores))
    return out


def gate_table(folders: Sequence[tuple[str, Sequence[Any]]], questions: Sequence[dict], *,
               split: str | None = "held-out", min_coverage: float | None = None,
               min_score: float | None = None) -> Any:
    """One row per folder: answerable questions of ``split`` that reach the model and unanswerable ones that
    abstain, pooled over the folder's draws, with Wilson 95% intervals (a question is answerable in a folder
    when its source document is there). With ``min_score``, the same for a fixed BM25 cut, to compare."""
    import polars as pl

    picked = in_split(questions, split)
    rows = []
    for label, stores in folders:
        frame = pl.concat([gate_frame(s, picked, min_coverage=min_coverage) for s in stores])
        row = {"folder": label, "draws": len(stores), "split": split or "all", **gate_figures(frame)}
        if min_score is not None:
            frame = frame.with_columns(by_score=pl.col("top_score") >= min_score)
            row.update({f"score_{k}": v for k, v in gate_figures(frame, "by_score").items() if k != "questions"})
        rows.append(row)
    return pl.DataFrame(rows)
