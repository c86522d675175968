"""Decode and prompt speed through kit vs raw llama-cpp-python vs llama.cpp's own llama-bench; load time; RSS.

Same model file, library build, threads, flash-attention setting and batch size (the kit's prompt chunk), and
llama-bench decodes at the depth where the kit's answer starts (``-d``), so both attend over the same cache.
The three are measured in alternation (kit, raw, llama-bench, kit, raw, ...) and the median of each is
reported, so a busy machine hurts them alike. The figure that matters is kit / native: the kit's decode loop
(sampling and detokenising included) against llama.cpp's bare decode.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

from common import peak_rss_mib, private_kit_home, table

STORY = "Write a long, detailed story about a town council that opens a new public library."


def _prompt_text(model, n_tokens: int, tag: int) -> str:
    """About ``n_tokens`` of varied text; ``tag`` makes each one unique so no KV prefix is reused."""
    text = f"Run {tag}. " + " ".join(f"Item {i}: the council reviewed planning application {tag}-{i}." for i in range(400))
    while model.count_tokens(text) > n_tokens:
        text = text[: int(len(text) * 0.9)]
    return text


def _timed(stream) -> tuple[float, float, int]:
    """Seconds to the first piece, seconds from it to the end, and how many pieces came."""
    start = time.perf_counter()
    first = None
    pieces = 0
    for _ in stream:
        pieces += 1
        if first is None:
            first = time.perf_counter()
    end = time.perf_counter()
    return first - start, end - first, pieces


def kit_rates(model, messages, story, gen_tokens: int) -> tuple[float, float]:
    """Prompt tokens/s (time to first piece) and decode tokens/s (tokens after the first / the rest)."""
    n = model.backend.prompt_tokens(messages)
    to_first, _, _ = _timed(model.stream(messages, max_tokens=1))
    _, rest, _ = _timed(model.stream(story, max_tokens=gen_tokens))
    return n / to_first, (model.last.completion_tokens - 1) / rest


def raw_rates(llama, messages, story, gen_tokens: int, n_prompt: int) -> tuple[float, float]:
    """The same figures through llama-cpp-python's own ``create_chat_completion``."""
    to_first, _, _ = _timed(llama.create_chat_completion(messages, max_tokens=1, temperature=0, stream=True))
    chunks = llama.create_chat_completion(story, max_tokens=gen_tokens, temperature=0, stream=True)
    _, rest, pieces = _timed(c for c in chunks if c["choices"][0]["delta"].get("content"))
    return n_prompt / to_first, (pieces - 1) / rest


def llama_bench(binary, path: str, threads: int, prompt_tokens: int, gen_tokens: int, flash: bool, ngl: int,
                batch: int, depth: int):
    """One llama-bench run (one repetition): prompt tokens/s from an empty cache, decode tokens/s at ``depth``."""
    cmd = [str(binary), "-m", path, "-t", str(threads), "-p", str(prompt_tokens), "-n", str(gen_tokens),
           "-d", f"0,{depth}", "-b", str(batch), "-ub", str(batch), "-r", "1", "-fa", "1" if flash else "0",
           "-ngl", str(ngl), "-o", "json"]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True)
    results = json.loads(out.stdout)
    pp = next(r["avg_ts"] for r in results if r["n_prompt"] > 0 and r["n_gen"] == 0 and r["n_depth"] == 0)
    tg = next(r["avg_ts"] for r in results if r["n_gen"] > 0 and r["n_prompt"] == 0 and r["n_depth"] == depth)
    return pp, tg


