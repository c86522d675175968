"""The retrieval gate on many folders (BM25 only, no model): how it was chosen, and how it holds elsewhere.

The gate (kit.docs.gate) asks the model only when the best section holds at least MIN_COVERAGE of the
question's content words. Its threshold is chosen (kit.offline.evaluate.choose_min_coverage) on the tuning
half of datasets/offline's questions in the full corpus and five draws of 12 documents; the table reports the
held-out half (kit.evaluation.hash_split) in other folders: draws of 3, 6, 12 and all 27 documents, the corpus
with unrelated documents added (the admin knowledge base, the translation letters, the planning policies), and
the copilot's knowledge base (all 47 articles and draws of 6, 12, 24) with its own questions, redacted as the
copilot does. A question is answerable in a folder when its source document is there.

For each folder: answerable questions that reach the model ("reach"), unanswerable ones that abstain
("abstain"), and the precision of each decision, pooled over the draws with Wilson 95% intervals (draws
share questions, so the intervals are a guide, not exact). The "old" columns are the fixed BM25 cuts the
kit used before (3.77 for kit.docs and kit.offline, 2.5 for the copilot) on the same questions.

    python benchmarks/bench_gate.py [--split held-out|tuning|all]
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from common import table, timer

OLD_DOCS, OLD_COPILOT = 3.77, 2.5  # the fixed BM25 cuts the gate replaces


def _rate(row: dict, name: str) -> str:
    low, high = row[f"{name}_ci"]
    if row[f"{name}_n"] == 0:
        return "-"
    return f"{row[f'{name}_k']}/{row[f'{name}_n']} {row[name]:.2f} [{low:.2f}, {high:.2f}]"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--split", default="held-out", choices=("held-out", "tuning", "all"),
                        help="which questions the table reports (the threshold is chosen on tuning)")
    args = parser.parse_args()
    split = None if args.split == "all" else args.split
    import polars as pl

    from kit.admin.copilot import evaluate as copilot_ev
    from kit.admin.copilot.copilot import knowledge_base
    from kit.docs import ingest
    from kit.docs.gate import MIN_COVERAGE, corpus_folders, gate_frame, gate_table
    from kit.evaluation import in_split
    from kit.offline import evaluate as ev

    work = Path(tempfile.mkdtemp(prefix="kit-bench-gate-"))
    with timer() as took:
        corpus = ingest(ev.default_dataset_dir() / "docs", index_dir=work / "corpus-index")
        kb = knowledge_base(copilot_ev.dataset_dir() / "kb", index_dir=work / "kb-index")
        questions = ev.load_questions()
        advisor = copilot_ev.load_questions(copilot_ev.dataset_dir() / "questions.jsonl")

        tuning = in_split(questions, "tuning")
        chosen_on = corpus_folders(corpus, ev.CHOICE_FOLDERS)
        frame = pl.concat([gate_frame(store, tuning) for _, stores in chosen_on for store in stores])
        chosen = ev.choose_min_coverage(frame)
        offline = gate_table(ev.gate_folders(corpus, work), questions, split=split, min_score=OLD_DOCS)
        copilot = copilot_ev.gate_report(kb, advisor, split=split, min_score=OLD_COPILOT)
    print(f"threshold chosen on {frame.height} (folder, tuning question) pairs in "
          f"{', '.join(f'{label} x{len(stores)}' for label, stores in chosen_on)}: {chosen} "
          f"(kit.docs.gate.MIN_COVERAGE = {MIN_COVERAGE}{'' if chosen == MIN_COVERAGE else ': OUT OF DATE'})")
    print(f"({took():.1f} s, BM25 only)\n")
    rows = []
    for source, frame in (("offline", offline), ("copilot", copilot)):
        for row in frame.iter_rows(named=True):
            rows.append([row["folder"], row["draws"], row["split"], _rate(row, "reach"), _rate(row, "abstain"),
                         _rate(row, "pass_precision"), _rate(row, "abstain_precision"),
                         f"{row['score_reach']:.2f} / {row['score_abstain']:.2f}"])
    table(f"Retrieval gate: best section holds >= {MIN_COVERAGE:.0%} of the question's content words "
          f"(questions: {args.split})",
          ["folder", "draws", "split", "answerable reach model", "unanswerable abstain", "precision of passing",
           "precision of abstaining", f"old BM25 cut ({OLD_DOCS} / copilot {OLD_COPILOT}) reach / abstain"], rows)


if __name__ == "__main__":
    main()
