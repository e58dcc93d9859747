"""Fixed-seed golden schedules: every pilot design picks the same sites on the same days.

For each design, a few seeds and parameter variants, the schedule of
:func:`pilotsim.plugins.pilots.schedule.pilot_schedule` on the shipped district (sites as
communities and as districts) and of :func:`pilotsim.plugins.pilots.schedule.assign` on
twelve sites with tied readiness (ties are broken by the ``pilot_sites`` stream) are compared with
``tests/golden/pilot_schedules.json``. Refactoring the designs must not move a site; a change
*meant* to move them regenerates the file and says so in its commit message::

    PILOTSIM_REGEN_GOLDEN=1 .venv/bin/pytest tests/pilots/test_design_schedules.py
"""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from pilotsim.app import api
from pilotsim.plugins.pilots.schedule import assign, pilot_schedule
from pilotsim.spec import RunSpec
from pilotsim.spec.pilot_designs import PilotSpec

GOLDEN = Path(__file__).parent.parent / "golden" / "pilot_schedules.json"
SEEDS = range(4)
# design → variants (pilot overrides); each runs at every seed
VARIANTS: dict[str, list[dict[str, Any]]] = {
    "as_configured": [{}],
    "none": [{}],
    "everywhere": [{}, {"start_day": 30}],
    "fixed": [{"site_names": ("east_01",)}, {"site_names": ("west_02", "east_05")}],
    "random": [{}, {"sites": 5}, {"unit": "district", "sites": 1}],
    "readiness": [{}, {"sites": 6}],
    "matched_pairs": [{}, {"sites": 2}],
    "stepped_wedge": [{}, {"order": "readiness", "waves": 3}, {"site_seed": 11}],
}
# twelve sites, readiness in tied pairs: the tie-breaking draws matter
TIED = {f"c{i:02d}": round(0.9 - 0.1 * (i // 2), 1) for i in range(12)}


def schedules() -> dict[str, Any]:
    """Case name → schedule (site → start day or None), for every design, variant and seed."""
    out: dict[str, Any] = {}
    base = RunSpec.from_config(api.compose(["reform=one_door"]))
    for design, variants in VARIANTS.items():
        for i, variant in enumerate(variants):
            pilot = PilotSpec(design=design, **variant)
            for seed in SEEDS:
                spec = dataclasses.replace(base, pilot=pilot, seed=seed)
                sites, communities = pilot_schedule(spec)
                out[f"{design}/{i}/seed{seed}/sites"] = sites
                out[f"{design}/{i}/seed{seed}/communities"] = communities
                if variant.get("unit", "community") == "community" and "site_names" not in variant:
                    tied = assign(pilot, TIED, np.random.default_rng(seed))
                    out[f"{design}/{i}/seed{seed}/tied"] = tied
    return out


def test_every_design_picks_the_golden_sites():
    got = json.loads(json.dumps(schedules()))
    if os.environ.get("PILOTSIM_REGEN_GOLDEN"):
        GOLDEN.write_text(json.dumps(got, indent=1, sort_keys=True) + "\n")
        pytest.skip("golden schedules regenerated")
    want = json.loads(GOLDEN.read_text())
    assert got.keys() == want.keys()
    moved = [k for k in want if got[k] != want[k]]
    assert not moved, f"{len(moved)} schedules moved, e.g. {moved[:3]}"
