"""Run every benchmark and print its table (what `make bench` does). Figures depend on the machine: run it idle."""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SCRIPTS = ["bench_runtime.py", "bench_cache.py", "bench_server.py", "bench_translation.py", "bench_tokens.py"]
# Writes GBs (random-weight Llama shapes, removed after) and takes tens of minutes on a laptop: only when asked.
SHAPES = "bench_shapes.py"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--with-shapes", action="store_true",
                        help=f"also {SHAPES}: what a real 1B/3B/8B Llama costs here (writes GBs to the temp folder)")
    args = parser.parse_args()
    scripts = SCRIPTS + ([SHAPES] if args.with_shapes else [])
    failed = []
    for script in scripts:
        print(f"\n=== {script} ===", flush=True)
        if subprocess.run([sys.executable, str(HERE / script)], cwd=HERE).returncode != 0:
            failed.append(script)
    if failed:
        print(f"\nFailed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
