"""Tokens and seconds per application for planning extraction on the embedded model, in-process.

    nice -n 10 .venv/bin/python benchmarks/bench_planning_tokens.py --sample 30 --method hybrid
    .venv/bin/python benchmarks/bench_planning_tokens.py --all --store /tmp/records.jsonl   # every application

Runs ``planning.extract`` over a seeded sample of the published applications (response cache and run log off)
and prints, per application: model calls, prompt tokens newly evaluated and reused from the runtime's prefix
cache (``model.last.new_tokens`` / ``reused_tokens``), generated tokens and seconds, as median, p90 and mean,
plus the share of applications that needed no model call at all.

``--all`` runs every published application end to end through the resumable ``extract_frame`` and prints the
wall time measured (a rerun with the same ``--store`` finishes only what is missing, and says how many it
found done).
"""

from __future__ import annotations

import argparse
import statistics
import time
import warnings

from bench_tokens import Counting
from common import private_kit_home, table


def _p90(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.9 * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sample", type=int, default=30, help="applications drawn (seed 0) from the published lists")
    parser.add_argument("--method", default="hybrid", choices=["hybrid", "model"])
    parser.add_argument("--all", action="store_true", help="every application, through extract_frame")
    parser.add_argument("--store", default=None, help="with --all: the resume store (.jsonl; default: a temp file)")
    args = parser.parse_args()
    home = private_kit_home()

    import kit
    import kit.planning as planning
    from kit.planning.data import published_dir

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        df = planning.load_applications(published_dir())
    if args.all:
        return _whole(kit, planning, df, args.method, args.store or f"{home}/planning_records.jsonl")
    rows = df.filter(df["description"].is_not_null()).sample(args.sample, seed=0).to_dicts()
    per_app = []
    with kit.load_model(cache=False, log=False) as loaded:
        model = Counting(loaded)
        model.tick = -1  # warm up (one call; not an application's): the fixed instructions reach the prefix cache
        planning.extract(model, "Erection of a garden shed", "1 Main Road Peel", method="model")
        for i, row in enumerate(rows):
            model.tick = i
            started = time.perf_counter()
            planning.extract(model, row["description"], row.get("address"), reference=row.get("reference"),
                             method=args.method)
            calls = [r for r in model.records if r[0] == i]
            per_app.append({"calls": len(calls), "new prompt": sum(r[1] for r in calls),
                            "reused prompt": sum(r[2] for r in calls), "generated": sum(r[3] for r in calls),
                            "seconds": time.perf_counter() - started})
        chunk = getattr(loaded.backend, "chunk", "?")
    none = sum(app["calls"] == 0 for app in per_app)
    table(f"planning.extract(method={args.method!r}) per application: {len(per_app)} published applications "
          f"(seed 0), in-process, prompt chunk {chunk}; no model call for {none}/{len(per_app)}",
          ["per application", "median", "p90", "mean"], _rows(per_app))
    calls = [{"new prompt": r[1], "reused prompt": r[2], "generated": r[3]} for r in model.records if r[0] >= 0]
    if calls:
        table(f"per model call ({len(calls)} calls)", ["per call", "median", "p90", "mean"], _rows(calls))


def _whole(kit, planning, df, method: str, store: str) -> None:
    """Every application through the resumable extract_frame, timed end to end."""
    import os
    from pathlib import Path

    found = sum(1 for _ in Path(store).open()) if Path(store).exists() else 0
    with kit.load_model(cache=False, log=False) as loaded:
        model = Counting(loaded)
        started = time.perf_counter()
        out = planning.extract_frame(model, df, method=method, store=store, progress=True)
        wall = time.perf_counter() - started
    calls = model.records
    table(f"extract_frame(method={method!r}) over all {df.height:,} applications, in-process "
          f"(KIT_THREADS={os.environ.get('KIT_THREADS', 'all')}, load average {os.getloadavg()[0]:.1f} at the end)",
          ["figure", "value"],
          [["applications", f"{out.height:,}"], ["found done in the store", f"{found:,}"],
           ["model calls", f"{len(calls):,}"], ["new prompt tokens", f"{sum(r[1] for r in calls):,}"],
           ["reused prompt tokens", f"{sum(r[2] for r in calls):,}"],
           ["generated tokens", f"{sum(r[3] for r in calls):,}"],
           ["wall time", f"{wall / 60:.1f} min ({wall / max(out.height, 1):.3f} s per application)"]])


def _rows(items: list[dict]) -> list[list[str]]:
    return [[name, f"{statistics.median(v):.2f}", f"{_p90(v):.2f}", f"{statistics.fmean(v):.2f}"]
            for name in items[0] for v in [[item[name] for item in items]]]


if __name__ == "__main__":
    main()
