"""Shared bits for the benchmark scripts: a private kit folder, timing and table printing."""

from __future__ import annotations

import os
import resource
import subprocess
import tempfile
import time
from contextlib import contextmanager


def private_kit_home() -> str:
    """Point the kit at a fresh folder so benchmarks never read an old cache."""
    home = tempfile.mkdtemp(prefix="kit-bench-")
    os.environ["KIT_HOME"] = home
    return home


@contextmanager
def timer():
    """``with timer() as t: ...`` then ``t()`` is the elapsed seconds."""
    start = time.perf_counter()
    end = None

    def elapsed() -> float:
        return (end or time.perf_counter()) - start

    try:
        yield elapsed
    finally:
        end = time.perf_counter()


def cpu() -> dict:
    """The CPU as lscpu names it, its AVX2/AVX-512/AMX flags and its cores."""
    try:
        lscpu = subprocess.run(["lscpu"], capture_output=True, text=True, check=False).stdout
    except OSError:
        lscpu = ""
    fields = dict(line.split(":", 1) for line in lscpu.splitlines() if ":" in line)
    flags = set(fields.get("Flags", "").split())
    return {"cpu": fields.get("Model name", "").strip(), "avx2": "avx2" in flags, "avx512": "avx512f" in flags,
            "amx": "amx_tile" in flags, "cores": os.cpu_count()}


def peak_rss_mib() -> float:
    """Peak resident memory of this process so far, in MiB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def table(title: str, header: list[str], rows: list[list]) -> str:
    """A plain aligned table, printed and returned."""
    cells = [header] + [[f"{c:.3g}" if isinstance(c, float) else str(c) for c in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    lines = [title, "-" * len(title)]
    for i, row in enumerate(cells):
        lines.append("  ".join(c.rjust(w) if j else c.ljust(w) for j, (c, w) in enumerate(zip(row, widths))))
        if i == 0:
            lines.append("  ".join("-" * w for w in widths))
    text = "\n".join(lines) + "\n"
    print(text, flush=True)
    return text
