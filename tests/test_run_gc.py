"""api.run pauses the cyclic garbage collector only while the model runs."""

from __future__ import annotations

import gc

import pytest

from pilotsim.app import api
from pilotsim.plugins import runner


@pytest.mark.parametrize("enabled", [True, False])
def test_collector_state_is_restored(enabled) -> None:
    cfg = api.compose(["sim.days=2", "sim.sample_fraction=0.05",
                           "pilot.start_day=0"])
    seen = []

    class Probe:
        start_day = 0

        def setup(self, model) -> None:
            pass

        def start(self, model) -> None:
            pass

        def daily(self, model, day) -> None:
            seen.append(gc.isenabled())

    original = runner.build_model
    runner.build_model = lambda spec: original(spec, interventions=[Probe()])
    try:
        (gc.enable if enabled else gc.disable)()
        api.run(cfg)
        assert gc.isenabled() is enabled
    finally:
        runner.build_model = original
        gc.enable()
    assert seen == [False, False]  # paused on both days of the run


def test_single_run_command_pauses_the_collector_from_its_start(pilotsim_main, tmp_path) -> None:
    # A running collector makes dozens of young collections in Hydra's composition and the
    # config's checks (2,000 allocations each); the command pauses it before them, to its exit.
    collections = []

    def count(phase: str, info: dict) -> None:
        if phase == "start":
            collections.append(info["generation"])

    gc.enable()
    gc.collect()  # from a count of zero: the few allocations before main() pauses it collect none
    gc.callbacks.append(count)
    try:
        code = pilotsim_main("sim.days=2", "sim.sample_fraction=0.05", "output.summary=false",
                             f"hydra.run.dir={tmp_path / 'run'}")
        assert code == 0
        assert collections == []
        assert not gc.isenabled()  # left off to the exit (the fixture turns it back on)
    finally:
        gc.callbacks.remove(count)
    assert (tmp_path / "run" / "cases.parquet").is_file()


@pytest.mark.parametrize("args", [("--cfg", "job"), ("sim.days=-1",)])
def test_command_without_a_run_resumes_the_collector(pilotsim_main, tmp_path, args) -> None:
    gc.enable()
    pilotsim_main(*args, f"hydra.run.dir={tmp_path / 'run'}")
    assert gc.isenabled()


def test_sweep_made_by_its_config_collects_as_before(pilotsim_main, tmp_path, monkeypatch) -> None:
    # no -m: the command looks like a single run until Hydra reads hydra.mode; the sweep's
    # launching process (its plan, launcher, comparison) then runs with the collector on
    from pilotsim.app.sweeps.callback import SweepCallback

    seen = []
    plan = SweepCallback._plan_and_announce

    def probe(self, *args, **kwargs) -> None:
        seen.append(gc.isenabled())
        plan(self, *args, **kwargs)

    monkeypatch.setattr(SweepCallback, "_plan_and_announce", probe)
    gc.enable()
    code = pilotsim_main("hydra.mode=MULTIRUN", "seed=0,1", "sim.days=2",
                         "sim.sample_fraction=0.05", "hydra.launcher.n_jobs=1",
                         f"hydra.sweep.dir={tmp_path / 'sweep'}")
    assert code == 0
    assert seen == [True]
    assert gc.isenabled()
