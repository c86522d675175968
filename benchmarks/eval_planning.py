"""Evaluate planning extraction on the project's labels: parsers only, model only, hybrid (prints a table)."""

from __future__ import annotations

import argparse
import time


def main() -> None:
    import polars as pl

    import kit
    from kit.planning.data import labels_path
    from kit.planning.extraction.evaluate import evaluate, sample_labels

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--limit", type=int, default=None,
                        help="label rows per split, spread evenly through it (default all)")
    parser.add_argument("--methods", default="parsers,model,hybrid")
    args = parser.parse_args()
    methods = tuple(args.methods.split(","))
    model = kit.load_model(log=False) if set(methods) - {"parsers"} else None
    pl.Config.set_tbl_rows(100)
    pl.Config.set_tbl_cols(12)
    pl.Config.set_tbl_width_chars(220)
    for split in ("tuning", "held-out"):
        labels = sample_labels(labels_path(), args.limit, split=split)
        started = time.perf_counter()
        table = evaluate(model, labels, methods=methods, progress=True)
        print(f"\n{split}: {len(labels)} labelled applications, methods {methods}, "
              f"{time.perf_counter() - started:.0f} s")
        print(table)


if __name__ == "__main__":
    main()
