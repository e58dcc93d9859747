"""The plan validates each scenario once, yet still refuses a point whose own seed is bad."""

from __future__ import annotations

from pathlib import Path

import pytest

from pilotsim.app.sweeps import plan_sweep
from pilotsim.app.sweeps.plan import SweepPlanError
from pilotsim.spec import RunSpec
from tests.sweeps.test_sweep_parts import TINY, loader, master  # noqa: F401  (the fixture)


def test_a_bad_seed_beside_good_ones_is_refused(loader, tmp_path: Path) -> None:  # noqa: F811
    with pytest.raises(SweepPlanError, match="seed"):
        plan_sweep(master(loader, ["seed=0,1,-1", *TINY], tmp_path), loader)


def test_each_scenario_is_validated_once(loader, tmp_path: Path, monkeypatch) -> None:  # noqa: F811
    calls = []
    validate = RunSpec.from_config.__func__

    def counted(cls, cfg):
        calls.append(cfg["seed"])
        return validate(cls, cfg)

    monkeypatch.setattr(RunSpec, "from_config", classmethod(counted))
    plan = plan_sweep(master(loader, ["arm=a,b", "seed=range(3)", *TINY], tmp_path), loader)
    assert [(p.arm, p.seed) for p in plan.points] == [(a, s) for a in "ab" for s in range(3)]
    assert calls == [0, 0]  # one per arm
