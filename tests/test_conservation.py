"""Conservation: every need is a case, every case ends in a known state, trips are visits."""

import numpy as np
import pandas as pd
import pytest

from pilotsim.sim.rng import Streams
from tests.conftest import run, run_composed_once


@pytest.fixture(scope="module")
def result():
    return run("sim.days=90", "sim.sample_fraction=0.3", "seed=11")


def test_every_need_is_a_case(result):
    model = result.model
    streams = Streams(model.spec.seed)
    needs = [int(streams.generator("needs", d).poisson(model._need_rates).sum())
             for d in range(model.spec.sim.days)]
    opened = result.cases.groupby("day_opened").size().reindex(range(90), fill_value=0)
    assert opened.tolist() == needs


def test_every_case_ends_completed_abandoned_open_or_not_pursued(result):
    c = result.cases
    assert set(c["status"].astype(str)) == {"completed", "abandoned", "open", "not_pursued"}
    assert c.loc[c["status"] == "open", "day_closed"].isna().all()
    # a need not pursued never became a case: no trip, no close, no score, no channel
    unmet = c[c["status"] == "not_pursued"]
    assert unmet["day_closed"].isna().all() and unmet["satisfaction"].isna().all()
    assert (unmet["trips"] == 0).all() and unmet["channel"].isna().all()
    closed = c[c["status"].isin(["completed", "abandoned"])]
    assert closed["day_closed"].notna().all()
    assert (closed["day_closed"] >= closed["day_opened"]).all()
    assert closed["satisfaction"].between(0, 100).all()


def test_trips_equal_visits_recorded(result):
    c, v = result.cases.set_index("case_id"), result.visits
    per_case = v.groupby("case_id").size().reindex(c.index, fill_value=0)
    assert (per_case == c["trips"]).all()
    wasted = v[v["outcome"].astype(str) != "served"].groupby("case_id").size() \
        .reindex(c.index, fill_value=0)
    assert (wasted == c["wasted_trips"]).all()
    np.testing.assert_allclose(v.groupby("case_id")["wait_min"].sum()
                               .reindex(c.index, fill_value=0), c["wait_min"])
    assert (v["wait_min"] >= 0).all() and (v["service_min"] >= 0).all()


def test_site_days_add_up_to_the_row_tables(result):
    s, c, v = result.site_days, result.cases, result.visits
    assert len(s) == 90 * len(result.model.community_names)
    assert s["cases_opened"].sum() == (c["status"] != "not_pursued").sum()
    assert s["needs_not_pursued"].sum() == (c["status"] == "not_pursued").sum()
    assert s["trips"].sum() == len(v)
    assert s["cases_abandoned"].sum() == (c["status"] == "abandoned").sum()
    done = c[(c["status"] == "completed") & (c["trips"] <= 1)]
    assert s["one_trip_cases"].sum() == len(done)
    day = s[s["trips"] > 0].iloc[0]
    same = v[(v["day"] == day["day"]) & (v["community"] == day["community"])]
    assert day["wait_min_mean"] == pytest.approx(same["wait_min"].mean())
    assert pd.isna(s.loc[s["trips"] == 0, "wait_min_mean"]).all()


@pytest.mark.parametrize("seed", [1, 2, 8])
def test_tiny_runs_with_days_without_closures_still_tabulate(seed):
    # a handful of cases over 5 days: most community-days have no visit and no closed case
    r = run_composed_once("sim.days=5", "sim.sample_fraction=0.02", f"seed={seed}")
    assert len(r.site_days) == 5 * len(r.model.community_names)
    assert (r.site_days["cases_opened"] + r.site_days["needs_not_pursued"]).sum() == \
        len(r.cases)
    assert r.site_days["trips"].sum() == len(r.visits)