def load_figures(model_arg: str | None) -> tuple[float, float]:
    """Model load time and peak RSS of a fresh process that loads the model through the kit."""
    code = ("import sys,time,resource,kit; t=time.perf_counter(); m=kit.load_model(sys.argv[1] or None, cache=False, "
            "log=False); d=time.perf_counter()-t; m.chat('Hi', max_tokens=4); "
            "print(d, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss/1024)")
    out = subprocess.run([sys.executable, "-c", code, model_arg or ""], capture_output=True, text=True, check=True)
    load_s, rss = out.stdout.split()
    return float(load_s), float(rss)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", default=None, help="a model name or .gguf path (default: the embedded SmolLM2)")
    parser.add_argument("--prompt-tokens", type=int, default=512)
    parser.add_argument("--gen-tokens", type=int, default=128)
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--flash-attn", default=None, help="auto, on or off (default: KIT_FLASH_ATTN, else auto)")
    args = parser.parse_args()
    private_kit_home()
    import llama_cpp

    import kit
    from kit.runtime import native
    from kit.runtime.backends.loading import default_threads

    threads = default_threads()
    kit_model = kit.load_model(args.model, cache=False, log=False, flash_attn=args.flash_attn)
    details = kit_model.info.details
    flash = details["flash_attn"] == "on"
    ngl = 99 if details["n_gpu_layers"] != 0 else 0
    raw = llama_cpp.Llama(model_path=kit_model.info.file, n_ctx=kit_model.info.context_size, n_threads=threads,
                          n_threads_batch=threads, n_gpu_layers=-1 if ngl else 0, flash_attn=flash, seed=42,
                          verbose=False)
    binary = native.tool_path("llama-bench")
    figures: dict[str, list[tuple[float, float]]] = {"kit": [], "raw": [], "native": []}
    for r in range(args.reps):  # in alternation: a busy moment hurts all three alike
        messages = [{"role": "user", "content": _prompt_text(kit_model, args.prompt_tokens, 1000 + r)}]
        story = [{"role": "user", "content": f"({r}) {STORY}"}]
        figures["kit"].append(kit_rates(kit_model, messages, story, args.gen_tokens))
        n = kit_model.backend.prompt_tokens(messages)
        figures["raw"].append(raw_rates(raw, messages, story, args.gen_tokens, n))
        if binary is not None:
            depth = kit_model.backend.prompt_tokens(story)  # where the kit's first answer token goes
            figures["native"].append(llama_bench(binary, kit_model.info.file, threads, args.prompt_tokens,
                                                 args.gen_tokens, flash, ngl, details["prompt_chunk"], depth))
        print(f"rep {r + 1}: decode tok/s " + ", ".join(f"{k} {v[-1][1]:.1f}" for k, v in figures.items() if v),
              flush=True)
    median = {k: (statistics.median(p for p, _ in v), statistics.median(t for _, t in v))
              for k, v in figures.items() if v}
    rows = [["kit (model.stream)", *median["kit"]], ["raw llama-cpp-python", *median["raw"]]]
    if "native" in median:
        rows.append(["llama.cpp llama-bench", *median["native"]])
    rows.append(["kit / raw", median["kit"][0] / median["raw"][0], median["kit"][1] / median["raw"][1]])
    if "native" in median:
        rows.append(["kit / native", median["kit"][0] / median["native"][0], median["kit"][1] / median["native"][1]])
    else:
        rows.append(["kit / native", "llama-bench not built", "(kit build-server)"])
    load = os.getloadavg()[0]
    table(f"Runtime: {kit_model.info.name}, {threads} threads, flash attention {details['flash_attn']}, "
          f"GPU layers {details['n_gpu_layers']}, prompt chunk {details['prompt_chunk']}, pp{args.prompt_tokens} / "
          f"tg{args.gen_tokens}, median of {args.reps} in alternation (load average {load:.1f} at the end)",
          ["path", "prompt tok/s", "decode tok/s"], rows)
    kit_model.close()
    raw.close()
    load_s, rss = load_figures(args.model)
    table("Load", ["figure", "value"], [["model load time (s)", load_s], ["peak RSS after a call (MiB)", rss],
                                          ["this benchmark's peak RSS (MiB, two models)", peak_rss_mib()]])


if __name__ == "__main__":
    main()
