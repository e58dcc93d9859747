"""Fixtures: synthetic sweeps whose comparison can be computed by hand."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from synthetic_runs import Case, write_run

from pilotsim.analysis.comparison import ComparisonResult, compare_sweep
from pilotsim.analysis.comparison.settings import CompareSettings

RunWriter = Callable[..., Path]

# Trips of the two cases of each run in the hand-computed sweep (one profile, one community).
# Per-seed trips per case: baseline 2.0, 2.5, 3.0; one_door 1.0, 1.0, 2.0
# -> differences −1.0, −1.5, −1.0: mean −7/6, SD sqrt(1/12), SE 1/6.
KNOWN_TRIPS = {
    "baseline": {1: (2, 2), 2: (2, 3), 3: (3, 3)},
    "one_door": {1: (1, 1), 2: (1, 1), 3: (2, 2)},
}
FAILED_ERROR = "QueueError: office o1 has no counters"
# The hand-computed sweeps open every case on day 0: no warm-up, or there would be nothing left.
NO_WARMUP = CompareSettings(warmup_days=0)


def build_known_sweep(root: Path) -> Path:
    """Three paired seeds, plus an unpaired one_door seed 9 and a failed one_door seed 4.

    Satisfaction is 60 in every baseline case and 70 in every one_door case; one_door costs
    100 + seed staff-hours and 5000 budget units.
    """
    for arm, by_seed in KNOWN_TRIPS.items():
        for seed, trips in by_seed.items():
            reform = arm != "baseline"
            cost = {"staff_hours": 100.0 + seed, "budget": 5000.0} if reform else None
            write_run(root / arm / f"seed{seed}", arm=arm, seed=seed, cost=cost,
                      cases=[Case(trips=t, satisfaction=70.0 if reform else 60.0)
                             for t in trips])
    write_run(root / "one_door" / "seed9", arm="one_door", seed=9,
              cases=[Case(trips=1), Case(trips=1)])
    write_run(root / "one_door" / "seed4", arm="one_door", seed=4, status="failed",
              error=FAILED_ERROR)
    return root


def build_subgroup_sweep(root: Path) -> Path:
    """The reform helps working adults (−2 trips, every seed) but hurts the disabled.

    Per seed: baseline has 3 working-adult cases with 3 trips and 1 disabled (digitally
    excluded) case with 2 trips; one_door cuts working adults to 1 trip and raises the disabled
    case to 3 or 4 trips (differences +1, +2, +1, +2: mean 1.5, CI excludes zero). A migrant
    worker's trips move by +1, −1, +1, 0 (worse on average, CI includes zero). Overall trips per
    case fall. An entrepreneur case exists only in seed 1 (one pair, no interval).
    """
    for seed in (1, 2, 3, 4):
        for arm in ("baseline", "one_door"):
            reform = arm == "one_door"
            cases = [Case(trips=1 if reform else 3, profile="working_adult") for _ in range(3)]
            cases.append(Case(trips=(3 if seed % 2 else 4) if reform else 2, profile="disabled",
                              digital=True, community="south"))
            mixed = {1: 3, 2: 1, 3: 3, 4: 2}[seed]
            cases.append(Case(trips=mixed if reform else 2, profile="migrant_worker"))
            if seed == 1:
                cases.append(Case(trips=2, profile="entrepreneur"))
            write_run(root / arm / f"s{seed}", arm=arm, seed=seed, cases=cases)
    return root


@pytest.fixture
def run_writer(tmp_path: Path) -> RunWriter:
    """Write run folders under ``tmp_path / "sweep"``: ``run_writer("a/s1", arm=.., seed=..)``."""
    def write(name: str, **kwargs: Any) -> Path:
        return write_run(tmp_path / "sweep" / name, **kwargs)
    return write


@pytest.fixture(scope="session")
def known_result(tmp_path_factory: pytest.TempPathFactory) -> ComparisonResult:
    """The comparison of the hand-computed sweep, with trips_per_case target ±0.2 trips."""
    root = build_known_sweep(tmp_path_factory.mktemp("known") / "sweep")
    return compare_sweep(root, target_halfwidth={"trips_per_case": 0.2}, settings=NO_WARMUP)


@pytest.fixture(scope="session")
def subgroup_result(tmp_path_factory: pytest.TempPathFactory) -> ComparisonResult:
    """The comparison of the sweep where the disabled lose while the average gains."""
    root = build_subgroup_sweep(tmp_path_factory.mktemp("subgroup") / "sweep")
    return compare_sweep(root, out_dir=root.parent / "out", settings=NO_WARMUP)
