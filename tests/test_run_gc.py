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
