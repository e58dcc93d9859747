"""A seed's worlds forked from the days they share are the runs each world makes alone.

:func:`pilotsim.plugins.forking.run_worlds` simulates the days before the first intervention
once and continues every world from a snapshot (:mod:`pilotsim.sim.snapshot`). The config
here has what could tell the worlds apart if a piece of a world were lost or shared in the
copy: a staggered design (stepped wedge, three waves), a boosted pilot (knowledge and staff
at pilot sites), and a reform with a daily hook (one door counts its added counter-hours).
"""

from __future__ import annotations

import json
import math
import random
import types
import weakref
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from pilotsim.plugins import forking, runner
from pilotsim.sim import runfolder
from pilotsim.sim.model import PilotModel
from pilotsim.sim.snapshot import restore, snapshot
from pilotsim.spec import RunSpec
from tests.conftest import compose_once

BASE = ["reform=one_door", "sim.days=168", "sim.sample_fraction=0.2",
        "pilot.boost.knowledge=0.5", "pilot.boost.staff=0.5", "pilot.waves=3",
        "pilot.wave_interval_days=28"]
WORLDS = ("none", "everywhere", "random", "stepped_wedge")
SEEDS = (0, 1, 2)


def configs(seed: int, *extra: str, worlds=WORLDS) -> list[dict]:
    return [compose_once([*BASE, *extra, f"pilot={w}", f"seed={seed}"]) for w in worlds]


@pytest.fixture(scope="module")
def alone():
    """Each world's run made alone (runner.run), by seed."""
    return {s: [runner.run(c) for c in configs(s)] for s in SEEDS}


def _same_tables(got: dict[str, pa.Table], want: dict[str, pa.Table], what: str) -> None:
    for name in runfolder.TABLES:
        assert got[name].equals(want[name]), f"{what}: {name} differs"


@pytest.mark.parametrize("seed", SEEDS)
def test_forked_worlds_make_the_tables_each_world_makes_alone(seed, alone):
    forked = forking.run_worlds(configs(seed))
    for w, f, a in zip(WORLDS, forked, alone[seed], strict=True):
        assert f.metadata["fork"] == {"day": 84, "worlds": 4,
                                      "shared_seconds": f.metadata["fork"]["shared_seconds"]}
        _same_tables(f.tables, a.tables, f"seed {seed}, {w}")
        for key in ("treatment", "pilot", "cost", "reform_costs", "counts"):
            assert f.metadata[key] == a.metadata[key], (w, key)
    # the worlds differ after the shared days (the check above is not of one run four times)
    for i, j in ((0, 1), (1, 2), (2, 3)):
        assert not forked[i].tables["visits"].equals(forked[j].tables["visits"])
    assert forked[3].metadata["pilot"]["sites"] != forked[2].metadata["pilot"]["sites"]


@pytest.mark.parametrize("seed", SEEDS[:2])
def test_forked_run_folders_are_what_each_world_writes_alone(seed, tmp_path):
    forked = forking.run_worlds(configs(seed), [tmp_path / w for w in WORLDS])
    for w, f in zip(WORLDS, forked, strict=True):
        a = runner.run(configs(seed, worlds=(w,))[0], out_dir=tmp_path / f"{w}_alone")
        _same_tables(f.tables, a.tables, f"seed {seed}, {w} (returned)")
        files = {d: {n: pa.Table.from_pandas(t, preserve_index=False)
                     for n, t in runfolder.read_tables(d).items()}
                 for d in (f.folder, a.folder)}
        _same_tables(files[f.folder], files[a.folder], f"seed {seed}, {w} (files)")
        assert runfolder.is_complete(f.folder)
        meta = json.loads((f.folder / "metadata.json").read_text())
        alone_meta = json.loads((a.folder / "metadata.json").read_text())
        assert set(meta) == set(alone_meta)
        assert set(meta["timings"]) == set(alone_meta["timings"])
        assert list(meta["phase_seconds"]) == list(alone_meta["phase_seconds"])
        for key in ("treatment", "pilot", "cost", "reform_costs", "counts", "config",
                    "config_hash"):
            assert meta[key] == alone_meta[key], (w, key)
        assert meta["fork"]["day"] == 84 and alone_meta["fork"] is None
        # honest timings: the shared days are in this run's simulate time and phase seconds
        assert meta["timings"]["simulate"] >= meta["fork"]["shared_seconds"] > 0
        assert math.isclose(sum(meta["phase_seconds"].values()), meta["timings"]["simulate"],
                            rel_tol=0.5)


