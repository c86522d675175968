"""Run the grid: each run in its own worker process, several at once where the cores allow, measured."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from kit import runner
from kit.comparison.grid import RunSpec
from kit.errors import InputError

THREADS_PER_RUN = 4  # llama.cpp on a CPU gains little past a few threads per model; more runs use the rest


@dataclass(frozen=True)
class RunOutcome:
    """What one run did: status (ok, failed, timeout), the error, its cost, and the figures it recorded."""

    spec: RunSpec
    status: str
    cell: int | None
    error_name: str | None
    error: str | None
    seconds: float
    peak_mb: float | None
    figures: list[dict]
    output: Path  # the executed (or partly executed) notebook
    threads: int


def cores() -> int:
    """The CPU cores this process may use."""
    from kit.runtime.backends.loading import usable_cores

    return usable_cores()


def plan(n_runs: int, parallel: int | None = None, threads: int | None = None,
         n_cores: int | None = None) -> tuple[int, int]:
    """How many runs at once and ``KIT_THREADS`` for each, so runs × threads does not exceed the cores.

    By default each run gets about ``THREADS_PER_RUN`` cores; ``parallel`` overrides the count and the
    threads become ``cores // parallel`` (at least 1); ``threads`` overrides that.
    """
    n_cores = n_cores or cores()
    if parallel is not None and parallel < 1:
        raise InputError(f"parallel must be 1 or more, not {parallel}.")
    if threads is not None and threads < 1:
        raise InputError(f"threads must be 1 or more, not {threads}.")
    if parallel is None:
        parallel = max(1, n_cores // (threads or THREADS_PER_RUN))
    parallel = max(1, min(parallel, n_runs))
    return parallel, threads or max(1, n_cores // parallel)


def _kill_tree(pid: int) -> None:
    """Kill a worker and every process under it (the kernel runs in a session of its own)."""
    import psutil

    try:
        parent = psutil.Process(pid)
        procs = [*parent.children(recursive=True), parent]
    except psutil.NoSuchProcess:
        return
    for proc in procs:
        try:
            proc.kill()
        except psutil.NoSuchProcess:
            pass
    psutil.wait_procs(procs, timeout=10)


def _running_cell(notebook: Path) -> int | None:
    """The position (1-based, among code cells) of the cell a stopped run was executing, if known."""
    try:
        cells = [c for c in json.loads(notebook.read_text(encoding="utf-8"))["cells"] if c["cell_type"] == "code"]
    except (OSError, ValueError, KeyError):
        return None
    for number, cell in enumerate(cells, 1):
        if cell.get("metadata", {}).get("papermill", {}).get("status") == "running":
            return number
    return None


def _sampled_peak(run_dir: Path) -> float | None:
    """The process tree's sampled peak memory that a stopped worker had written so far, if any."""
    try:
        return float((run_dir / "peak_mb.txt").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


class _Workers:
    """Starts worker processes and kills any still alive when the grid stops (Ctrl-C included)."""

    def __init__(self, threads: int, timeout: float | None, cache: bool):
        self.threads, self.timeout, self.cache = threads, timeout, cache
        self.live: dict[int, subprocess.Popen] = {}
        self.lock = threading.Lock()
        self.stopped = False

    def run(self, spec: RunSpec, run_dir: Path) -> RunOutcome:
        run_dir.mkdir(parents=True, exist_ok=True)
        output = run_dir / spec.notebook.name
        spec_file = run_dir / "spec.json"
        for stale in (output, run_dir / "result.json", run_dir / "peak_mb.txt"):  # from an earlier comparison
            stale.unlink(missing_ok=True)
        spec_file.write_text(json.dumps({
            "notebook": str(spec.notebook.resolve()), "output": str(output.resolve()),
            "parameters": spec.parameters,
        }, indent=2, default=str), encoding="utf-8")
        env = {**os.environ, "KIT_THREADS": str(self.threads)}  # a copy: never os.environ from a thread
        if not self.cache:  # a cached answer would make a rerun's seconds (and any sampled figure) meaningless
            env["KIT_CACHE"] = "off"
        started = time.perf_counter()
        with open(run_dir / "worker.log", "wb") as log:
            with self.lock:  # started under the lock, so kill_all never misses a run starting as it stops
                if self.stopped:
                    raise KeyboardInterrupt("the comparison was stopped")
                proc = subprocess.Popen([sys.executable, "-m", "kit.comparison.worker", str(spec_file.resolve())],
                                        env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
                self.live[proc.pid] = proc
            try:
                proc.wait(timeout=self.timeout)
                timed_out = False
            except subprocess.TimeoutExpired:
                _kill_tree(proc.pid)
                timed_out = True
            finally:
                with self.lock:
                    self.live.pop(proc.pid, None)
        seconds = round(time.perf_counter() - started, 3)
        result_file = run_dir / "result.json"
        if timed_out or not result_file.is_file():
            found = runner.collect_figures(output)  # what a stopped run recorded before the stop
            if timed_out:
                cell = _running_cell(output)
                where = f" in code cell {cell}" if cell else ""
                return RunOutcome(spec, "timeout", cell, "Timeout", f"still running{where} after {self.timeout:g} s",
                                  seconds, _sampled_peak(run_dir), found, output, self.threads)
            tail = (run_dir / "worker.log").read_text(encoding="utf-8", errors="replace").strip()[-400:]
            return RunOutcome(spec, "failed", None, "WorkerError", f"the run stopped (exit {proc.returncode}): {tail}",
                              seconds, None, found, output, self.threads)
        r = json.loads(result_file.read_text(encoding="utf-8"))
        return RunOutcome(spec, r["status"], r["cell"], r["error_name"], r["error"], r["seconds"], r["peak_mb"],
                          r["figures"], output, self.threads)

    def kill_all(self) -> None:
        with self.lock:
            self.stopped = True
            pids = list(self.live)
        for pid in pids:
            _kill_tree(pid)


def run_all(runs: list[RunSpec], output_dir: Path, *, parallel: int, threads: int, timeout: float | None = None,
            cache: bool = False, on_done: Callable[[RunOutcome], None] | None = None) -> list[RunOutcome]:
    """Run every spec (``parallel`` at once, each with ``KIT_THREADS=threads``) and return outcomes in grid order.

    The response cache is off in every run (``KIT_CACHE=off``) unless ``cache`` is True.
    A run that fails or times out is an outcome like any other; the rest of the grid carries on.
    """
    if timeout is not None and timeout <= 0:
        raise InputError(f"timeout must be a number of seconds above 0, not {timeout}.")
    workers = _Workers(threads, timeout, cache)

    def one(spec: RunSpec) -> RunOutcome:
        outcome = workers.run(spec, output_dir / "runs" / spec.run_id)
        if on_done:
            on_done(outcome)
        return outcome

    pool = ThreadPoolExecutor(max_workers=parallel, thread_name_prefix="kit-compare")
    futures = []
    try:
        futures = [pool.submit(one, spec) for spec in runs]
        return [f.result() for f in futures]
    finally:
        for f in futures:
            f.cancel()
        workers.kill_all()
        pool.shutdown(wait=True)
