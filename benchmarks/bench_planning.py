"""Planning extraction throughput: parsers only over every application, and the model path on llama-server.

    .venv/bin/python benchmarks/bench_planning.py --sample 16   # --data: another list or folder of lists

The model path runs a sample (the tiny model on a shared CPU takes seconds per application) through
``extract_frame`` -> ``kit.map_frame`` -> ``kit.map`` against the native server, resumably (a JSONL store),
and extrapolates to the whole set; it says so in the table.
"""

from __future__ import annotations

import argparse
import os
import warnings
from pathlib import Path

from common import private_kit_home, table, timer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", default=None, help="a published list or a folder of them (default: "
                        "datasets/planning/published)")
    parser.add_argument("--sample", type=int, default=16, help="applications sent through the model path")
    parser.add_argument("--parallel", type=int, default=2, help="llama-server slots")
    parser.add_argument("--method", default="hybrid", choices=["hybrid", "model"])
    args = parser.parse_args()
    home = private_kit_home()

    import kit
    import kit.planning as planning
    from kit import serve
    from kit.planning.data import published_dir

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with timer() as load_s:
            df = planning.load_applications(args.data or published_dir())
    with timer() as parse_s:
        planning.extract_frame(None, df, method="parsers", progress=False)
    rows = [["load (all files)", df.height, f"{load_s():.2f}", f"{df.height / load_s():,.0f}", "measured"],
            ["extract, parsers only", df.height, f"{parse_s():.2f}", f"{df.height / parse_s():,.0f}", "measured"]]

    sample = df.sample(min(args.sample, df.height), seed=0)
    store = Path(home) / "planning_records.jsonl"
    with serve.start(parallel=args.parallel, n_ctx=2048 * args.parallel) as server, \
            kit.load_model(url=server.url, cache=False, log=False) as model:
        with timer() as model_s:
            planning.extract_frame(model, sample, method=args.method, store=store, progress=True)
        with timer() as resume_s:
            planning.extract_frame(model, sample, method=args.method, store=store, progress=False)
    rate = sample.height / model_s()
    rows.append([f"extract, {args.method} on llama-server ({args.parallel} slots)", sample.height,
                 f"{model_s():.1f}", f"{rate:.3f}", f"sample; all {df.height} ≈ {df.height / rate / 3600:.1f} h"])
    rows.append(["rerun from the resume store", sample.height, f"{resume_s():.2f}",
                 f"{sample.height / resume_s():,.0f}", "no model calls"])
    table(f"Planning extraction throughput (KIT_THREADS={os.environ.get('KIT_THREADS', 'all')}, "
          f"os.cpu_count()={os.cpu_count()})", ["path", "applications", "seconds", "items/s", "note"], rows)


if __name__ == "__main__":
    main()
