"""Evaluate offline answering on ``datasets/offline``: retrieval, the retrieval gate on many folders, grounding,
abstention and latency per tier.

Samples come from the held-out split (:func:`kit.evaluation.hash_split` of each question's id; the dataset card
says so): the gate's threshold was chosen on the tuning split, so figures on the held-out one are not flattered.
"""

from __future__ import annotations

import shutil
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kit import paths
from kit.docs.gate import MIN_COVERAGE, gate_figures
from kit.errors import InputError
from kit.evaluation import in_split, read_jsonl, spread
from kit.model import ChatModel
from kit.progress import NoBar, progress_bar

MODEL_TIERS = ("primary", "local")
# Folders made of the corpus's documents: size -> the seeds of the draws. The gate's threshold is chosen on
# CHOICE_FOLDERS with the tuning questions; REPORT_FOLDERS (other draws) report it with the held-out ones.
CHOICE_FOLDERS = {27: (0,), 12: (0, 1, 2, 3, 4)}
REPORT_FOLDERS = {3: (100, 101, 102, 103, 104), 6: (100, 101, 102, 103, 104), 12: (100, 101, 102, 103, 104),
                  27: (0,)}


def default_dataset_dir() -> Path:
    """The offline dataset: ``datasets/offline`` in :func:`kit.paths.datasets_dir`."""
    return paths.datasets_dir() / "offline"


def load_questions(path: str | Path | None = None) -> list[dict[str, Any]]:
    """The questions (``questions.jsonl``): id, question, answerable, section_ids (kit.docs ids), notes."""
    path = Path(path) if path is not None else default_dataset_dir() / "questions.jsonl"
    if path.is_dir():
        path = path / "questions.jsonl"
    return read_jsonl(path, what="questions", fix="Pass the questions.jsonl of datasets/offline.")


def sample(rows: Sequence[dict], size: int | None, split: str | None = "held-out") -> list[dict]:
    """``size`` rows of ``split`` ("held-out" unless told; None: every row) spread evenly, with answerable and
    unanswerable questions in proportion (at least one of each when both exist and size >= 2), in their
    original order; size None: all the rows of the split."""
    rows = in_split(rows, split)
    if size is None or size >= len(rows):
        return list(rows)
    if size < 1:
        raise InputError("sample_size must be at least 1 (or None for every question).")
    unanswerable = [row for row in rows if row.get("answerable") is False]
    if size < 2 or not unanswerable or len(unanswerable) == len(rows):
        return spread(rows, size)
    take = min(len(unanswerable), max(1, round(size * len(unanswerable) / len(rows))))
    answerable = [row for row in rows if row.get("answerable") is not False]
    picked = {id(row) for row in spread(unanswerable, take) + spread(answerable, size - take)}
    return [row for row in rows if id(row) in picked]


def relevant(row: dict, store: Any) -> set[str]:
    """The ids of the sections that answer a question: its ``section_ids``, else its document and heading."""
    if row.get("section_ids"):
        return set(row["section_ids"])
    if row.get("document"):
        return {s.id for s in store.sections if s.document == row["document"] and s.heading == row.get("heading")}
    return set()


def retrieval_frame(store: Any, questions: Sequence[dict], k: int = 5) -> Any:
    """One row per question: the rank of the first answering section (null when not in the top ``k``), top score."""
    import polars as pl

    from kit.docs.gate import check

    rows = []
    for row in questions:
        hits = store.search(row["question"], k=k)
        wanted = relevant(row, store)
        rank = next((i for i, hit in enumerate(hits, 1) if hit.section.id in wanted), None)
        rows.append({"id": row["id"], "answerable": bool(row["answerable"]), "rank": rank,
                     "top_score": hits[0].score if hits else 0.0, "top_id": hits[0].section.id if hits else None,
                     "coverage": check(row["question"], hits).coverage})
    return pl.DataFrame(rows, schema={"id": pl.Utf8, "answerable": pl.Boolean, "rank": pl.Int64,
                                      "top_score": pl.Float64, "top_id": pl.Utf8, "coverage": pl.Float64})


def retrieval_summary(frame: Any) -> dict[str, float]:
    """Recall@1, recall@5 and MRR over the answerable questions."""
    answerable = frame.filter(frame["answerable"])
    ranks = [r for r in answerable["rank"].to_list()]
    n = max(1, len(ranks))
    return {"questions": len(ranks), "recall_at_1": sum(r == 1 for r in ranks if r) / n,
            "recall_at_5": sum(r <= 5 for r in ranks if r) / n, "mrr": sum(1 / r for r in ranks if r) / n}


def abstention_scores(abstained: Sequence[bool], answerable: Sequence[bool]) -> dict[str, float]:
    """Precision and recall of abstaining, taking "unanswerable" as the class to find."""
    true_pos = sum(a and not ok for a, ok in zip(abstained, answerable))
    predicted, actual = sum(abstained), sum(not ok for ok in answerable)
    return {"abstain_precision": true_pos / predicted if predicted else float("nan"),
            "abstain_recall": true_pos / actual if actual else float("nan")}


