"""What the fallback chain costs: a real llama-server as primary, the embedded model in-process as local.

Per-question latency with the primary up; the time from `kill -9` to the next answer; the cost per question
of a dead and of a hung (SIGSTOP) primary with the circuit breaker closed (never opening) and open.
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import threading
import time

from common import private_kit_home, table

QUESTIONS = ["How do I log a 999 call on paper?", "Who declares a major incident?",
             "How are critical results phoned to the ward?", "Where is the downtime box kept?"]


def cost(chain, n: int, max_tokens: int) -> tuple[float, str]:
    """Median seconds per question over ``n`` questions, and the tier that answered the last."""
    times = []
    for i in range(n):
        started = time.perf_counter()
        chain.chat(QUESTIONS[i % len(QUESTIONS)], system="Answer in a few words.", max_tokens=max_tokens)
        times.append(time.perf_counter() - started)
    return statistics.median(times), chain.last_route.tier


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-n", type=int, default=5, help="questions per row")
    parser.add_argument("--max-tokens", type=int, default=16)
    parser.add_argument("--timeout", type=float, default=2.0, help="the chain's request timeout, seconds")
    args = parser.parse_args()
    private_kit_home()
    os.environ.setdefault("KIT_THREADS", "1")
    import kit
    from kit import serve

    local = kit.load_model(cache=False, log=False)
    rows = []
    server = serve.start(parallel=1, n_ctx=2048, threads=int(os.environ["KIT_THREADS"]))
    port = int(server.url.rsplit(":", 1)[1])
    try:
        chain = kit.fallback(server.url, local, timeout_s=args.timeout, failures=3, probe_after_s=3600)
        rows.append(["primary up", *cost(chain, args.n, args.max_tokens)])
        killed = {}
        timer = threading.Timer(0.3, lambda: (os.kill(server.process.pid, signal.SIGKILL),
                                              killed.setdefault("at", time.perf_counter())))
        timer.start()
        chain.chat(QUESTIONS[0], max_tokens=64)  # killed while generating
        timer.join()
        rows.append(["kill -9 mid-answer: kill to answer (64 tokens)", time.perf_counter() - killed["at"],
                     chain.last_route.tier])
        started = time.perf_counter()
        local.chat(QUESTIONS[0], max_tokens=64)
        rows.append(["  the same answer from the local model alone", time.perf_counter() - started, "local"])
        server.process.wait()
        rows.append(["first question after the kill", *cost(chain, 1, args.max_tokens)])
        never_opens = kit.fallback(server.url, local, timeout_s=args.timeout, failures=10**6)
        rows.append(["dead primary, breaker closed", *cost(never_opens, args.n, args.max_tokens)])
        rows.append(["dead primary, breaker open", *cost(chain, args.n, args.max_tokens)])
        rows.append(["local model alone", *cost(kit.fallback(None, local), args.n, args.max_tokens)])
        server = serve.start(port=port, parallel=1, n_ctx=2048, threads=int(os.environ["KIT_THREADS"]))
        os.kill(server.process.pid, signal.SIGSTOP)
        hung_closed = kit.fallback(server.url, local, timeout_s=args.timeout, failures=10**6)
        rows.append(["hung primary, breaker closed", *cost(hung_closed, args.n, args.max_tokens)])
        hung = kit.fallback(server.url, local, timeout_s=args.timeout, failures=1, probe_after_s=3600)
        cost(hung, 1, args.max_tokens)  # the one failure that opens the circuit
        rows.append(["hung primary, breaker open", *cost(hung, args.n, args.max_tokens)])
        os.kill(server.process.pid, signal.SIGCONT)
    finally:
        server.stop()
        local.close()
    table(f"Fallback cost (median s per question, max_tokens={args.max_tokens}, timeout {args.timeout:g} s, "
          f"KIT_THREADS={os.environ['KIT_THREADS']})", ["case", "seconds", "tier"], rows)


if __name__ == "__main__":
    main()
