"""Fixed-seed golden summary: optimisations must not move the model's behaviour.

The default district at ``sim.sample_fraction=0.2``, 120 days, seed 3, summarised into counts
(exact) and means (rounded to 9 significant digits) and compared with
``tests/golden/default_f0.2_d120_seed3.json``.

A change that is *meant* to move the model (a new behaviour, a recalibrated default) must
regenerate the file and say so in its commit message::

    PILOTSIM_REGEN_GOLDEN=1 .venv/bin/pytest tests/test_golden.py

A speed-up must never need that.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pilotsim.app import api

GOLDEN = Path(__file__).parent / "golden" / "default_f0.2_d120_seed3.json"
OVERRIDES = ["sim.sample_fraction=0.2", "sim.days=120", "seed=3"]


def _sig(x: float, digits: int = 9) -> float | None:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return None
    return float(f"{float(x):.{digits}g}")


def golden_summary(overrides: list[str] = OVERRIDES) -> dict:
    """Counts and rounded means of one run's three tables."""
    r = api.run(api.compose(overrides))
    c, v, s = r.cases, r.visits, r.site_days
    closed = c[c["status"].isin(["completed", "abandoned"])]

    def counts(col: pd.Series) -> dict[str, int]:
        return {str(k): int(n) for k, n in col.value_counts().sort_index().items() if n}

    return {
        "overrides": overrides,
        "residents": int(r.model.population.size),
        "agents": len(r.model.residents),
        "cases": len(c),
        "visits": len(v),
        "site_days": len(s),
        "status": counts(c["status"]),
        "channel": counts(c["channel"]),
        "outcome": counts(v["outcome"]),
        "trips_total": int(c["trips"].sum()),
        "wasted_total": int(c["wasted_trips"].sum()),
        "one_trip_cases": int(s["one_trip_cases"].sum()),
        "visits_by_office": counts(v["office"]),
        "means": {
            "case_wait_min": _sig(c["wait_min"].mean()),
            "case_travel_min": _sig(c["travel_min"].mean()),
            "satisfaction": _sig(closed["satisfaction"].mean()),
            "duration_days": _sig(closed["duration_days"].astype(float).mean()),
            "visit_wait_min": _sig(v["wait_min"].mean()),
            "visit_wait_p90": _sig(v["wait_min"].quantile(0.9)),
            "visit_service_min": _sig(v["service_min"].mean()),
            "visit_arrival_min": _sig(v["arrival_min"].mean()),
            "site_wait_min_mean": _sig(np.nanmean(s["wait_min_mean"])),
            "site_satisfaction_mean": _sig(np.nanmean(s["satisfaction_mean"])),
            "knowledge": _sig(r.model.population.knowledge.mean()),
            "trust": _sig(r.model.population.trust.mean()),
            "expectation": _sig(r.model.population.expectation.mean()),
        },
    }


def test_default_run_matches_golden_summary() -> None:
    got = json.loads(json.dumps(golden_summary()))
    if os.environ.get("PILOTSIM_REGEN_GOLDEN"):
        GOLDEN.parent.mkdir(exist_ok=True)
        GOLDEN.write_text(json.dumps(got, indent=2, sort_keys=True) + "\n")
        pytest.skip(f"regenerated {GOLDEN.name}")
    want = json.loads(GOLDEN.read_text())
    means_got, means_want = got.pop("means"), want.pop("means")
    assert got == want
    for key, value in means_want.items():
        assert means_got[key] == pytest.approx(value, rel=1e-8, nan_ok=True), key
