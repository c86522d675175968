"""One comparison run in its own process: execute a notebook, measure it, write ``result.json`` beside it.

Run as ``python -m kit.comparison.worker SPEC.json``. A process per run keeps each run's environment
(``KIT_THREADS``) its own, and lets ``getrusage(RUSAGE_CHILDREN)`` report the kernel's peak memory alone;
a sampler adds up the whole process tree under the worker, for notebooks that start servers of their own.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from pathlib import Path
from typing import Any



def peak_child_mb() -> float | None:
    """Peak resident memory of the largest finished child process (the notebook kernel), in MB."""
    try:
        import resource
    except ImportError:  # Windows
        return None
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return round(peak / (2**20 if sys.platform == "darwin" else 2**10), 1)  # bytes on macOS, KiB on Linux


class TreeSampler:
    """Samples the summed resident memory of every process under this one (kernel, servers it starts)."""

    def __init__(self, record: Path, every: float = 0.2):
        self.record, self.every, self.peak = record, every, 0  # record: the peak so far, for a run stopped early
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        import psutil

        me = psutil.Process()
        while not self.stop.wait(self.every):
            total = 0
            for proc in me.children(recursive=True):
                try:
                    total += proc.memory_info().rss
                except psutil.Error:  # ended between listing and reading
                    pass
            if total > self.peak + 2**20:
                self.peak = total
                self.record.write_text(str(self.peak_mb), encoding="utf-8")

    def __enter__(self) -> TreeSampler:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        self.thread.join()

    @property
    def peak_mb(self) -> float:
        """The highest sum seen, in MB."""
        return round(self.peak / 2**20, 1)


def execute(spec: dict[str, Any]) -> dict[str, Any]:
    """Run the notebook named in ``spec`` (as ``kit run`` does, manifest included) and measure it."""
    from kit import runner

    output = Path(spec["output"])
    result: dict[str, Any] = {"status": "failed", "cell": None, "error_name": None, "error": None, "figures": []}
    started = time.perf_counter()
    with TreeSampler(output.with_name("peak_mb.txt")) as tree:
        try:
            run = runner.execute(Path(spec["notebook"]), output, spec["parameters"])
            result.update(status=run.status, cell=run.cell, error_name=run.error_name, error=run.error,
                          figures=run.figures)
        except Exception as exc:  # a dead kernel or a notebook papermill cannot read is one failed run
            result.update(error_name=type(exc).__name__, error=str(exc), figures=runner.collect_figures(output))
    result["seconds"] = round(time.perf_counter() - started, 3)
    # exact for the largest process; the sampled sum also counts servers or workers the notebook starts
    result["peak_mb"] = max(peak_child_mb() or 0.0, tree.peak_mb) or None
    return result


def main(argv: list[str]) -> int:
    """Entry point: read the spec, run, write ``result.json`` (via a temporary name, so it is whole or absent)."""
    spec_path = Path(argv[0])
    spec = json.loads(spec_path.read_text(encoding="utf-8"))
    result = execute(spec)
    target = spec_path.with_name("result.json")
    partial = target.with_suffix(".part")
    partial.write_text(json.dumps(result, indent=2, default=str), encoding="utf-8")
    partial.replace(target)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
