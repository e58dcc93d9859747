"""How long a day of the dashboard takes: on the server, and in the browser as a trainer sees it.

    ./dev.sh python benchmarks/dashboard_day.py [DAYS]

Server side (the pooling lesson, ``+teaching=pooling``, sample fraction 0.2 and 1.0): build,
Reset, stepping both worlds, copying the page's snapshot and building every chart's Vega-Lite
spec, per day (medians). Browser side (headless Chromium at 1920×1080, the pooling lesson at
the dashboard's defaults; skipped without /usr/bin/chromium): a Step press until the counter
and the reform map show the new day (median of 15 presses on the Map tab), a tab switch until
its chart is drawn, and days per second while playing for 10 s at the default pause (100 ms)
and at 0 ms. The machine's load average is printed with the figures: the machine is shared.

    ./dev.sh python benchmarks/dashboard_day.py --before BEFORE_SRC [--reps N]

Before/after in the browser only: ``BEFORE_SRC`` is the ``src`` folder of the code to compare
against (``git archive`` of a commit, unpacked); each of N repetitions measures the browser
side once from each tree in turn (the dashboard's process gets it on ``PYTHONPATH``), so both
see the same machine load. Medians of the repetitions' figures are printed.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests.dashboard.browser

from pilotsim.app.dashboard import figures
from pilotsim.app.dashboard.snapshot import take
from pilotsim.app.dashboard.worlds import TwinWorlds

LESSON = "+teaching=pooling"
# Long enough that Play never reaches the end: at 0 ms on a quiet machine the lesson's 365 days
# ran out during the 10 s, ▶ was disabled and the benchmark timed out waiting for ❚❚.
BROWSER_DAYS = 3000


def median_ms(times: list[float]) -> float:
    return 1000 * statistics.median(times)


def server(days: int) -> None:
    for fraction in (0.2, 1.0):
        t = time.perf_counter()
        tw = TwinWorlds([LESSON, f"sim.days={days}"], sample_fraction=fraction)
        build = time.perf_counter() - t
        steps, views = [], []
        for _ in range(days):
            t = time.perf_counter()
            tw.step()
            steps.append(time.perf_counter() - t)
            t = time.perf_counter()
            snap = take(tw)
            for spec in (figures.map_spec(snap, snap.worlds[0]),
                         figures.map_spec(snap, snap.worlds[1]),
                         figures.measures_spec(snap), figures.queues_spec(snap)):
                json.dumps(spec)
            views.append(time.perf_counter() - t)
        t = time.perf_counter()
        TwinWorlds([LESSON, f"sim.days={days}"], sample_fraction=fraction)
        reset = time.perf_counter() - t
        print(f"server, sample {fraction}: build {build:.2f} s, reset {reset:.2f} s, step both "
              f"worlds {median_ms(steps):.0f} ms/day, snapshot + all chart specs "
              f"{median_ms(views):.0f} ms/day")


def browser() -> dict[str, float] | None:
    """The browser-side figures (see the module docstring), printed and returned."""
    from tests.dashboard.browser import (
        _day,
        browser_page,
        chromium_available,
        dashboard_server,
        play_for,
        press_step,
        set_slider,
    )

    if (why := chromium_available()) is not None:
        print(f"browser: skipped ({why})")
        return None
    from pilotsim.app.dashboard import assets

    assets.ensure()
    with tempfile.TemporaryDirectory() as tmp, \
            dashboard_server([LESSON, f"sim.days={BROWSER_DAYS}"], Path(tmp) / "server.log") \
            as url, \
            browser_page(url) as page:
        press_step(page)  # the first draw loads Vega
        steps = [press_step(page) for _ in range(15)]
        switches = []
        for tab, sel in (("Measures", ".pilotsim-measures svg"),
                         ("Queues", ".pilotsim-queues svg"), ("Map", ".pilotsim-map svg")):
            t = time.perf_counter()
            page.get_by_role("tab", name=tab).click()
            page.locator(sel).first.wait_for()
            switches.append(time.perf_counter() - t)
        days, secs = play_for(page, 10)
        set_slider(page, 0, 2, "ArrowLeft", "Pause between days: 0 ms")
        days0, secs0 = play_for(page, 10)
        print(f"browser (1920x1080, {LESSON}): Step {median_ms(steps):.0f} ms median "
              f"(min {1000 * min(steps):.0f}, max {1000 * max(steps):.0f}, 15 presses); tab "
              f"switch {median_ms(switches):.0f} ms median; play {days / secs:.1f} days/s at "
              f"100 ms pause, {days0 / secs0:.1f} days/s at 0 ms (day {_day(page)})")
    return {"step_ms": median_ms(steps), "switch_ms": median_ms(switches),
            "play_100ms": days / secs, "play_0ms": days0 / secs0}


def before_after(before: Path, reps: int) -> None:
    """The browser side from ``before`` (a src folder) and from this tree, interleaved."""
    runs: dict[str, list[dict[str, float]]] = {"before": [], "after": []}
    for _ in range(reps):
        for side in runs:
            os.environ.pop("PYTHONPATH", None)
            if side == "before":
                os.environ["PYTHONPATH"] = str(before.resolve())
            try:
                print(f"{side}, load {os.getloadavg()[0]:.1f}: ", end="", flush=True)
                figures_ = browser()
            finally:
                os.environ.pop("PYTHONPATH", None)
            if figures_ is None:
                return
            runs[side].append(figures_)
    for side, rs in runs.items():
        print(f"{side} ({reps} reps, medians): " + ", ".join(
            f"{k} {statistics.median(r[k] for r in rs):.1f}" for k in rs[0]))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("days", type=int, nargs="?", default=120, help="days on the server side")
    p.add_argument("--before", type=Path, help="src folder to compare against (browser only)")
    p.add_argument("--reps", type=int, default=3, help="with --before: repetitions")
    a = p.parse_args()
    print(f"load average before: {os.getloadavg()[0]:.1f} (2 cores)")
    if a.before:
        before_after(a.before, a.reps)
    else:
        server(a.days)
        browser()
    print(f"load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
