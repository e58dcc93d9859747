"""Where a run's CPU goes: ``model.run`` per engine function, in µs a visit.

    python benchmarks/phase_costs.py [--workload erlang_c_c2] [--visits 100000] [--days 365]

Builds the model (not timed), pauses the garbage collector as ``api.run`` does, and wraps the
day's phases and the case lifecycle's per-day functions in CPU timers (``time.process_time``,
one pair a call: they run a few times a day, so the timers cost nothing measurable). Nested
functions are counted inside their callers too (``open_cases`` within ``_needs_arrive``).

Workloads: ``erlang_c_c2`` / ``erlang_c_c10`` (the M/M/c scenario with about ``--visits``
arrivals, as ``soa_prototype.py`` builds it) or ``district`` (the default district at f = 1
for ``--days`` days). To compare two source trees, run it once with each on ``PYTHONPATH``,
interleaved, and read the proportions: under load the absolute figures move together.
"""

from __future__ import annotations

import argparse
import gc
import logging
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import erlang_c

from pilotsim.app import api
from pilotsim.sim.lifecycle import CaseLifecycle
from pilotsim.sim.model import PilotModel
from pilotsim.sim.queueing import CounterQueue
from pilotsim.spec import RunSpec

logging.getLogger("MESA").setLevel(logging.WARNING)

TIMED = {
    PilotModel: ("step", "_needs_arrive", "_offices_serve", "_word_of_mouth"),
    CaseLifecycle: ("open_cases", "_decide_bulk", "_first_visits", "act", "_set_off",
                    "resolve_visits", "_visit_rows"),
    CounterQueue: ("serve",),
}


def _timed(cls: type, name: str, spent: Counter) -> None:
    """Replace ``cls.name`` by the same function adding its CPU seconds to ``spent[name]``."""
    f: Callable = getattr(cls, name)

    def timed(*args, **kwargs):
        t = time.process_time()
        try:
            return f(*args, **kwargs)
        finally:
            spent[name] += time.process_time() - t

    setattr(cls, name, timed)


def build(workload: str, visits: int, days: int, overrides: Sequence[str] = ()) -> PilotModel:
    """The workload's model, built and not run (``overrides``: Hydra's, for the district)."""
    if workload.startswith("erlang_c_c"):
        cfg = erlang_c.config(visits, counters=int(workload.removeprefix("erlang_c_c")))
    elif workload == "district":
        cfg = api.compose(["output.write=false", f"sim.days={days}", *overrides])
    else:
        raise SystemExit(f"unknown workload {workload!r}: erlang_c_c<N> or district")
    return PilotModel(RunSpec.from_config(cfg))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--workload", default="erlang_c_c2")
    p.add_argument("--visits", type=int, default=100_000, help="erlang_c: about this many")
    p.add_argument("--days", type=int, default=365, help="district: days to run")
    a = p.parse_args()
    spent: Counter = Counter()
    for cls, names in TIMED.items():
        for name in names:
            _timed(cls, name, spent)
    model = build(a.workload, a.visits, a.days)
    gc.collect()
    gc.disable()
    t = time.process_time()
    model.run()
    total = time.process_time() - t
    n = len(model.visits)
    print(f"{a.workload}: model.run {total:.3f} CPU s, {n} visits, "
          f"{1e6 * total / n:.2f} µs a visit")
    for name, s in spent.most_common():
        print(f"  {name:16s} {1e6 * s / n:7.2f} µs a visit")


if __name__ == "__main__":
    main()
