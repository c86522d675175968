"""Evaluate offline answering on ``datasets/offline``: retrieval, grounding, abstention and latency per tier."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kit import paths
from kit.errors import InputError
from kit.evaluation import read_jsonl, spread
from kit.model import ChatModel

MODEL_TIERS = ("primary", "local")


def default_dataset_dir() -> Path:
    """The offline dataset: ``datasets/offline`` in :func:`kit.paths.datasets_dir`."""
    return paths.datasets_dir() / "offline"


def load_questions(path: str | Path | None = None) -> list[dict[str, Any]]:
    """The questions (``questions.jsonl``): id, question, answerable, section_ids (kit.docs ids), notes."""
    path = Path(path) if path is not None else default_dataset_dir() / "questions.jsonl"
    if path.is_dir():
        path = path / "questions.jsonl"
    return read_jsonl(path, what="questions", fix="Pass the questions.jsonl of datasets/offline.")


def sample(rows: Sequence[dict], size: int | None) -> list[dict]:
    """``size`` rows spread evenly over the list, with answerable and unanswerable questions in proportion
    (at least one of each when both exist and size >= 2), in their original order; None: all."""
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

    rows = []
    for row in questions:
        hits = store.search(row["question"], k=k)
        wanted = relevant(row, store)
        rank = next((i for i, hit in enumerate(hits, 1) if hit.section.id in wanted), None)
        rows.append({"id": row["id"], "answerable": bool(row["answerable"]), "rank": rank,
                     "top_score": hits[0].score if hits else 0.0, "top_id": hits[0].section.id if hits else None})
    return pl.DataFrame(rows, schema={"id": pl.Utf8, "answerable": pl.Boolean, "rank": pl.Int64,
                                      "top_score": pl.Float64, "top_id": pl.Utf8})


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


def choose_min_score(frame: Any) -> float:
    """The top-score threshold that best separates answerable from unanswerable questions (most F1).

    Abstaining under it is scored as finding the unanswerable ones; candidates are the midpoints between
    neighbouring top scores, and ties go to the lower threshold (abstain less).
    """
    scores = sorted(set(frame["top_score"].to_list()))
    if len(scores) < 2:
        raise InputError("Need questions with at least two different top scores to choose a threshold.")
    answerable = frame["answerable"].to_list()
    best, best_f1 = scores[0], -1.0
    for low, high in zip(scores, scores[1:]):
        cut = (low + high) / 2
        result = abstention_scores([s < cut for s in frame["top_score"].to_list()], answerable)
        p, r = result["abstain_precision"], result["abstain_recall"]
        f1 = 0.0 if not p or not r or p != p else 2 * p * r / (p + r)
        if f1 > best_f1:
            best, best_f1 = cut, f1
    return round(best, 2)


def held_out_abstention(frame: Any) -> dict[str, float]:
    """Abstention precision/recall of the retrieval threshold on held-out halves (chosen on odd rows, scored
    on even rows and the other way round), so the figure is not measured on the data it was chosen on."""
    halves = [frame.gather_every(2, offset=0), frame.gather_every(2, offset=1)]
    abstained, answerable = [], []
    for choose_on, score_on in ((halves[1], halves[0]), (halves[0], halves[1])):
        cut = choose_min_score(choose_on)
        abstained += [s < cut for s in score_on["top_score"].to_list()]
        answerable += score_on["answerable"].to_list()
    return abstention_scores(abstained, answerable)


def answers_frame(store: Any, questions: Sequence[dict], model: ChatModel | None = None, *, cards: Any = None,
                  min_score: float | None = None, progress: bool = False) -> Any:
    """Ask each question through kit.offline.answer; one row per question (tier, abstained, grounded, latency)."""
    import polars as pl

    from kit.offline.answer import answer

    rows = []
    iterator = questions
    if progress:
        from tqdm.auto import tqdm

        iterator = tqdm(questions, desc="questions", unit="q")
    for row in iterator:
        result = answer(row["question"], store, model, cards=cards, min_score=min_score)
        wanted = relevant(row, store) if store is not None else set()
        rows.append({
            "id": row["id"], "answerable": bool(row["answerable"]), "tier": result.tier,
            "abstained": result.abstained, "grounded": result.grounded, "latency_s": result.latency_s,
            "model_asked": result.tier in MODEL_TIERS and not result.reason.startswith("retrieval weak"),
            "cites_answer": any(c.section_id in wanted for c in result.citations),
            "reason": result.reason, "text": result.text,
        })
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
    """Everything an evaluation measured: per-question frames, summaries and the chosen threshold."""

    retrieval: Any  # polars.DataFrame, retrieval_frame
    retrieval_figures: dict[str, float]
    min_score: float  # the threshold chosen from the data
    held_out: dict[str, float]  # abstention of that threshold on held-out halves
    answers: dict[str, Any]  # run label -> answers_frame
    answer_figures: dict[str, dict[str, float]]
    latency: Any  # polars.DataFrame, latency_table

    def figures(self) -> dict[str, float]:
        """The headline figures, flat (for kit.record and the closing note)."""
        out = {**self.retrieval_figures, "min_score": self.min_score,
               **{f"held_out_{k}": v for k, v in self.held_out.items()}}
        for label, figures in self.answer_figures.items():
            out.update({f"{label}_{k}": v for k, v in figures.items()})
        return out


def evaluate(store: Any, questions: Sequence[dict], *, runs: dict[str, Any] | None = None, cards: Any = None,
             sample_size: int | None = None, min_score: float | None = None, progress: bool = False) -> OfflineReport:
    """Retrieval figures on every question, then answers on a sample through each run (label -> model or None).

    ``runs`` maps a label to the model to answer with (a kit model, a ``kit.fallback`` chain, or None for
    retrieval only); the label "cards" answers with ``store=None`` and the ``cards``. Without ``min_score``
    the answers use the threshold chosen from the retrieval scores (:func:`choose_min_score`).
    """
    retrieval = retrieval_frame(store, questions)
    chosen = choose_min_score(retrieval)
    threshold = chosen if min_score is None else min_score
    picked = sample(questions, sample_size)
    answers, figures = {}, {}
    for label, model in (runs or {"retrieval": None}).items():
        frame = answers_frame(None if label == "cards" else store, picked, model, cards=cards,
                              min_score=threshold, progress=progress)
        answers[label], figures[label] = frame, answer_summary(frame)
    return OfflineReport(retrieval, retrieval_summary(retrieval), chosen, held_out_abstention(retrieval), answers,
                         figures, latency_table(answers))


def plot(report: OfflineReport) -> Any:
    """Two panels: top search scores of answerable vs unanswerable questions with the chosen threshold, and
    the median answer latency per tier."""
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.4))
    frame = report.retrieval
    for flag, colour, label in ((True, "#1d70b8", "answerable"), (False, "#d4351c", "unanswerable")):
        left.hist(frame.filter(frame["answerable"] == flag)["top_score"].to_list(), bins=20, alpha=0.6,
                  color=colour, label=label)
    left.axvline(report.min_score, color="black", linestyle="--", label=f"min_score {report.min_score}")
    left.set(xlabel="best BM25 score", ylabel="questions", title="Retrieval: answerable vs not")
    left.legend(fontsize=8)
    table = report.latency
    labels = [f"{r['run']}:{r['tier']}" for r in table.iter_rows(named=True)]
    right.bar(labels, table["median_s"].to_list(), color="#00703c")
    right.set(ylabel="median seconds", title="Answer latency per tier", yscale="log")
    right.tick_params(axis="x", rotation=30, labelsize=8)
    fig.tight_layout()
    return fig