def choose_min_score(frame: Any, column: str = "top_score") -> float:
    """The threshold on ``column`` that best separates answerable from unanswerable questions (most F1).

    Abstaining under it is scored as finding the unanswerable ones; candidates are the midpoints between
    neighbouring values, and ties go to the lower threshold (abstain less). A cut on the BM25 ``top_score``
    holds only for the folder it was chosen on; the gate's cut is on ``coverage`` (:func:`choose_min_coverage`).
    """
    values = frame[column].to_list()
    distinct = sorted(set(values))
    if len(distinct) < 2:
        raise InputError(f"Need questions with at least two different {column} values to choose a threshold.")
    answerable = frame["answerable"].to_list()
    best, best_f1 = distinct[0], -1.0
    for low, high in zip(distinct, distinct[1:]):
        cut = (low + high) / 2
        result = abstention_scores([v < cut for v in values], answerable)
        p, r = result["abstain_precision"], result["abstain_recall"]
        f1 = 0.0 if not p or not r or p != p else 2 * p * r / (p + r)
        if f1 > best_f1:
            best, best_f1 = cut, f1
    return round(best, 2)


def choose_min_coverage(frame: Any) -> float:
    """The gate's threshold (kit.docs.gate.MIN_COVERAGE): :func:`choose_min_score` on the ``coverage`` column of
    :func:`kit.docs.gate.gate_frame` rows, e.g. the tuning questions in the CHOICE_FOLDERS."""
    return choose_min_score(frame, "coverage")


def write_distractors(target: str | Path) -> Path:
    """Copy documents unrelated to the corpus into ``target`` (the admin knowledge base, the translation
    letters, the planning policies with each rule as a Markdown section) and return it, to ingest."""
    import yaml

    root, target = paths.datasets_dir(), Path(target)
    shutil.copytree(root / "admin" / "kb", target / "admin-kb", dirs_exist_ok=True)
    (target / "letters").mkdir(parents=True, exist_ok=True)
    for letter in sorted((root / "translation").glob("doc_*.md")):
        shutil.copy2(letter, target / "letters" / letter.name)
    policies = root / "planning" / "policies"
    (target / "policies").mkdir(exist_ok=True)
    shutil.copy2(policies / "README.md", target / "policies" / "README.md")
    plan = yaml.safe_load((policies / "local_plan.yaml").read_text(encoding="utf-8"))
    text = [f"# {plan['plan']}"] + [f"\n## {rule['title']}\n\n{rule['policy']}. {rule['paragraph']}"
                                    for rule in plan["rules"]]
    (target / "policies" / "local_plan.md").write_text("\n".join(text) + "\n", encoding="utf-8")
    return target


def gate_folders(store: Any, workdir: str | Path, folders: dict[int, Sequence[int]] | None = None) -> list[Any]:
    """The folders the gate is reported on: draws of the corpus's documents (REPORT_FOLDERS), then the corpus
    with the unrelated documents of :func:`write_distractors` added (ingested under ``workdir``)."""
    from kit.docs import ingest
    from kit.docs.gate import corpus_folders, folder_store

    workdir = Path(workdir)
    extra = ingest(write_distractors(workdir / "distractors"), index_dir=workdir / "distractors-index")
    mixed = folder_store([*store.sections, *extra.sections], [*store.documents, *extra.documents])
    label = f"{len(store.documents)} documents + {len(extra.documents)} unrelated"
    return [*corpus_folders(store, REPORT_FOLDERS if folders is None else folders), (label, [mixed])]


def answers_frame(store: Any, questions: Sequence[dict], model: ChatModel | None = None, *, cards: Any = None,
                  min_coverage: float | None = None, progress: bool = False) -> Any:
    """Ask each question through kit.offline.answer; one row per question (tier, abstained, grounded, latency)."""
    import polars as pl

    from kit.offline.answer import answer

    rows = []
    bar = progress_bar(len(questions), "questions", unit="q") if progress else NoBar()
    for row in questions:
        result = answer(row["question"], store, model, cards=cards, min_coverage=min_coverage)
        wanted = relevant(row, store) if store is not None else set()
        rows.append({
            "id": row["id"], "answerable": bool(row["answerable"]), "tier": result.tier,
            "abstained": result.abstained, "grounded": result.grounded, "latency_s": result.latency_s,
            "model_asked": result.tier in MODEL_TIERS and not result.reason.startswith("retrieval weak"),
            "cites_answer": any(c.section_id in wanted for c in result.citations),
            "reason": result.reason, "text": result.text,
        })
        bar.update(1)
    bar.close()
    return pl.DataFrame(rows, schema={"id": pl.Utf8, "answerable": pl.Boolean, "tier": pl.Utf8, "abstained": pl.Boolean,
                                      "grounded": pl.Boolean, "latency_s": pl.Float64, "model_asked": pl.Boolean,
                                      "cites_answer": pl.Boolean, "reason": pl.Utf8, "text": pl.Utf8})


