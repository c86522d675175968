"""kit.map on a Dask cluster: one worker on one core against two workers on two cores, the same items.

Starts a `dask scheduler` and `dask worker` processes on 127.0.0.1, each worker pinned to one core with
`taskset` and run with KIT_THREADS=1. Each configuration first warms up (every worker loads the model and
answers one item; not timed), then runs the same items (short planning- and translation-like prompts, a
fixed max_tokens) through ``kit.map(..., client=...)`` with a fresh resume store. Prints a table (workers,
items, seconds, items/s, tokens/s, speedup, per-item seconds) and what 50,000 items would take.

    .venv/bin/python benchmarks/bench_dask.py            # 64 items
    .venv/bin/python benchmarks/bench_dask.py --quick    # 8 items, to check it runs
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import private_kit_home, table, timer

BIN = Path(sys.executable).parent
COMMENTS = ["the new flats will block light to our garden", "there is not enough parking on Mill Lane already",
            "the extension is out of keeping with the conservation area", "we support more homes near the station",
            "the bin store is too close to our kitchen window", "construction traffic will use a school route"]
NOTICES = ["The library opens at nine on Saturdays.", "Bins are collected every other Tuesday.",
           "The car park closes for resurfacing next week.", "Council tax bills are sent out in March."]


def prompts(n: int) -> list[str]:
    """Alternately a planning comment to summarise and a notice to translate into Welsh."""
    out = []
    for i in range(n):
        if i % 2:
            out.append(f"Translate into Welsh: {NOTICES[i // 2 % len(NOTICES)]} (notice {i})")
        else:
            out.append(f"Summarise this planning comment in one sentence: {COMMENTS[i // 2 % len(COMMENTS)]} "
                       f"(comment {i})")
    return out


def answer(prompt: str, max_tokens: int):
    """Run on a worker: the answer and how many tokens it took."""
    from kit.cluster import worker_model

    model = worker_model()
    text = model.chat(prompt, max_tokens=max_tokens)
    return text, model.last.completion_tokens


def dask_process(args: list[str], env: dict, log: Path, core: int | None = None) -> subprocess.Popen:
    """A Dask process in its own process group, pinned to ``core`` when given."""
    pin = ["taskset", "-c", str(core)] if core is not None else []
    with log.open("w") as out:
        return subprocess.Popen([*pin, str(BIN / "dask"), *args], env=env, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)


def stop(proc: subprocess.Popen) -> None:
    """Stop a process group: SIGTERM, then SIGKILL."""
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=15)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def start_scheduler(folder: Path, env: dict) -> tuple[subprocess.Popen, Path, str]:
    """The scheduler (no dashboard), its scheduler file and its TCP address."""
    file = folder / "scheduler.json"
    proc = dask_process(["scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                         "--dashboard-address", "127.0.0.1:0", "--scheduler-file", str(file)], env,
                        folder / "scheduler.log")
    deadline = time.monotonic() + 60
    while not (file.exists() and file.read_text().strip()):
        if proc.poll() is not None or time.monotonic() > deadline:
            raise SystemExit("dask scheduler did not start:\n" + (folder / "scheduler.log").read_text())
        time.sleep(0.1)
    time.sleep(0.2)
    return proc, file, json.loads(file.read_text())["address"]


def measure(client, file: Path, folder: Path, env: dict, cores: list[int], model, items: list[str],
            max_tokens: int) -> tuple[float, int, list, float]:
    """(wall seconds, tokens out, answers, summed worker seconds) for ``items`` on one worker per core."""
    from kit.cluster.run import run_map

    workers = [dask_process(["worker", "--scheduler-file", str(file), "--name", f"core{c}", "--nthreads", "1",
                             "--nworkers", "1", "--no-nanny", "--no-dashboard", "--host", "127.0.0.1"],
                            env, folder / f"worker-core{c}.log", core=c) for c in cores]
    try:
        client.wait_for_workers(len(cores), timeout=120)
        # Warm-up, not timed: each worker loads the model (the plugin) and answers one item.
        run_map(lambda p: answer(p, 4), items[:len(cores)], model=model, client=client, store=False, partition=1,
                progress=False)
        store = folder / f"store-{len(cores)}.sqlite"
        with timer() as elapsed:
            run = run_map(lambda p: answer(p, max_tokens), items, model=model, client=client, store=store,
                          progress=False)
        return elapsed(), sum(t for _, t in run.results), [text for text, _ in run.results], run.busy_s
    finally:
        for proc in workers:
            stop(proc)
        deadline = time.monotonic() + 30
        while client.scheduler_info(n_workers=-1)["workers"] and time.monotonic() < deadline:
            time.sleep(0.1)


def estimate(per_item_s: float, efficiency: float, total: int = 50_000) -> list[list]:
    """Hours for ``total`` items on N single-core workers: ideal scaling, and at the measured efficiency."""
    rows = []
    for n in (1, 2, 8, 32, 128):
        ideal = total * per_item_s / n / 3600
        rows.append([n, total, round(ideal, 2), round(ideal / efficiency if n > 1 else ideal, 2)])
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--items", type=int, default=64, help="items per configuration (default 64)")
    parser.add_argument("--max-tokens", type=int, default=32, help="fixed max_tokens per answer (default 32)")
    parser.add_argument("--model", default=None, help="model name or .gguf path (default: as kit.load_model)")
    parser.add_argument("--quick", action="store_true", help="8 items, max_tokens 16: checks the script runs")
    args = parser.parse_args()
    if args.quick:
        args.items, args.max_tokens = 8, 16
    if shutil.which("taskset") is None:
        raise SystemExit("taskset is not installed (Debian/Ubuntu: apt-get install util-linux); it pins each worker "
                         "to one core. Nothing was measured.")
    cores = sorted(os.sched_getaffinity(0))
    if len(cores) < 2:
        raise SystemExit(f"This machine lets us use {len(cores)} core(s); the benchmark needs 2 to pin two "
                         "workers to a core each. Nothing was measured.")
    private_kit_home()
    import kit
    from distributed import Client

    model = kit.load_model(args.model, cache=False, log=False)
    spec_file = model.info.file
    items = prompts(args.items)
    folder = Path(tempfile.mkdtemp(prefix="kit-bench-dask-"))
    env = {**os.environ, "KIT_THREADS": "1", "KIT_CACHE": "off", "KIT_LOG": "off"}
    print(f"model {model.info.name} ({Path(spec_file).name}); {len(items)} items; max_tokens {args.max_tokens}; "
          f"cores used {cores[:2]} of {os.cpu_count()}; load {os.getloadavg()[0]:.2f}\n", flush=True)
    scheduler, file, address = start_scheduler(folder, env)
    try:
        with Client(address, set_as_default=False, timeout=30) as client:
            results = {}
            for pinned in ([cores[0]], cores[:2]):
                results[len(pinned)] = measure(client, file, folder, env, pinned, model, items, args.max_tokens)
    finally:
        stop(scheduler)
    one_s = results[1][0]
    rows = []
    for n, (seconds, tokens, _, busy) in results.items():
        rows.append([n, len(items), round(seconds, 2), round(len(items) / seconds, 2), round(tokens / seconds, 1),
                     round(one_s / seconds, 2), round(busy / len(items), 3), round(seconds * n / len(items), 3)])
    table("kit.map on Dask: workers pinned to one core each (taskset), KIT_THREADS=1, warm-up excluded",
          ["workers", "items", "seconds", "items/s", "tokens/s", "speedup", "worker s/item", "wall s/item x workers"],
          rows)
    same = results[1][2] == results[2][2]
    print(f"answers identical between 1 and 2 workers: {'yes' if same else 'NO'}\n")
    speedup = one_s / results[2][0]
    per_item = one_s / len(items)
    table(f"Estimate for 50,000 items at {per_item:.3f} s/item on one core (this model, these prompts; "
          f"measured 2-worker efficiency {speedup / 2:.0%})",
          ["workers (1 core each)", "items", "hours if scaling were ideal", "hours at measured efficiency"],
          estimate(per_item, speedup / 2))
    model.close()


if __name__ == "__main__":
    main()
