"""The day as a list of phases: their order, the printed plan, and the time each takes."""

from __future__ import annotations

from pilotsim.app import api
from pilotsim.sim.model import PilotModel
from pilotsim.spec import RunSpec

ORDER = ["interventions", "organisations", "needs", "act", "serve", "word_of_mouth",
         "daily_hooks"]


def test_the_day_runs_its_phases_in_order_and_times_each():
    r = api.run(api.compose(["sim.days=30", "sim.sample_fraction=0.2", "pilot.start_day=0"]))
    m = r.model
    assert [p.name for p in m.phases] == ORDER
    plan = m.day_plan()
    lines = plan.splitlines()
    assert len(lines) == 2 + len(ORDER)  # header, rule, one line per phase
    assert [ln.split()[1] for ln in lines[2:]] == ORDER
    seconds = r.metadata["phase_seconds"]
    assert list(seconds) == ORDER and all(s >= 0 for s in seconds.values())
    simulate = r.metadata["timings"]["simulate"]
    # the phases are the whole of the simulation: the loop around them costs microseconds
    assert abs(sum(seconds.values()) - simulate) <= 0.05 * simulate + 0.01


def test_step_runs_each_phase_once_a_day_in_plan_order():
    spec = RunSpec.from_config(api.compose(["sim.days=3", "sim.sample_fraction=0.2",
                                            "pilot.start_day=0"]))
    m = PilotModel(spec)
    seen = []
    for p in m.phases:
        p.run = (lambda name, f: lambda d: (seen.append((d, name)), f(d)))(p.name, p.run)
    m.run()
    assert seen == [(d, n) for d in range(3) for n in ORDER]
