"""Native llama-server vs in-process: batch throughput per server setting, and whether answers change with load.

Table 1: one row per llama-server setting tried (slots, batch/ubatch sizes, threads vs threads-batch),
each serving a batch of 32 short answers through ``kit.map``, plus the same batch sent by a bare HTTP
client (no kit overhead), against the in-process single stream (``model.chat`` one at a time).
Table 2: the same 20 prompts alone, in another order, and mixed with 3 other concurrent clients:
how many answers changed.
"""

from __future__ import annotations

import argparse
import json
import os
import threading
import urllib.request
from concurrent.futures import ThreadPoolExecutor

from common import private_kit_home, table, timer

TOPICS = ["bins", "parks", "libraries", "roads", "schools", "buses", "housing", "parking", "recycling", "council tax",
          "planning", "leisure centres", "allotments", "street lights", "potholes", "graffiti"]


def prompts(n: int, start: int = 0) -> list[str]:
    return [f"Write two sentences for residents about {TOPICS[i % len(TOPICS)]} (notice {i})."
            for i in range(start, start + n)]


def settings(threads: int) -> list[tuple[str, dict]]:
    """The llama-server settings tried: (label, keyword arguments for serve.start)."""
    return [
        ("2 slots", {"parallel": 2}),
        ("4 slots (kit default)", {"parallel": 4}),
        ("8 slots", {"parallel": 8}),
        ("16 slots", {"parallel": 16}),
        ("8 slots, -b 256 -ub 256", {"parallel": 8, "extra": ["-b", "256", "-ub", "256"]}),
        ("8 slots, -b 2048 -ub 2048", {"parallel": 8, "extra": ["-b", "2048", "-ub", "2048"]}),
        (f"8 slots, threads {max(1, threads - 1)} / batch {threads}",
         {"parallel": 8, "threads": max(1, threads - 1), "threads_batch": threads}),
    ]


def raw_batch(url: str, items: list[str], max_tokens: int, workers: int) -> list[str]:
    """The batch through bare HTTP requests: what llama-server gives with no client overhead at all."""

    def one(prompt: str) -> str:
        body = {"messages": [{"role": "user", "content": prompt}], "max_tokens": max_tokens, "temperature": 0,
                "seed": 42, "cache_prompt": True}
        request = urllib.request.Request(url + "/v1/chat/completions", data=json.dumps(body).encode(),
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=600) as response:
            return json.loads(response.read())["choices"][0]["message"]["content"] or ""

    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(one, items))


def throughput(local, served, url: str | None, items: list[str], max_tokens: int) -> list[tuple[str, float, int]]:
    """(label, seconds, tokens out) for the batch through kit.map and, if ``url``, through bare HTTP."""
    import kit

    rows = []
    with timer() as elapsed:
        outs = kit.map("{item}", items, model=served, progress=False, max_tokens=max_tokens)
    rows.append(("kit.map", elapsed(), sum(local.count_tokens(o) for o in outs)))
    if url:  # other prompts of the same shape, so the slots hold no cached prefix of them
        others = [item.replace("(notice", "(bulletin") for item in items]
        with timer() as elapsed:
            outs = raw_batch(url, others, max_tokens, served.parallel)
        rows.append(("bare HTTP", elapsed(), sum(local.count_tokens(o) for o in outs)))
    return rows


def concurrency_check(served, max_tokens: int) -> list[list]:
    """How many of 20 answers change when run in another order, and when 3 other clients run alongside."""
    items = ["Name a large city in Wales."] + prompts(19, start=100)
    alone = [served.chat(p, max_tokens=max_tokens) for p in items]
    reordered = dict(zip(reversed(items), [served.chat(p, max_tokens=max_tokens) for p in reversed(items)]))
    twice = []
    for p in items:  # the slot then holds this very prompt: llama-server re-evaluates only its last token
        served.chat(p, max_tokens=max_tokens)
        twice.append(served.chat(p, max_tokens=max_tokens))
    stop = threading.Event()

    def other_client(k: int) -> None:
        n = 0
        while not stop.is_set():
            served.chat(f"{'Background text about the town. ' * (1 + (n * 7 + k) % 12)}Client {k}, call {n}.",
                        max_tokens=8 + (n % 24))
            n += 1

    clients = [threading.Thread(target=other_client, args=(k,), daemon=True) for k in range(3)]
    for c in clients:
        c.start()
    try:
        busy = [served.chat(p, max_tokens=max_tokens) for p in items]
    finally:
        stop.set()
        for c in clients:
            c.join()
    return [
        ["alone, listed order (reference)", 0, 20],
        ["alone, reversed order", sum(reordered[p] != a for p, a in zip(items, alone)), 20],
        ["alone, each asked twice in a row (2nd answer)", sum(t != a for t, a in zip(twice, alone)), 20],
        ["with 3 other concurrent clients", sum(b != a for b, a in zip(busy, alone)), 20],
    ]


def in_process_single(local, items: list[str], max_tokens: int) -> tuple[float, int]:
    """Seconds and answer tokens for ``items`` through ``model.chat`` one at a time, in-process."""
    with timer() as elapsed:
        tokens = 0
        for p in items:
            local.chat(p, max_tokens=max_tokens)
            tokens += local.last.completion_tokens
    return elapsed(), tokens


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--max-tokens", type=int, default=64)
    parser.add_argument("--threads", type=int, default=None, help="server threads (default: KIT_THREADS or all cores)")
    parser.add_argument("--quick", action="store_true", help="only the kit default and the 8-slot settings")
    args = parser.parse_args()
    private_kit_home()
    import kit
    from kit import serve
    from kit.runtime.backends.loading import default_threads

    threads = args.threads or default_threads()
    singles, batch = prompts(8), prompts(32)
    rows = []
    with kit.load_model(cache=False, log=False, n_threads=threads) as local:
        single = [in_process_single(local, singles, args.max_tokens)]
        served_rows = []
        tried = settings(threads)[1:3] if args.quick else settings(threads)
        for label, kwargs in tried:
            kwargs = {"threads": threads, **kwargs}
            with serve.start(n_ctx=1024, **kwargs) as server:
                with kit.load_model(url=server.url, cache=False, log=False) as served:
                    served.chat("warm up", max_tokens=4)
                    for how, seconds, out in throughput(local, served, server.url, batch, args.max_tokens):
                        served_rows.append([f"llama-server, {label}", how, seconds, out])
        single.append(in_process_single(local, singles, args.max_tokens))  # again at the end: keep the best
        seconds, tokens = min(single, key=lambda st: st[0] / st[1])
        base = tokens / seconds
        rows.append(["in-process, model.chat one at a time (8, best of 2)", "", seconds, tokens, base, 1.0])
        rows += [[*r, r[3] / r[2], r[3] / r[2] / base] for r in served_rows]
        table(f"Batch of 32 short answers (max {args.max_tokens} tokens), embedded model, {threads} threads, "
              f"load average {os.getloadavg()[0]:.1f} at the end",
              ["path", "client", "seconds", "tokens out", "tokens/s", "x in-process single"], rows)
    with serve.start(parallel=4, n_ctx=1024, threads=threads) as server:
        with kit.load_model(url=server.url, cache=False, log=False) as served:
            table("Do llama-server answers change? (20 prompts, 4 slots, greedy, response cache off)",
                  ["condition", "answers changed", "of"], concurrency_check(served, 24))


if __name__ == "__main__":
    main()
