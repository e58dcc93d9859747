"""End to end: the default district for one year is plausible, and its run folder is complete."""

import json
import subprocess
import sys

import pandas as pd
import pyarrow.parquet as pq

from pilotsim.analysis.summary import summary_table

CASE_COLUMNS = ["case_id", "resident_id", "profile", "community", "district", "service",
                "channel", "day_opened", "day_closed", "status", "trips", "wasted_trips",
                "wait_min", "travel_min", "satisfaction", "digitally_excluded", "duration_days"]
VISIT_COLUMNS = ["case_id", "resident_id", "community", "service", "step", "office", "day",
                 "arrival_min", "wait_min", "service_min", "travel_min", "outcome"]
SITE_DAY_COLUMNS = ["day", "community", "district", "cases_opened", "needs_not_pursued",
                    "cases_closed",
                    "cases_completed", "cases_abandoned", "one_trip_cases", "trips",
                    "wasted_trips", "wait_min_mean", "satisfaction_mean", "abandonment_rate"]


def test_default_district_is_plausible(default_run):
    c, v = default_run.cases, default_run.visits
    assert 55_000 <= default_run.model.population.size <= 65_000
    assert 25_000 <= len(c) <= 50_000  # a year of needs in a district of 60,000
    s = summary_table(c, v)
    done = c[c["status"] == "completed"]
    # most cases are done in one or two trips
    assert (done["trips"] <= 2).mean() > 0.8
    # waits of minutes to an hour
    assert 5 <= s.loc["all", "wait_mean_min"] <= 60
    # a visible share of wasted trips, but not most
    wasted_share = (v["outcome"].astype(str) != "served").mean()
    assert 0.05 <= wasted_share <= 0.4
    # the elderly and the digitally excluded are worse off than working adults
    assert s.loc["elderly", "satisfaction"] < s.loc["working_adult", "satisfaction"]
    assert s.loc["elderly", "abandonment"] > s.loc["working_adult", "abandonment"]
    assert s.loc["disabled", "abandonment"] > s.loc["working_adult", "abandonment"]
    closed = c[c["status"].isin(["completed", "abandoned"])]
    by_digital = closed.groupby("digitally_excluded")
    assert by_digital["satisfaction"].mean()[True] < by_digital["satisfaction"].mean()[False]
    assert (by_digital["status"].apply(lambda x: (x == "abandoned").mean())[True]
            > by_digital["status"].apply(lambda x: (x == "abandoned").mean())[False])
    # every channel the catalogue offers is used; only the digitally included go online
    assert {"in_person", "online"} <= set(c["channel"].astype(str))
    assert not c.loc[c["channel"] == "online", "digitally_excluded"].any()


def test_cli_writes_the_run_folder(tmp_path):
    out = tmp_path / "run"
    proc = subprocess.run(
        [sys.executable, "-m", "pilotsim", "sim.days=30", "sim.sample_fraction=0.2", "seed=4",
         f"hydra.run.dir={out}"], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "trips_per_case" in proc.stdout and "elderly" in proc.stdout
    assert "Step 1 at time" not in proc.stdout + proc.stderr  # Mesa's per-step log is silenced
    meta = json.loads((out / "metadata.json").read_text())
    assert meta["status"] == "complete"
    assert meta["seed"] == 4 and meta["arm"] == "baseline" and meta["days"] == 30
    assert meta["config"]["sim"]["sample_fraction"] == 0.2
    assert set(meta["dependencies"]) >= {"mesa", "numpy", "pandas", "hydra-core"}
    assert meta["wall_seconds"] > 0 and meta["package_version"]
    assert set(meta["treatment"]) == set(meta["config"]["city"]["communities"])
    assert list(pq.read_schema(out / "cases.parquet").names) == CASE_COLUMNS
    assert list(pq.read_schema(out / "visits.parquet").names) == VISIT_COLUMNS
    assert list(pq.read_schema(out / "site_days.parquet").names) == SITE_DAY_COLUMNS
    cases = pd.read_parquet(out / "cases.parquet")
    assert len(cases) == meta["counts"]["cases"]
    assert (out / "config.yaml").exists()
