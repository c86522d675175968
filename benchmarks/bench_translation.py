"""Translation throughput and the prefix-reuse gain: shared instructions + glossary first, the segment last."""

from __future__ import annotations

import argparse

from common import private_kit_home, table, timer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--segments", type=int, default=12, help="segments for the prefix-reuse measurement")
    parser.add_argument("--batch-segments", type=int, default=40, help="segments for the throughput measurement")
    parser.add_argument("--target", default="cy")
    parser.add_argument("--parallel", type=int, default=4)
    parser.add_argument("--prefix-only", action="store_true", help="only the prefix-reuse table")
    args = parser.parse_args()
    private_kit_home()
    import kit
    from kit import serve
    from kit.translate import load_glossary, measure_prefix_reuse, translate_frame
    from kit.translate.evaluate import default_dataset_dir, load_segments

    dataset = default_dataset_dir()
    rows = load_segments(dataset)
    segments = [r["en"] for r in rows[: args.segments]]
    glossary = load_glossary(dataset / f"glossary_{args.target}.csv")

    with kit.load_model(cache=False, log=False) as model:
        reuse = measure_prefix_reuse(model, segments, target=args.target, glossary=glossary)
        chunk = model.info.details.get("prompt_chunk")
    table(f"Prefix reuse, in-process ({len(segments)} segments en->{args.target}, glossary of {len(glossary)} terms, "
          f"prompt chunk {chunk})",
          ["layout", "prompt tokens", "prompt eval (s)", "total (s)", "segments/s"], [
              ["segment first (no reuse)", reuse["segment_first"]["prompt_tokens"], reuse["segment_first"]["prompt_eval_s"],
               reuse["segment_first"]["seconds"], reuse["segment_first"]["segments_per_s"]],
              ["shared prefix first", reuse["shared_prefix"]["prompt_tokens"], reuse["shared_prefix"]["prompt_eval_s"],
               reuse["shared_prefix"]["seconds"], reuse["shared_prefix"]["segments_per_s"]],
              ["prompt-eval time saved (%)", "", 100 * (reuse["prompt_eval_saving"] or 0), "", ""],
          ])

    if args.prefix_only:
        return
    import polars as pl

    batch = [r["en"] for r in rows[: args.batch_segments]]
    frame = pl.DataFrame({"text": batch})
    results = []
    with kit.load_model(cache=False, log=False) as model, timer() as local:
        translate_frame(frame, "text", model=model, target=args.target, source="en", glossary=glossary,
                        back_translate=False, progress=False)
    results.append(["in-process", local(), len(batch) / local()])
    with serve.start(parallel=args.parallel, n_ctx=2048) as server:
        with kit.load_model(url=server.url, cache=False, log=False) as remote, timer() as served:
            translate_frame(frame, "text", model=remote, target=args.target, source="en", glossary=glossary,
                            back_translate=False, progress=False)
    results.append([f"llama-server ({args.parallel} slots, concurrent rows)", served(), len(batch) / served()])
    table(f"Batch translation throughput ({len(batch)} segments en->{args.target}, no back-translation)",
          ["backend", "seconds", "segments/s"], results)


if __name__ == "__main__":
    main()
