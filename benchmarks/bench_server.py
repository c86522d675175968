"""Native llama-server vs in-process llama-cpp-python: one request at a time, and a batch of 32 through kit.map."""

from __future__ import annotations

import argparse

from common import private_kit_home, table, timer

TOPICS = ["bins", "parks", "libraries", "roads", "schools", "buses", "housing", "parking", "recycling", "council tax",
          "planning", "leisure centres", "allotments", "street lights", "potholes", "graffiti"]


def prompts(n: int) -> list[str]:
    return [f"Write two sentences for residents about {TOPICS[i % len(TOPICS)]} (notice {i})." for i in range(n)]


def run(model, items: list[str], max_tokens: int, batch: bool) -> tuple[float, int]:
    """Seconds taken and answer tokens produced for ``items``, one by one or through kit.map."""
    import kit

    with timer() as elapsed:
        if batch:
            outs = kit.map("{item}", items, model=model, progress=False, max_tokens=max_tokens)
        else:
            outs = [model.chat(p, max_tokens=max_tokens) for p in items]
    return elapsed(), sum(model.count_tokens(o) for o in outs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--max-tokens", type=int, default=64)
    parser.add_argument("--parallel", type=int, default=4)
    args = parser.parse_args()
    private_kit_home()
    import kit
    from kit import serve

    singles, batch = prompts(8), prompts(32)
    rows = []
    with kit.load_model(cache=False, log=False) as local:
        s, t = run(local, singles, args.max_tokens, batch=False)
        base = t / s
        rows.append(["in-process, one at a time (8)", s, t, base, 1.0])
        s, t = run(local, batch, args.max_tokens, batch=True)
        rows.append(["in-process, kit.map batch (32)", s, t, t / s, (t / s) / base])
    with serve.start(parallel=args.parallel, n_ctx=2048) as server:
        with kit.load_model(url=server.url, cache=False, log=False) as remote:
            remote.chat("warm up", max_tokens=4)
            s, t = run(remote, singles, args.max_tokens, batch=False)
            rows.append(["llama-server, one at a time (8)", s, t, t / s, (t / s) / base])
            s, t = run(remote, batch, args.max_tokens, batch=True)
            rows.append([f"llama-server, kit.map batch (32, {args.parallel} slots)", s, t, t / s, (t / s) / base])
    table(f"Server vs in-process (embedded model, max {args.max_tokens} tokens per answer)",
          ["path", "seconds", "tokens out", "tokens/s", "x in-process single"], rows)


if __name__ == "__main__":
    main()
