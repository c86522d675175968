"""Where the test suite's time goes: every item's wall time and the machine's CPU time, summed by file.

Runs the suite in one process, models on one thread (as in each `make test` worker), and reads the machine-wide
busy CPU time (psutil) around every item, so what an item's servers, kernels and browsers burn is
counted too. Run it on an otherwise idle machine: anything else running is counted as well. The total CPU
seconds over the cores is the floor for `make test` on this machine, however its files are spread over workers.

    .venv/bin/python benchmarks/bench_suite.py                          # the whole suite (about 25 min on 2 cores)
    .venv/bin/python benchmarks/bench_suite.py --top 20 -- tests/test_model.py
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import psutil

from kit.runtime.backends.loading import usable_cores

ROOT = Path(__file__).resolve().parents[1]
RECORD_ENV = "KIT_BENCH_SUITE_RECORD"  # where the plugin (this module, loaded by pytest) writes its rows


def busy_cpu_seconds() -> float:
    """Seconds every core of this machine has spent busy since boot: all but idle and, where counted, iowait (and
    Linux's guest times, already inside user and nice)."""
    times = psutil.cpu_times()
    not_busy = ("idle", "iowait", "guest", "guest_nice")
    return sum(value for name, value in times._asdict().items() if name not in not_busy)


# -- the pytest plugin (pytest -p bench_suite) --------------------------------------------------------------
_started: dict[str, tuple[float, float]] = {}


def pytest_runtest_protocol(item, nextitem):
    _started[item.nodeid] = (time.monotonic(), busy_cpu_seconds())


def pytest_runtest_logfinish(nodeid, location):
    wall0, cpu0 = _started.pop(nodeid)
    row = {"id": nodeid, "wall": time.monotonic() - wall0, "cpu": busy_cpu_seconds() - cpu0}
    with open(os.environ[RECORD_ENV], "a", encoding="utf-8") as out:
        out.write(json.dumps(row) + "\n")


# -- the summary -----------------------------------------------------------------------------------------
def by_file(rows: list[dict]) -> list[tuple[str, int, float, float]]:
    """(file, items, wall s, CPU s) per test file or notebook, the most CPU first."""
    sums: dict[str, list[float]] = defaultdict(lambda: [0, 0.0, 0.0])
    for row in rows:
        entry = sums[row["id"].split("::", 1)[0]]
        entry[0] += 1
        entry[1] += row["wall"]
        entry[2] += row["cpu"]
    return sorted(((name, int(n), wall, cpu) for name, (n, wall, cpu) in sums.items()), key=lambda r: -r[3])


def summary(rows: list[dict], cores: int, top: int) -> str:
    files = by_file(rows)
    wall, cpu = sum(r["wall"] for r in rows), sum(r["cpu"] for r in rows)
    lines = [f"{'CPU s':>8} {'wall s':>8} {'items':>6}  file"]
    lines += [f"{c:8.1f} {w:8.1f} {n:6d}  {name}" for name, n, w, c in files[:top]]
    rest = files[top:]
    if rest:
        lines.append(f"{sum(r[3] for r in rest):8.1f} {sum(r[2] for r in rest):8.1f} "
                     f"{sum(r[1] for r in rest):6d}  the other {len(rest)} files")
    lines += ["", f"{len(rows)} items: {wall:.0f} s wall in one process, {cpu:.0f} CPU-seconds on this machine.",
              f"Floor on {cores} cores (CPU-seconds / cores, every core busy all the time): {cpu / cores:.0f} s."]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--top", type=int, default=30, help="files listed one by one (default 30)")
    parser.add_argument("--out", type=Path, help="also keep every item's row here (JSON lines)")
    parser.add_argument("pytest_args", nargs="*", help="after --: what to run (default: notebooks tests)")
    args = parser.parse_args(argv)
    record = args.out or Path(tempfile.mkstemp(prefix="kit-suite-", suffix=".jsonl")[1])
    record.write_text("", encoding="utf-8")
    env = {**os.environ, RECORD_ENV: str(record), "KIT_THREADS": os.environ.get("KIT_THREADS", "1"),
           "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT / "benchmarks"), os.environ.get("PYTHONPATH")]))}
    command = [sys.executable, "-m", "pytest", "-p", "bench_suite", "-p", "no:cacheprovider", "-q",
               "--nbval-lax", *(args.pytest_args or ["notebooks", "tests"])]
    done = subprocess.run(command, cwd=ROOT, env=env, check=False)
    rows = [json.loads(line) for line in record.read_text(encoding="utf-8").splitlines() if line.strip()]
    if not args.out:
        record.unlink()
    if not rows:
        print("No test ran: nothing to sum up.", file=sys.stderr)
        return done.returncode or 1
    print()
    print(summary(rows, usable_cores(), args.top))
    return done.returncode


if __name__ == "__main__":
    sys.exit(main())
