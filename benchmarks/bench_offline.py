"""Offline fallback figures on datasets/offline: retrieval, grounding, abstention, and latency per tier.

Table 1: retrieval over every question (recall@1, recall@5, MRR) and the retrieval gate (kit.docs.gate) on the
held-out questions (benchmarks/bench_gate.py reports it on many folders).
Table 2: a sample of held-out questions answered through each tier (primary llama-server through kit.fallback, the
in-process model, retrieval only, static action cards): grounding rate, abstention precision/recall, answers.
Table 3: latency per tier, and after the primary is killed (kill -9) mid-run: the first answer after the kill
(pays the timeout) and the rest (circuit open, no timeout paid).
"""

from __future__ import annotations

import argparse
import os
import signal
import tempfile
from pathlib import Path

from common import private_kit_home, table, timer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sample", type=int, default=30, help="questions answered per tier")
    parser.add_argument("--no-server", action="store_true", help="skip the primary llama-server tiers")
    parser.add_argument("--plot", default="outputs/bench_offline.png", help="where to save the figure")
    args = parser.parse_args()
    private_kit_home()
    import kit
    from kit import serve
    from kit.docs import ingest
    from kit.offline import answer
    from kit.offline import evaluate as ev
    from kit.offline.cards import build_cards

    dataset = ev.default_dataset_dir()
    with timer() as took:
        store = ingest(dataset / "docs", index_dir=tempfile.mkdtemp(prefix="kit-bench-index-"))
    print(f"ingest: {len(store.documents)} documents, {len(store.sections)} sections in {took():.2f} s (cold)")
    with timer() as took:
        ingest(dataset / "docs", index_dir=store.index_dir)
    print(f"ingest again (index loaded, nothing re-read): {took():.3f} s\n")
    questions = ev.load_questions(dataset / "questions.jsonl")
    local = kit.load_model(cache=False, log=False, n_ctx=4096)
    runs: dict = {}
    server = None
    if not args.no_server:
        server = serve.start(parallel=1, n_ctx=4096, threads=int(os.environ.get("KIT_THREADS", "1")),
                             build_if_missing=False)
        runs["primary"] = kit.fallback(server.url, local, timeout_s=30.0)
    runs.update({"local": local, "retrieval": None, "cards": None})
    try:
        report = ev.evaluate(store, questions, runs=runs, cards=build_cards(store), sample_size=args.sample,
                             progress=True)
        killed = _pull_the_plug(server, local, store, questions, ev, answer, kit) if server else None
    finally:
        if server is not None:
            server.stop()
    r = report.retrieval_figures
    g = report.gate
    table(f"Retrieval over {len(questions)} questions ({r['questions']} answerable); the gate on the held-out ones",
          ["recall@1", "recall@5", "MRR", "min_coverage", "gate: answerable reach model", "gate: unanswerable abstain"],
          [[r["recall_at_1"], r["recall_at_5"], r["mrr"], report.min_coverage,
            f"{g['reach_k']}/{g['reach_n']}", f"{g['abstain_k']}/{g['abstain_n']}"]])
    table(f"Answers on {args.sample} {report.split} questions per run (min_coverage {report.min_coverage})",
          ["run", "model asked", "grounding rate", "answered", "abstain P", "abstain R"],
          [[label, f["model_asked"], f["grounding_rate"], f["answered"], f["abstain_precision"], f["abstain_recall"]]
           for label, f in report.answer_figures.items()])
    rows = [[row["run"], row["tier"], row["answers"], row["median_s"], row["p95_s"], row["max_s"]]
            for row in report.latency.iter_rows(named=True)]
    if killed:
        rows += [["after kill -9", tier, 1, s, s, s] for tier, s in killed[:2]]
        rest = [s for _, s in killed[2:]]
        if rest:
            rows.append(["after kill -9", f"{killed[-1][0]} (circuit open)", len(rest), sorted(rest)[len(rest) // 2],
                         max(rest), max(rest)])
    table("Latency per tier (seconds)", ["run", "tier", "answers", "median", "p95", "max"], rows)
    Path(args.plot).parent.mkdir(parents=True, exist_ok=True)
    ev.plot(report).savefig(args.plot, dpi=120)
    print(f"plot: {args.plot}")


def _pull_the_plug(server, local, store, questions, ev, answer, kit) -> list[tuple[str, float]]:
    """Kill the primary with SIGKILL, then answer a few questions: (tier, seconds) for each."""
    chain = kit.fallback(server.url, local, timeout_s=5.0, failures=1, probe_after_s=600)
    picked = [q for q in ev.sample(questions, 6)]
    answer(picked[0]["question"], store, chain)  # warm: the primary serves
    os.kill(server.process.pid, signal.SIGKILL)
    server.process.wait()
    out = []
    for row in picked[1:]:
        result = answer(row["question"], store, chain)
        out.append((result.tier, result.latency_s))
    return out


if __name__ == "__main__":
    main()