def answer_summary(frame: Any) -> dict[str, float]:
    """Grounding rate (of the answers the model was asked for), abstention precision/recall, answer rate."""
    asked = frame.filter(frame["model_asked"])
    figures = {"questions": frame.height, "model_asked": asked.height,
               "grounding_rate": float(asked["grounded"].mean()) if asked.height else float("nan"),
               "answered": int((~frame["abstained"]).sum())}
    figures.update(abstention_scores(frame["abstained"].to_list(), frame["answerable"].to_list()))
    return figures


def latency_table(frames: dict[str, Any]) -> Any:
    """Per tier that served: how many answers, and the median, 95th-percentile and largest latency (s)."""
    import polars as pl

    rows = []
    for label, frame in frames.items():
        for tier in frame["tier"].unique(maintain_order=True).to_list():
            values = sorted(frame.filter(frame["tier"] == tier)["latency_s"].to_list())
            rows.append({"run": label, "tier": tier, "answers": len(values), "median_s": statistics.median(values),
                         "p95_s": values[min(len(values) - 1, int(0.95 * len(values)))], "max_s": values[-1]})
    return pl.DataFrame(rows)


@dataclass(frozen=True)
class OfflineReport:
    """Everything an evaluation measured: per-question frames, summaries and the retrieval gate's figures."""

    retrieval: Any  # polars.DataFrame, retrieval_frame
    retrieval_figures: dict[str, float]
    min_coverage: float  # the gate's threshold the answers used (kit.docs.gate)
    gate: dict[str, Any]  # the gate on the held-out questions: kit.docs.gate.gate_figures
    split: str  # the split the answered sample comes from ("held-out", "tuning" or "all")
    answers: dict[str, Any]  # run label -> answers_frame
    answer_figures: dict[str, dict[str, float]]
    latency: Any  # polars.DataFrame, latency_table

    def figures(self) -> dict[str, float]:
        """The headline figures, flat (for kit.record and the closing note)."""
        out = {**self.retrieval_figures, "min_coverage": self.min_coverage}
        for name in ("reach", "abstain"):
            low, high = self.gate[f"{name}_ci"]
            out.update({f"gate_{name}": self.gate[name], f"gate_{name}_low": low, f"gate_{name}_high": high})
        for label, figures in self.answer_figures.items():
            out.update({f"{label}_{k}": v for k, v in figures.items()})
        return out


def evaluate(store: Any, questions: Sequence[dict], *, runs: dict[str, Any] | None = None, cards: Any = None,
             sample_size: int | None = None, split: str | None = "held-out", min_coverage: float | None = None,
             progress: bool = False) -> OfflineReport:
    """Retrieval figures on every question, the gate on the held-out ones, then answers on a sample of ``split``
    through each run (label -> model or None).

    ``runs`` maps a label to the model to answer with (a kit model, a ``kit.fallback`` chain, or None for
    retrieval only); the label "cards" answers with ``store=None`` and the ``cards``. The gate's threshold is
    ``min_coverage`` (default kit.docs.gate.MIN_COVERAGE, chosen on the tuning questions).
    """
    retrieval = retrieval_frame(store, questions)
    threshold = MIN_COVERAGE if min_coverage is None else min_coverage
    held = retrieval.filter(retrieval["id"].is_in([row["id"] for row in in_split(questions, "held-out")]))
    gate = gate_figures(held.with_columns(passed=held["coverage"] >= threshold))
    picked = sample(questions, sample_size, split)
    answers, figures = {}, {}
    for label, model in (runs or {"retrieval": None}).items():
        frame = answers_frame(None if label == "cards" else store, picked, model, cards=cards,
                              min_coverage=threshold, progress=progress)
        answers[label], figures[label] = frame, answer_summary(frame)
    return OfflineReport(retrieval, retrieval_summary(retrieval), threshold, gate, split or "all", answers,
                         figures, latency_table(answers))


def plot(report: OfflineReport) -> Any:
    """Two panels: the best section's share of the question's words, answerable vs unanswerable questions, with
    the gate's threshold; and the median answer latency per tier."""
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.4))
    frame = report.retrieval
    for flag, colour, label in ((True, "#1d70b8", "answerable"), (False, "#d4351c", "unanswerable")):
        left.hist(frame.filter(frame["answerable"] == flag)["coverage"].to_list(), bins=20, range=(0, 1), alpha=0.6,
                  color=colour, label=label)
    left.axvline(report.min_coverage, color="black", linestyle="--", label=f"min_coverage {report.min_coverage}")
    left.set(xlabel="share of the question's words in the best section", ylabel="questions",
             title="Retrieval gate: answerable vs not")
    left.legend(fontsize=8)
    table = report.latency
    labels = [f"{r['run']}:{r['tier']}" for r in table.iter_rows(named=True)]
    right.bar(labels, table["median_s"].to_list(), color="#00703c")
    right.set(ylabel="median seconds", title="Answer latency per tier", yscale="log")
    right.tick_params(axis="x", rotation=30, labelsize=8)
    fig.tight_layout()
    return fig
