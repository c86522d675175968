"""What a real Llama-3.2-1B, Llama-3.2-3B or Llama-3.1-8B will cost on this machine, measured on random weights.

For each shape: write a random-weight F16 GGUF with the exact architecture (shape_gguf.py), quantise it to
Q4_K_M with the kit's llama-quantize, measure prompt and decode speed with the kit's llama-bench (the kit's
threads; every layer on the GPU where the build has one), then turn the token counts per item that
bench_tokens.py measured into seconds per item. With ``--slots`` it also serves the file with ``kit serve``
(llama-server) and runs ``kit.map`` over a batch with each slot count. Random weights measure cost, not
quality. Every large file goes into a temporary folder (``--workdir``) that is removed at the end, also on
error or Ctrl-C. ``--speeds FILE`` prints the costs again from a saved ``--json`` without measuring.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import sys
import tempfile
from pathlib import Path

from kit.errors import KitError

import shape_gguf
from bench_runtime import llama_bench
from common import cpu, table, timer
from shapes import APPLICATIONS, SHAPES, Shape, cost_rows, parse_shapes, parse_slots, planning_hours, read_tokens

HERE = Path(__file__).resolve().parent
TOKENS = HERE / "results" / "tokens_per_item.json"
QUANT = "Q4_K_M"
TOPICS = ["bins", "parks", "libraries", "roads", "schools", "buses", "housing", "parking"]


def _workdir(parent: str | None) -> Path:
    """A fresh folder for the large files, never inside the repository."""
    base = Path(parent or tempfile.gettempdir()).resolve()
    if base == HERE.parent or HERE.parent in base.parents:
        raise ValueError(f"--workdir {base} is inside the repository: the files are GBs. Give a folder elsewhere.")
    base.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix="kit-shapes-", dir=base))


def _check_space(shape: Shape, folder: Path) -> None:
    """Refuse before writing when the F16 file and its Q4_K_M would not fit."""
    needed = shape.f16_bytes() * 1.35
    free = shutil.disk_usage(folder).free
    if needed > free:
        raise ValueError(f"Not enough disk space in {folder} for the {shape.name} shape: about {needed / 1e9:.0f} GB "
                         f"needed, {free / 1e9:.0f} GB free. Pass --workdir on a bigger disk.")


def _bench(path: Path, threads: int, ngl: int, flash: bool, args) -> tuple[float, float, list]:
    """Best prompt and decode tokens/s of ``args.reps`` llama-bench runs, and every run.

    The prompt goes in the kit's chunks, and decoding is timed after a prompt's worth of context, as for an item.
    """
    from kit.runtime import native
    from kit.runtime.backends.loading import prompt_chunk

    binary = native.tool_path("llama-bench")
    if binary is None:
        raise ValueError("llama-bench is not built. Run `kit build-server` (or `make install`).")
    runs = [llama_bench(binary, str(path), threads, args.prompt_tokens, args.gen_tokens, flash, ngl,
                        batch=prompt_chunk(None, ngl > 0), depth=args.prompt_tokens) for _ in range(args.reps)]
    return max(p for p, _ in runs), max(t for _, t in runs), runs


def _slots(path: Path, slots: list[int], threads: int, args) -> dict[int, dict[str, float]]:
    """Aggregate decode tok/s of ``kit.map`` through ``kit serve`` (llama-server) for each slot count."""
    import kit
    from kit import serve

    items = [f"Write a short notice for residents about {TOPICS[i % len(TOPICS)]} (notice {i})."
             for i in range(args.slot_items)]
    out = {}
    for n in slots:
        with serve.start(str(path), parallel=n, n_ctx=1024, threads=threads) as server:
            with kit.load_model(url=server.url, cache=False, log=True) as served:
                served.chat("warm up", max_tokens=4)
                with timer() as elapsed:
                    kit.map("{item}", items, model=served, progress=False, max_tokens=args.gen_tokens)
                seconds = elapsed()
        # the run log holds what llama-server reported per call: measured, not max_tokens x items
        calls = kit.logs(limit=len(items))
        generated = int(calls["completion_tokens"].sum())
        out[n] = {"items": len(items), "generated": generated, "seconds": seconds, "tok_s": generated / seconds}
    return out


def measure(keys: list[str], args) -> dict:
    """Write, quantise and measure each shape in turn; remove every large file before returning."""
    work = _workdir(args.workdir)
    try:
        from kit.runtime import quantize
        from kit.runtime.backends.loading import default_threads, flash_attn_setting, gpu_offload_supported

        threads = default_threads()
        gpu = gpu_offload_supported()
        flash = flash_attn_setting() != "off"  # as the kit loads: auto is on (CPU and GPU backends support it)
        sdist = Path(args.sdist) if args.sdist else shape_gguf.default_sdist()
        os.environ.update(KIT_HOME=str(work / "home"), KIT_MODELS_DIR=str(work))
        result = {"machine": {**cpu(), "threads": threads, "gpu_offload": gpu, "flash_attn": flash},
                  "prompt_tokens": args.prompt_tokens, "gen_tokens": args.gen_tokens, "reps": args.reps,
                  "quant": QUANT, "shapes": {}, "slots": {}}
        print(f"Working in {work} (removed at the end). Random weights measure cost, not quality.", flush=True)
        for key in keys:
            shape = SHAPES[key]
            _check_space(shape, work)
            f16 = work / f"{key}-random-f16.gguf"
            print(f"{shape.name}: writing {shape.f16_bytes() / 1e9:.1f} GB F16 ...", flush=True)
            write_s = shape_gguf.write(shape, f16, sdist)
            print(f"{shape.name}: written in {write_s:.0f} s; quantising to {QUANT} ...", flush=True)
            with timer() as elapsed:
                q4 = quantize.quantize(f16, QUANT, name=f"{key}-random-{QUANT.lower()}", threads=threads)
            quant_s = elapsed()
            f16.unlink()
            print(f"{shape.name}: quantised in {quant_s:.0f} s; llama-bench x{args.reps} ...", flush=True)
            pp, tg, runs = _bench(q4, threads, 99 if gpu else 0, flash, args)
            result["shapes"][key] = {"name": shape.name, "parameters": shape.parameters(),
                                     "f16_gb": shape.f16_bytes() / 1e9, "q4_gb": q4.stat().st_size / 1e9,
                                     "write_s": write_s, "quantize_s": quant_s, "pp": pp, "tg": tg, "runs": runs,
                                     "load_average": os.getloadavg()[0]}
            _save(result, args.json)
            print(f"{shape.name}: prompt {pp:.1f} tok/s, decode {tg:.1f} tok/s (best of {args.reps}; load average "
                  f"{os.getloadavg()[0]:.1f})", flush=True)
            if args.slots:
                print(f"{shape.name}: kit.map through kit serve with {args.slots} slots ...", flush=True)
                result["slots"][key] = _slots(q4, args.slots, threads, args)
                _save(result, args.json)
            q4.unlink()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return result


def _save(result: dict, path: str | None) -> None:
    """Write what is measured so far (a run stopped later keeps it)."""
    if path:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        Path(path).write_text(json.dumps(result, indent=2) + "\n")


def merged(results: list[dict]) -> dict:
    """Several saved ``--json`` results (shapes measured in separate runs on one machine) as one."""
    first = results[0]
    for other in results[1:]:
        first["shapes"].update(other["shapes"])
        first["slots"].update(other.get("slots", {}))
    return first


def report(result: dict, tokens_path: Path) -> None:
    """Print the speed table, the batching table and the seconds per item per capability."""
    m = result["machine"]
    where = "GPU (-ngl 99)" if m["gpu_offload"] else "CPU"
    flags = "/".join(f for f in ("avx2", "avx512", "amx") if m.get(f)) or "no AVX2"
    shapes = result["shapes"]
    table(f"{result['quant']} on {m['cpu']} ({flags}), {m['threads']} threads, {where}; llama-bench "
          f"pp{result['prompt_tokens']} / tg{result['gen_tokens']}, best of {result['reps']}",
          ["shape", "parameters (B)", "F16 GB", f"{result['quant']} GB", "write s", "quantise s", "prompt tok/s",
           "decode tok/s", "load avg"],
          [[s["name"], s["parameters"] / 1e9, s["f16_gb"], s["q4_gb"], s["write_s"], s["quantize_s"], s["pp"], s["tg"],
            s.get("load_average", "")] for s in shapes.values()])
    for key, runs in result.get("slots", {}).items():
        base = runs.get("1", runs.get(1))
        rows = [[n, r["items"], r["generated"], r["seconds"], r["tok_s"], r["tok_s"] / base["tok_s"] if base else ""]
                for n, r in runs.items()]
        table(f"kit.map through kit serve, {shapes[key]['name']} shape: aggregate decode tok/s per slot count",
              ["slots", "items", "generated", "seconds", "tok/s", "x 1 slot"], rows)
    try:
        capabilities = read_tokens(tokens_path)
    except ValueError as problem:
        print(f"No seconds per item: {problem}")
        return
    speeds = {key: (s["pp"], s["tg"]) for key, s in shapes.items()}
    table("Seconds per item = new prompt tokens / prompt tok/s + generated tokens / decode tok/s "
          f"(tokens per item from {tokens_path.name}, embedded model's tokenizer)",
          ["capability", "new prompt", "reused prompt", "generated", *(f"s/item {shapes[k]['name']}" for k in speeds)],
          cost_rows(capabilities, speeds))
    for key, hours in planning_hours(capabilities, speeds).items():
        print(f"All {APPLICATIONS:,} planning applications, one at a time, {shapes[key]['name']} shape: "
              f"{hours:.1f} hours")
    print("Reused prompt tokens (the prefix cache) cost ~nothing in-process and are not counted. Token counts are "
          "the embedded model's tokenizer; Llama 3's larger vocabulary usually needs fewer tokens for the same "
          "text (not measured here). Random weights measure cost, not quality.")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shapes", default=",".join(SHAPES), help=f"which shapes, of {', '.join(SHAPES)}")
    parser.add_argument("--reps", type=int, default=2, help="llama-bench runs per shape (the best is kept)")
    parser.add_argument("--prompt-tokens", type=int, default=128)
    parser.add_argument("--gen-tokens", type=int, default=32, help="decode tokens (llama-bench, and per kit.map item)")
    parser.add_argument("--slots", default="", help="also kit.map through kit serve with these slot counts, e.g. 1,4,8")
    parser.add_argument("--slot-items", type=int, default=16, help="items in each kit.map batch")
    parser.add_argument("--tokens", default=str(TOKENS), help="bench_tokens.py's tokens per item (JSON)")
    parser.add_argument("--json", default=None, help="write the measured speeds to this file (after each shape)")
    parser.add_argument("--speeds", default=None,
                        help="print costs from saved --json files (comma-separated) instead of measuring")
    parser.add_argument("--workdir", default=None, help="folder for the large files (default: the system temp)")
    parser.add_argument("--sdist", default=None, help="llama-cpp-python source with gguf-py (default: .cache/sdist)")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so the finally that removes the files runs
    try:
        if args.speeds:
            result = merged([json.loads(Path(p).read_text()) for p in args.speeds.split(",")])
        else:
            args.slots = parse_slots(args.slots) if args.slots else []
            result = measure(parse_shapes(args.shapes), args)
    except (ValueError, OSError, KitError) as problem:
        print(f"bench_shapes: {problem}", file=sys.stderr)
        return 2
    report(result, Path(args.tokens))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
