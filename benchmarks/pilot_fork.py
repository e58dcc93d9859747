"""A pilot study's worlds run alone against forked from their shared days (interleaved pairs).

    ./dev.sh python benchmarks/pilot_fork.py [--pairs 5] [--seeds 3] [--days 168]

Per pair, in one process and alternating which goes first: every world of every seed run alone
(``runner.run``, as ``run_pilot_study`` did before it forked) and each seed's worlds through
:func:`pilotsim.plugins.forking.run_worlds`; CPU seconds of each (``time.process_time``), and
the tables checked equal. Also the copy against the prefix: the shared days' simulation, the
snapshot's dump and one restore; and the days each way simulates, counted as they run.
"""

from __future__ import annotations

import argparse
import logging
import statistics
import time

from pilotsim.plugins import forking, runner
from pilotsim.sim.model import PilotModel
from pilotsim.sim.phases import DayPlan
from pilotsim.sim.snapshot import restore, snapshot
from pilotsim.spec import RunSpec
from pilotsim.spec.compose import compose

DESIGNS = ("random", "readiness", "stepped_wedge")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--pairs", type=int, default=5)
    p.add_argument("--seeds", type=int, default=3)
    p.add_argument("--days", type=int, default=168)
    a = p.parse_args()
    logging.getLogger("MESA").setLevel(logging.WARNING)
    worlds = ("none", "everywhere", *DESIGNS)
    base = ["reform=one_door", f"sim.days={a.days}", "sim.sample_fraction=0.2", "pilot.waves=3",
            "pilot.wave_interval_days=28"]
    cfgs = {s: [compose([*base, f"pilot={w}", f"seed={s}"]) for w in worlds]
            for s in range(a.seeds)}
    specs = [RunSpec.from_config(c) for c in cfgs[0]]
    day = forking.fork_day([runner.build_model(s) for s in specs])
    simulated = [0]  # days simulated, counted as the model's day plan runs them
    run_day = DayPlan.run_day

    def counted_run_day(plan: DayPlan, day: int) -> None:
        simulated[0] += 1
        run_day(plan, day)

    # (the class's, not the model's step: a snapshot pickles the model's bound step by name)
    DayPlan.run_day = counted_run_day

    def alone():
        return [runner.run(c).tables for s in cfgs for c in cfgs[s]]

    def forked():
        return [r.tables for s in cfgs for r in forking.run_worlds(cfgs[s])]

    days = {}
    for name, fn in (("alone", alone), ("forked", forked)):
        simulated[0] = 0
        fn()
        days[name] = simulated[0]
    assert days["forked"] == a.seeds * (day + len(worlds) * (a.days - day)), days
    print(f"{a.seeds} seeds x {len(worlds)} worlds, {a.days} days, fork day {day}: simulated "
          f"days {days['alone']} alone, {days['forked']} forked "
          f"({days['forked'] / days['alone']:.0%})")

    cpu: dict[str, list[float]] = {"alone": [], "forked": []}
    for i in range(a.pairs):
        order = (("alone", alone), ("forked", forked))[:: 1 if i % 2 == 0 else -1]
        got = {}
        for name, fn in order:
            t = time.process_time()
            got[name] = fn()
            cpu[name].append(time.process_time() - t)
        assert all(x[k].equals(y[k]) for x, y in zip(got["alone"], got["forked"], strict=True)
                   for k in x), "forked tables differ from the runs alone"
        print(f"pair {i + 1}: alone {cpu['alone'][-1]:.2f} s, forked {cpu['forked'][-1]:.2f} s "
              f"({cpu['forked'][-1] / cpu['alone'][-1]:.2f})")
    ratios = [f / x for f, x in zip(cpu["forked"], cpu["alone"], strict=True)]
    print(f"median CPU: alone {statistics.median(cpu['alone']):.2f} s, forked "
          f"{statistics.median(cpu['forked']):.2f} s; median ratio {statistics.median(ratios):.2f}"
          f" ({min(ratios):.2f}-{max(ratios):.2f})")

    prefix, dump, load = [], [], []
    for _ in range(a.pairs):
        m = PilotModel(specs[0])
        t = time.process_time()
        while m.day < day:
            m.step()
        prefix.append(time.process_time() - t)
        t = time.process_time()
        blob = snapshot(m)
        dump.append(time.process_time() - t)
        t = time.process_time()
        restore(blob, specs[1])
        load.append(time.process_time() - t)
    med = statistics.median
    print(f"copy against prefix (medians of {a.pairs}): {day} shared days {med(prefix):.3f} s, "
          f"snapshot {med(dump):.3f} s ({len(blob) / 1e6:.1f} MB), restore {med(load):.3f} s")


if __name__ == "__main__":
    main()
