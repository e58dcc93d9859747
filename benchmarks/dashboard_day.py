"""How long the dashboard takes per simulated day: both worlds stepped, and each view drawn.

    ./dev.sh python benchmarks/dashboard_day.py [DAYS]

Recorded on the development machine (2 cores, other jobs running), 2026-11-26, the pooling
lesson (+teaching=pooling: one_door in the reform world), 120 days, medians:

    sample 0.2 (the dashboard's default): build 0.75 s (Reset afterwards 0.07 s: compositions
        are cached), step both worlds 4 ms/day, draw map 351 ms, measures 365 ms, queues 629 ms
    sample 1.0: build 1.18 s, Reset 0.08 s, step both worlds 22 ms/day, map 631 ms,
        measures 606 ms, queues 1027 ms

Simulating a day is cheap; drawing dominates. Step redraws only the open tab, so a day on
screen takes about 0.4 s at the default sample (under 1 s even on the Queues tab).
"""

from __future__ import annotations

import statistics
import sys
import time

from pilotsim.dashboard import figures
from pilotsim.dashboard.worlds import TwinWorlds


def median_ms(times: list[float]) -> float:
    return 1000 * statistics.median(times)


def main(days: int = 120) -> None:
    for fraction in (0.2, 1.0):
        t = time.perf_counter()
        tw = TwinWorlds(["+teaching=pooling", f"sim.days={days}"], sample_fraction=fraction)
        build = time.perf_counter() - t
        steps, draws = [], {"map": [], "measures": [], "queues": []}
        for d in range(days):
            t = time.perf_counter()
            tw.step()
            steps.append(time.perf_counter() - t)
            if d % 20 == 19:
                for name, f in (("map", figures.map_figure), ("measures", figures.measures_figure),
                                ("queues", figures.queues_figure)):
                    t = time.perf_counter()
                    f(tw).savefig("/dev/null", format="png", dpi=80)
                    draws[name].append(time.perf_counter() - t)
        t = time.perf_counter()
        TwinWorlds(["+teaching=pooling", f"sim.days={days}"], sample_fraction=fraction)
        reset = time.perf_counter() - t
        print(f"sample {fraction}: build {build:.2f} s, reset {reset:.2f} s, step both worlds "
              f"{median_ms(steps):.0f} ms/day, " + ", ".join(
                  f"{k} {median_ms(v):.0f} ms" for k, v in draws.items()))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 120)
