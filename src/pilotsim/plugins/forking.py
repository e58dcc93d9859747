"""Worlds that share their first days: simulate those days once, continue each from a copy.

A pilot study runs, for every seed, the worlds ``none`` and ``everywhere`` and one per pilot
design. They are the same run until the first day one of them applies an intervention (a
reform's wave, a pilot boost): :func:`run_worlds` builds every world's model (so each world's
interventions are set up as at any build, under levers that refuse changes), finds that day
(:func:`fork_day`), simulates the days before it once (on a model with none of the worlds'
interventions), and continues each world from a snapshot of the shared days
(:mod:`pilotsim.sim.snapshot`) with its own spec, interventions, reforms and pilot sites
(:meth:`~pilotsim.sim.model.PilotModel.continue_as`). Every world's tables and run folder are
the ones :func:`pilotsim.plugins.runner.run` makes for it alone.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pilotsim.plugins import runner
from pilotsim.sim.model import PilotModel
from pilotsim.sim.snapshot import restore, snapshot
from pilotsim.spec import RunSpec

WORLD_FIELDS = ("reform", "pilot", "arm")
"""The fields of a :class:`~pilotsim.spec.RunSpec` in which worlds that share days may differ.

The model reads the reforms and the pilot design only through the interventions
:func:`pilotsim.plugins.runner.build_model` makes of them, and the arm is a label; a
difference anywhere else (the seed, the city, the days, behaviour) is a different run from
day 0."""


def fork_day(models: Sequence[PilotModel]) -> int:
    """The first day on which the built ``models`` may differ.

    0: they share no day; the run's length: they are the same run. It is the first start
    day of any of their own interventions (reforms, each wave of a staggered rollout, pilot
    boosts: an intervention's ``start`` and ``daily`` hooks run from its start day on, its
    ``setup`` changes nothing), or 0 if their specs differ outside :data:`WORLD_FIELDS`. The
    city's staffing changes are the same in every model (the city is) and do not end the
    shared days.
    """
    first = models[0].spec
    if any(getattr(m.spec, f.name) != getattr(first, f.name) for m in models[1:]
           for f in dataclasses.fields(RunSpec) if f.name not in WORLD_FIELDS):
        return 0
    return min([first.sim.days, *(iv.start_day for m in models
                                  for iv in m.own_interventions())])


def run_worlds(cfgs: Sequence[Any], out_dirs: Sequence[str | Path | None] | None = None
               ) -> list[runner.RunResult]:
    """Run each config (a world), the days they share once; as :func:`runner.run` each.

    Args:
        cfgs: Composed configs (DictConfig or plain dicts), one per world.
        out_dirs: Each world's run folder (None: none written); None: no folders.

    Returns:
        Each world's result, in ``cfgs`` order: the tables and folder
        :func:`pilotsim.plugins.runner.run` makes of its config alone. A world continued from
        shared days says so in its metadata's ``fork``: ``day`` (the first day simulated for
        it alone), ``worlds`` (how many shared the days before) and ``shared_seconds`` (their
        simulation and snapshot, counted in its ``timings.simulate``).

    Raises:
        SpecError: if a config is invalid; nothing is written then.
        Exception: whatever the simulation raised; the folders not complete are marked as
            :func:`pilotsim.plugins.runner.run` marks its folder.
    """
    if not cfgs:
        return []
    dirs = list(out_dirs) if out_dirs is not None else [None] * len(cfgs)
    if len(dirs) != len(cfgs):
        raise ValueError(f"out_dirs: {len(dirs)} folders for {len(cfgs)} configs; expected "
                         "one a config (or None)")
    t = time.perf_counter()
    specs = [RunSpec.from_config(c) for c in cfgs]  # every config valid before any work
    validate = (time.perf_counter() - t) / len(cfgs)
    with runner.failures_marked(dirs):
        started = [runner.Started.begin(c, d, s) for c, d, s in zip(cfgs, dirs, specs,
                                                                     strict=True)]
        models = []
        for run in started:
            run.validate_seconds += validate
            t = time.perf_counter()
            models.append(runner.build_model(run.spec))
            run.build_seconds = time.perf_counter() - t
        day = fork_day(models)
        if day == 0 or len(models) == 1:
            return [run.simulate(m) for run, m in zip(started, models, strict=True)]
        # the collector paused throughout, not only in each run: a restore makes a model's
        # hundreds of thousands of objects, which would set off collections of every model
        # held here (with it running, the 3-world seeds of tests/pilots saved 16 % of the CPU
        # for 33 % of the days)
        with runner.cyclic_gc_paused():
            return _forked(started, models, day)


def _forked(started: list[runner.Started], models: list[PilotModel], day: int
            ) -> list[runner.RunResult]:
    # the shared days run on a model of the first world's spec with none of the worlds'
    # interventions (so the snapshot holds nothing of any one world) ...
    t = time.perf_counter()
    shared = PilotModel(started[0].spec)
    while shared.day < day:
        shared.step()
    blob = snapshot(shared)
    shared_seconds = time.perf_counter() - t
    results = []
    for i, (run, world) in enumerate(zip(started, models, strict=True)):
        run.meta["fork"] = {"day": day, "worlds": len(models),
                            "shared_seconds": round(shared_seconds, 4)}
        t = time.perf_counter()
        # ... which continues as the first world; every other world from its snapshot
        model = shared if i == 0 else restore(blob, run.spec)
        model.continue_as(world)
        run.build_seconds += time.perf_counter() - t
        results.append(run.simulate(model, shared_seconds))
    return results
