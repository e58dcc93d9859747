"""The engine hash matrix: exact fingerprints of 20 runs' tables and final population.

Recorded once from main before the column engine (issue #13); every engine commit must keep
them identical (the tables bit for bit). ``python -m tests.engine_hashes`` (from the repo root)
checks them during development and prints what differs; ``tests/test_engine_hashes.py`` is the
slow test. ``PILOTSIM_REGEN_ENGINE_HASHES=1`` rewrites the file: never in a speed-up commit.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd

FILE = Path(__file__).parent / "golden" / "engine_hashes.json"
ERLANG = ["+scenario=erlang_c", "sim.days=60"]
REFORMS = ("community_proxy", "data_sharing", "office_closure", "one_door", "online_service",
           "outreach_checklists", "simplify_procedures", "staffing")
SHORT = ["sim.sample_fraction=0.2", "sim.days=120"]
RUNS: dict[str, list[str]] = {
    "district_f0.2_d120": SHORT,
    "district_f1_d120": ["sim.days=120"],
    "district_f1_year": [],
    "erlang_c_c2": ERLANG,
    "erlang_c_c10": [*ERLANG, "city.offices.office.counters=10",
                     "services.catalogue.visit.demand_per_year.resident=30.0", "sim.days=20"],
    **{f"reform_{r}": [*SHORT, f"reform={r}"] for r in REFORMS},
    "one_door_f1": ["sim.days=120", "reform=one_door"],
    # at f = 1 a day has enough needs for the bulk decisions (f = 0.2 decides one by one)
    "online_service_f1": ["sim.days=60", "reform=online_service"],
    "community_proxy_f1": ["sim.days=60", "reform=community_proxy"],
    "outreach_checklists_f1": ["sim.days=60", "reform=outreach_checklists"],
    "wedge_one_door": [*SHORT, "reform=one_door", "pilot=stepped_wedge",
                   "pilot.wave_interval_days=10"],
    "wedge_data_sharing": [*SHORT, "reform=data_sharing", "pilot=stepped_wedge",
                   "pilot.wave_interval_days=10"],
    "outreach_random": [*SHORT, "reform=outreach_checklists", "pilot=random"],
}


def _hash(t: pd.DataFrame) -> str:
    return str(int(pd.util.hash_pandas_object(t, index=True).sum()))


def fingerprint(overrides: list[str]) -> dict[str, str | int]:
    """Hashes of one run's cases, visits and site-days tables and final population state."""
    from pilotsim.app import api

    r = api.run(api.compose(overrides))
    pop = r.model.population
    out: dict[str, str | int] = {"cases": _hash(r.cases), "visits": _hash(r.visits),
                                 "site_days": _hash(r.site_days),
                                 "n_cases": len(r.cases), "n_visits": len(r.visits)}
    for col in ("knowledge", "trust", "expectation"):
        a = np.ascontiguousarray(getattr(pop, col), dtype=np.float64)
        out[col] = str(int(pd.util.hash_array(a.view(np.uint64)).sum()))
    return out


def compute(names: list[str] | None = None) -> dict[str, dict]:
    """Fingerprints of the named runs (all of :data:`RUNS` by default)."""
    return {n: {"overrides": RUNS[n], **fingerprint(RUNS[n])} for n in names or RUNS}


def main(argv: list[str]) -> int:
    """Check (or with ``--regen`` record) the matrix; names select runs."""
    regen = "--regen" in argv
    names = [a for a in argv if not a.startswith("--")] or list(RUNS)
    got = compute(names)
    if regen:  # the named runs only; the others are kept
        stored = json.loads(FILE.read_text()) if FILE.exists() else {}
        FILE.write_text(json.dumps({**stored, **got}, indent=1, sort_keys=True) + "\n")
        print(f"wrote {FILE}")
        return 0
    want = json.loads(FILE.read_text())
    bad = 0
    for n, g in got.items():
        diff = [k for k, v in g.items() if want[n].get(k) != v]
        bad += bool(diff)
        print(f"{'OK  ' if not diff else 'DIFF'} {n} {' '.join(diff)}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