def _fork_day(*extra: str, worlds=WORLDS) -> int:
    return forking.fork_day([runner.build_model(RunSpec.from_config(c))
                             for c in configs(0, *extra, worlds=worlds)])


def test_the_fork_day_is_the_first_start_of_any_worlds_intervention():
    assert _fork_day() == 84  # the pilot's first wave, the everywhere world's start
    assert _fork_day("pilot.start_day=112", "pilot.waves=2") == 112  # a pilot that starts later
    # a reform from day 0 (no sharing): run as today, no fork in the metadata
    assert _fork_day("pilot.start_day=0") == 0
    runs = forking.run_worlds(configs(0, "sim.days=28", "pilot.start_day=0", "pilot.waves=1",
                                      worlds=("none", "everywhere")))
    assert [r.metadata["fork"] for r in runs] == [None, None]
    # worlds without any intervention are one run: they share every day
    assert _fork_day(worlds=("none", "none")) == 168
    # worlds that differ in what the model reads itself (here the seed) share no day
    specs = [RunSpec.from_config(c) for c in (*configs(0, worlds=("none",)),
                                              *configs(1, worlds=("none",)))]
    assert forking.fork_day([runner.build_model(s) for s in specs]) == 0


def test_a_bad_world_config_stops_before_any_run_is_written(tmp_path):
    bad = configs(0, worlds=("none",))[0] | {"seed": -1}
    with pytest.raises(Exception, match="seed"):
        forking.run_worlds([*configs(0, worlds=("none",)), bad], [tmp_path / "a", tmp_path / "b"])
    assert not (tmp_path / "a").exists()


# ------------------------------------------------------------- the copy, object by object

def _compare(a, b, path: str, pairs: dict[int, tuple]) -> None:
    """Assert that object graphs ``a`` and ``b`` hold the same state, shared the same way.

    Objects are paired as they are met: an object reached again in ``a`` must be the one it
    was paired with in ``b`` (a copy that lost a link, or shared a list between two owners,
    fails). Objects that are the same in both (the spec's parts, classes, functions) pass.
    """
    if a is b:
        return
    assert type(a) is type(b), f"{path}: {type(a).__name__} vs {type(b).__name__}"
    if isinstance(a, int | float | str | bytes | bool | complex | type(None)):
        assert a == b or (isinstance(a, float) and math.isnan(a) and math.isnan(b)), \
            f"{path}: {a!r} vs {b!r}"
        return
    seen = pairs.get(id(a))
    if seen is not None:
        assert seen[0] is b, f"{path}: linked to a different object than before"
        return
    pairs[id(a)] = (b, a)  # (both kept alive: a generator's state is made afresh per call)
    if isinstance(a, np.ndarray):
        assert a.dtype == b.dtype and a.shape == b.shape, path
        assert np.array_equal(a, b, equal_nan=a.dtype.kind == "f"), path
    elif isinstance(a, np.generic):
        assert a == b or (np.isnan(a) and np.isnan(b)), path
    elif isinstance(a, np.random.Generator):
        _compare(a.bit_generator.state, b.bit_generator.state, f"{path}.state", pairs)
    elif isinstance(a, random.Random):
        assert a.getstate() == b.getstate(), path
    elif isinstance(a, weakref.ref):  # Mesa's events hold their callbacks weakly
        _compare(a(), b(), f"{path}()", pairs)
    elif isinstance(a, types.MethodType):
        assert a.__func__ is b.__func__, path
        _compare(a.__self__, b.__self__, f"{path}.__self__", pairs)
    elif isinstance(a, dict):  # keys in the same order, paired too (Mesa keys by agent)
        assert len(a) == len(b), f"{path}: {len(a)} vs {len(b)} keys"
        for (ka, va), (kb, vb) in zip(a.items(), b.items(), strict=True):
            _compare(ka, kb, f"{path} key {ka!r}", pairs)
            _compare(va, vb, f"{path}[{ka!r}]", pairs)
    elif isinstance(a, list | tuple):
        assert len(a) == len(b), f"{path}: {len(a)} vs {len(b)} items"
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            _compare(x, y, f"{path}[{i}]", pairs)
    elif isinstance(a, set | frozenset):
        if len(a) == len(b) == 1:  # (Mesa's set of one event generator)
            _compare(next(iter(a)), next(iter(b)), f"{path}{{}}", pairs)
        else:
            assert a == b, path
    else:
        state_a, state_b = _state(a), _state(b)
        assert state_a is not None, f"{path}: cannot look into a {type(a).__name__}"
        _compare(state_a, state_b, path, pairs)


