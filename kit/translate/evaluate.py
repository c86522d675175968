"""Evaluate translation on the kit's dataset (``datasets/translation``): chrF, BLEU, tokens, glossary, flags."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kit import paths
from kit.evaluation import read_jsonl, sample_split, split_of
from kit.model import ChatModel
from kit.progress import progress_bar
from kit.translate.glossary import Glossary, load_glossary
from kit.translate.languages import get_language
from kit.translate.quality import chrf
from kit.translate.result import SegmentResult
from kit.translate.segments import Unit
from kit.translate.translator import translate_units

PAIRS = ("cy", "fr", "pl", "ur", "ar")
SUMMARY_COLUMNS = ("pair", "split", "segments", "chrf", "bleu", "protected_preservation", "glossary_compliance",
                   "flag_rate", "segments_per_s", "seconds")


def default_dataset_dir() -> Path:
    """The translation dataset: ``datasets/translation`` in :func:`kit.paths.datasets_dir`."""
    return paths.datasets_dir() / "translation"


def load_segments(folder: str | Path | None = None) -> list[dict[str, Any]]:
    """The dataset's segments (``segments.jsonl``): id, domain, en, one field per language, protected."""
    return read_jsonl(Path(folder or default_dataset_dir()) / "segments.jsonl", what="evaluation data",
                      fix="Pass dataset_dir= pointing at datasets/translation.")


@dataclass(frozen=True)
class EvalReport:
    """Per-segment results and the per-pair summary of an evaluation run."""

    segments: Any  # polars.DataFrame, one row per (pair, segment)
    summary: Any  # polars.DataFrame, one row per pair (SUMMARY_COLUMNS)
    model: str
    sample_size: int | None
    split: str = "held-out"  # which segments were scored (kit.evaluation.split_of)

    def figures(self) -> dict[str, float]:
        """Headline figures over all pairs: mean chrF and BLEU, rates, and segments per second.

        ``not_translated_rate``: the share of segments with no usable translation (their chrF counts the
        original text kept in its place, as a reader of the document would get it).
        """
        frame = self.segments
        seconds = float(self.summary["seconds"].sum())
        terms = int(frame["glossary_terms"].sum())
        return {
            "chrf_mean": float(self.summary["chrf"].mean()),
            "bleu_mean": float(self.summary["bleu"].mean()),
            "protected_preservation": float(frame["protected_kept"].sum() / max(1, frame["protected_total"].sum())),
            "glossary_compliance": float(frame["glossary_met"].sum() / terms) if terms else float("nan"),
            "flag_rate": float(frame["needs_review"].mean()),
            "not_translated_rate": float(frame["not_translated"].mean()),
            "segments_per_s": float(frame.height / seconds) if seconds else float("nan"),
        }


def _score(row: dict, pair: str, glossary: Glossary, out: str, segments: Sequence[SegmentResult]) -> dict[str, Any]:
    terms = glossary.applicable(row["en"])
    missing = glossary.missing(row["en"], out)
    return {
        "pair": f"en-{pair}", "id": row["id"], "split": split_of([row]), "domain": row["domain"], "source": row["en"],
        "reference": row[pair], "translation": out, "chrf": round(chrf(out, row[pair]), 2),
        "protected_total": len(row["protected"]), "protected_kept": sum(t in out for t in row["protected"]),
        "glossary_terms": len(terms), "glossary_met": len(terms) - len(missing),
        "flags": sorted({flag for segment in segments for flag in segment.flags}),
        "needs_review": any(segment.needs_review for segment in segments),
        "not_translated": any(segment.status == "not_translated" for segment in segments),
    }


def _progress_callback(total: int, desc: str):
    bar = progress_bar(total, desc, unit="step")

    def update(done: int, total: int) -> None:
        bar.n = done
        bar.refresh()
        if done == total:
            bar.close()

    return update


def evaluate(model: ChatModel, *, pairs: Sequence[str] = PAIRS, sample_size: int | None = None,
             split: str | None = "held-out", dataset_dir: str | Path | None = None, glossary: bool = True,
             back_translate: bool = True, progress: bool = True, **kw: Any) -> EvalReport:
    """Translate the dataset's English segments into each language and score them against the references.

    Each pair's segments run as one batch (all forward translations, then all back-translations), the
    way a document runs, so the shared prompt prefix is reused from segment to segment.

    Args:
        pairs: target languages (English is always the source).
        sample_size: how many segments per pair, spread evenly through ``split`` (None: all of it).
        split: which segments: "held-out" (by a hash of the id, see the dataset card), "tuning", or None/"all";
            the summary's ``split`` column names it.
        glossary: give the model the dataset's glossary for each language (compliance is measured either way).
        **kw: passed to ``translate`` (e.g. ``gen={"max_tokens": 64}``).
    """
    import polars as pl
    from sacrebleu.metrics import BLEU, CHRF

    folder = Path(dataset_dir) if dataset_dir is not None else default_dataset_dir()
    rows = sample_split(load_segments(folder), sample_size, split)
    scored_split = split_of(rows)
    units = [Unit("paragraph", row["en"]) for row in rows]
    scored, summary = [], []
    for pair in pairs:
        code = get_language(pair).code
        path = folder / f"glossary_{code}.csv"
        terms = load_glossary(path) if path.is_file() else Glossary()
        started = time.perf_counter()
        _, _, outputs, segments = translate_units(
            model, units, target=code, source="en", glossary=terms if glossary else None,
            back_translate=back_translate, progress=_progress_callback(len(units) * (1 + back_translate), f"en->{code}")
            if progress else None, **kw,
        )
        seconds = time.perf_counter() - started
        results = [_score(row, code, terms, out.strip(), [s for s in segments if s.unit == i])
                   for i, (row, out) in enumerate(zip(rows, outputs))]
        hypotheses, references = [r["translation"] for r in results], [[r["reference"] for r in results]]
        with_terms = [r for r in results if r["glossary_terms"]]
        summary.append({
            "pair": f"en-{code}", "split": scored_split, "segments": len(results),
            "chrf": round(CHRF().corpus_score(hypotheses, references).score, 2),
            "bleu": round(BLEU().corpus_score(hypotheses, references).score, 2),
            "protected_preservation": sum(r["protected_kept"] for r in results)
            / max(1, sum(r["protected_total"] for r in results)),
            "glossary_compliance": sum(r["glossary_met"] for r in with_terms)
            / sum(r["glossary_terms"] for r in with_terms) if with_terms else None,
            "flag_rate": sum(r["needs_review"] for r in results) / max(1, len(results)),
            "segments_per_s": len(results) / seconds if seconds else None,
            "seconds": round(seconds, 2),
        })
        scored.extend(results)
    summary_frame = pl.DataFrame(summary, schema={
        "pair": pl.Utf8, "split": pl.Utf8, "segments": pl.Int64, "chrf": pl.Float64, "bleu": pl.Float64,
        "protected_preservation": pl.Float64, "glossary_compliance": pl.Float64, "flag_rate": pl.Float64,
        "segments_per_s": pl.Float64, "seconds": pl.Float64,
    })
    return EvalReport(pl.DataFrame(scored), summary_frame, model.info.name, sample_size, scored_split)
