"""Decode and prompt speed through kit vs raw llama-cpp-python vs llama.cpp's own llama-bench; load time; RSS.

Same model (the embedded SmolLM2), same threads, one process, side by side. The kit should add at
most 3% to raw llama-cpp-python.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time

from common import peak_rss_mib, private_kit_home, table

STORY = "Write a long, detailed story about a town council that opens a new public library."


def _prompt_text(model, n_tokens: int, tag: int) -> str:
    """About ``n_tokens`` of varied text; ``tag`` makes each one unique so no KV prefix is reused."""
    words = f"Run {tag}. " + " ".join(f"Item {i}: the council reviewed planning application {tag}-{i}." for i in range(400))
    text = words
    while model.count_tokens(text) > n_tokens:
        text = text[: int(len(text) * 0.9)]
    return text


def rates(stream, n_prompt: int) -> tuple[float, float, int]:
    """Prompt tokens/s (time to first token) and decode tokens/s (the rest) of one streamed generation."""
    start = time.perf_counter()
    first = None
    pieces = 0
    for _ in stream:
        pieces += 1
        if first is None:
            first = time.perf_counter()
    end = time.perf_counter()
    return n_prompt / (first - start), (pieces - 1) / (end - first), pieces


def bench_pair(kit_model, llama, prompt_tokens: int, gen_tokens: int, reps: int):
    """Best prompt and decode rates for the kit and for raw llama-cpp-python, measured in alternation.

    Both see the same texts; each repetition uses a new text so no cached KV prefix is reused.
    """
    kit_pp, kit_tg, raw_pp, raw_tg = [], [], [], []
    for r in range(reps):
        text = _prompt_text(kit_model, prompt_tokens, 1000 + r)
        messages = [{"role": "user", "content": text}]
        n = kit_model.backend.prompt_tokens(messages)
        story = [{"role": "user", "content": f"({r}) {STORY}"}]
        kit_pp.append(rates(kit_model.stream(messages, max_tokens=1), n)[0])
        raw_pp.append(rates(llama.create_chat_completion(messages, max_tokens=1, temperature=0, stream=True), n)[0])
        kit_tg.append(rates(kit_model.stream(story, max_tokens=gen_tokens), 1)[1])
        chunks = llama.create_chat_completion(story, max_tokens=gen_tokens, temperature=0, stream=True)
        raw_tg.append(rates((c for c in chunks if c["choices"][0]["delta"].get("content")), 1)[1])
    return (max(kit_pp), max(kit_tg)), (max(raw_pp), max(raw_tg))


def llama_bench(threads: int, prompt_tokens: int, gen_tokens: int, path: str):
    from kit import native

    binary = native.tool_path("llama-bench")
    if binary is None:
        return None
    out = subprocess.run([str(binary), "-m", path, "-t", str(threads), "-p", str(prompt_tokens), "-n", str(gen_tokens),
                          "-r", "3", "-o", "json"], capture_output=True, text=True, check=True)
    results = json.loads(out.stdout)
    pp = next(r["avg_ts"] for r in results if r["n_prompt"] > 0 and r["n_gen"] == 0)
    tg = next(r["avg_ts"] for r in results if r["n_gen"] > 0 and r["n_prompt"] == 0)
    return pp, tg


def load_figures() -> tuple[float, float]:
    """Model load time and peak RSS of a fresh process that loads the model through the kit."""
    code = ("import time,resource,kit; t=time.perf_counter(); m=kit.load_model(cache=False, log=False); "
            "d=time.perf_counter()-t; m.chat('Hi', max_tokens=4); "
            "print(d, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss/1024)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    load_s, rss = out.stdout.split()
    return float(load_s), float(rss)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--prompt-tokens", type=int, default=512)
    parser.add_argument("--gen-tokens", type=int, default=128)
    parser.add_argument("--reps", type=int, default=5)
    args = parser.parse_args()
    private_kit_home()
    import llama_cpp

    import kit
    from kit.backends.llamacpp import default_threads

    threads = default_threads()
    kit_model = kit.load_model(cache=False)
    raw = llama_cpp.Llama(model_path=kit_model.info.file, n_ctx=kit_model.info.context_size, n_threads=threads,
                          n_threads_batch=threads, seed=42, verbose=False)
    (kit_pp, kit_tg), (raw_pp, raw_tg) = bench_pair(kit_model, raw, args.prompt_tokens, args.gen_tokens, args.reps)
    native = llama_bench(threads, args.prompt_tokens, args.gen_tokens, kit_model.info.file)
    rows = [
        ["kit (in-process)", kit_pp, kit_tg],
        ["raw llama-cpp-python", raw_pp, raw_tg],
    ]
    if native:
        rows.append(["llama.cpp llama-bench", native[0], native[1]])
    rows.append(["kit overhead vs raw (%)", 100 * (raw_pp - kit_pp) / raw_pp, 100 * (raw_tg - kit_tg) / raw_tg])
    if native:
        rows.append(["kit / native", kit_pp / native[0], kit_tg / native[1]])
    table(f"Runtime: SmolLM2-135M Q4_1, {threads} threads, pp{args.prompt_tokens} / tg{args.gen_tokens}, best of {args.reps}",
          ["path", "prompt tok/s", "decode tok/s"], rows)
    load_s, rss = load_figures()
    table("Load", ["figure", "value"], [["model load time (s)", load_s], ["peak RSS after a call (MiB)", rss],
                                          ["this benchmark's peak RSS (MiB, two models)", peak_rss_mib()]])


if __name__ == "__main__":
    main()