# what may differ between two models of one state: a phase's clock time, and the numbers
# Mesa gives each event and scenario from counters shared by every model in the process (an
# event's orders a model's events as their creation does, the same in both)
_PER_PROCESS = {"Phase": "seconds", "Event": "unique_id", "Scenario": "_scenario_id"}


_OPENING = ("resident", "community", "service", "day_opened", "need_min", "knowledge", "status")


def _state(obj) -> dict | None:
    state = dict(getattr(obj, "__dict__", {}))
    for cls in type(obj).__mro__:
        for name in getattr(cls, "__slots__", ()):
            if name.startswith("__") and not name.endswith("__"):  # a private slot's name
                name = f"_{cls.__name__.lstrip('_')}{name}"
            if hasattr(obj, name):
                state[name] = getattr(obj, name)
    state.pop(_PER_PROCESS.get(type(obj).__name__, ""), None)
    if type(obj).__name__ == "BackgroundDemand":  # its numbers of distributions, by object id
        ids = state.pop("_dist_ids")
        assert ids == {id(dist): i for i, dist in enumerate(obj._dists)}, "stale _dist_ids"
    if type(obj).__name__ == "CaseTable":
        # rows from len(table) on are spare capacity, and a bulk row's columns are unused
        # (never written) in the rows of cases with an object
        bulk = obj.status[:obj._n] != -1
        state = {k: v[:obj._n] if k in _OPENING else v[:obj._n][bulk]
                 for k, v in state.items() if k != "_n"}
    return state if state or hasattr(obj, "__dict__") else None


@pytest.mark.parametrize("k", range(len(WORLDS)))
def test_a_forked_world_at_the_fork_day_is_the_world_run_alone_to_that_day(k):
    specs = [RunSpec.from_config(c) for c in configs(1)]
    built = [runner.build_model(s) for s in specs]
    day = forking.fork_day(built)
    assert day == 84
    shared = PilotModel(specs[0])
    for _ in range(day):
        shared.step()
    forked = restore(snapshot(shared), specs[k])
    forked.continue_as(built[k])
    own = runner.build_model(specs[k])
    for _ in range(day):
        own.step()
    _compare(own, forked, "model", {})
    # ... and on from there, day by day alike (the last day: the tables' rows)
    for _ in range(28):
        own.step()
        forked.step()
    _compare(own, forked, "model", {})


def test_a_snapshot_is_complete_and_the_spec_is_the_restoring_worlds(tmp_path: Path):
    spec = RunSpec.from_config(configs(0, worlds=("none",))[0])
    model = PilotModel(spec)
    for _ in range(30):
        model.step()
    other = RunSpec.from_config(configs(0, worlds=("everywhere",))[0])
    copy = restore(snapshot(model), other)
    assert copy.spec is other
    assert copy.profiles[0] is other.behaviour.profiles[copy.profile_names[0]]
    _compare(model, restore(snapshot(model), spec), "model", {})
    # a world whose intervention started before the snapshot's day cannot take it on
    early = runner.build_model(RunSpec.from_config(
        configs(0, "pilot.start_day=28", "pilot.waves=1", worlds=("everywhere",))[0]))
    with pytest.raises(ValueError, match="starts on day 28"):
        copy.continue_as(early)
