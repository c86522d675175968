"""First output of each demo app after the click on the landing page, with preheated kernels (what `kit demo`
does) and without, in Debian's Chromium driven by Playwright. Each app is clicked when every kernel is idle."""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

from common import private_kit_home, table

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))  # the browser tests' Playwright set-up (Debian's Chromium, local only)
ROUNDS = int(os.environ.get("KIT_BENCH_ROUNDS", "2"))


def measure(preheat: bool) -> dict[str, list[float]]:
    """Seconds from the click on each app's link to its panel being visible, ``ROUNDS`` times per app."""
    from browser import APP_PANELS, CHROMIUM, SECOND, local_browser, wait_all_ready

    import kit.demo

    times: dict[str, list[float]] = {name: [] for name in APP_PANELS}
    with kit.demo.start(preheat=preheat) as demo, local_browser(CHROMIUM, Path(private_kit_home())) as session:
        page = session.page
        for _ in range(ROUNDS):
            for name, panel in APP_PANELS.items():
                page.goto(demo.url)
                wait_all_ready(page, 180)
                time.sleep(1.0)  # let the kernel just replaced settle: idle figures
                link = page.locator(f'.kit-app[data-app="{name}"] a')
                clicked = time.perf_counter()
                link.click()
                page.locator(panel).wait_for(state="visible", timeout=180 * SECOND)
                times[name].append(time.perf_counter() - clicked)
        if session.blocked:
            raise SystemExit(f"requests left 127.0.0.1: {session.blocked}")
    return times


def main() -> None:
    private_kit_home()
    os.environ.setdefault("KIT_THREADS", "1")
    warm, cold = measure(True), measure(False)
    load = os.getloadavg()[0]
    rows = [[name, statistics.median(warm[name]), max(warm[name]), statistics.median(cold[name])] for name in warm]
    table(f"Demo apps: seconds from the click to the app's first output (median of {ROUNDS}; "
          f"load average {load:.1f} on {os.cpu_count()} cores)",
          ["app", "preheat on", "on, worst", "preheat off"], rows)


if __name__ == "__main__":
    main()
