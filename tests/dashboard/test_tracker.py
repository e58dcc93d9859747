"""The per-day accumulator agrees with the run's tidy tables, day by day."""

import numpy as np
import pandas as pd
import pytest

from pilotsim.app.dashboard.tracker import DayTracker
from pilotsim.sim import records
from tests.dashboard.helpers import baseline_model

DAYS = 45


@pytest.fixture(scope="module")
def tracked():
    model = baseline_model(f"sim.days={DAYS}", "sim.sample_fraction=0.2", "seed=4")
    tracker = DayTracker(model)
    for _ in range(DAYS):
        model.step()
        tracker.after_step()
    cases = records.cases_table(model)
    visits = records.visits_table(model)
    return model, tracker, cases, visits


def test_daily_totals_match_the_tables(tracked):
    _model, tr, cases, visits = tracked
    assert tr.days == DAYS
    closed = cases[cases["status"].isin(["completed", "abandoned"])].assign(
        day=lambda c: c["day_closed"].astype(int))
    by_day = closed.groupby("day")
    done = closed[closed["status"] == "completed"]
    want = pd.DataFrame({
        "closed": by_day.size(),
        "completed": done.groupby("day").size(),
        "abandoned": closed[closed["status"] == "abandoned"].groupby("day").size(),
        "trips": by_day["trips"].sum(),
        "one_trip": done[done["trips"] == 1].groupby("day").size(),
        "in_person": done[done["trips"] >= 1].groupby("day").size(),
        "visits": visits.groupby("day").size(),
        "wasted": visits[visits["outcome"] != "served"].groupby("day").size(),
    }).reindex(range(DAYS)).fillna(0)
    for col in want:
        np.testing.assert_array_equal(np.asarray(tr.totals[col]), want[col].to_numpy(),
                                      err_msg=col)
    wait = visits.groupby("day")["wait_min"].sum().reindex(range(DAYS)).fillna(0)
    np.testing.assert_allclose(tr.totals["wait_sum"], wait.to_numpy())
    sat = closed.groupby("day")["satisfaction"].sum().reindex(range(DAYS)).fillna(0)
    np.testing.assert_allclose(tr.totals["sat_sum"], sat.to_numpy())
    assert sum(tr.totals["closed"]) > 100  # the comparison above is not vacuous


def test_day_index_points_at_each_days_visit_rows(tracked):
    model, tr, _, _ = tracked
    days = np.asarray(model.visits.cols["day"])
    for d in range(DAYS):
        rows = days[tr.visit_rows(d)]
        assert (rows == d).all()
        assert len(rows) == tr.totals["visits"][d]


def test_todays_trips_add_up_to_the_last_days_visits(tracked):
    _model, tr, _, visits = tracked
    last = visits[visits["day"] == DAYS - 1]
    t = tr.today_trips()
    assert t.count.sum() == len(last)
    assert t.count[t.wasted].sum() == (last["outcome"] != "served").sum()
    pairs = last.groupby([last["community"].cat.codes, last["office"].cat.codes],
                         observed=True).size()
    got = pd.Series(t.count, index=pd.MultiIndex.from_arrays([t.community, t.office]))
    assert got.groupby(level=[0, 1]).sum().sort_index().to_dict() == \
        pairs.sort_index().to_dict()


def test_series_is_a_ratio_of_window_sums(tracked):
    _, tr, cases, _ = tracked
    s = tr.series(window=7)
    d = DAYS - 1
    closed = cases[cases["status"].isin(["completed", "abandoned"])
                   & (cases["day_closed"] > d - 7)]
    assert s["trips_per_case"].iloc[-1] == pytest.approx(closed["trips"].mean())
    assert s["abandonment"].iloc[-1] == pytest.approx((closed["status"] == "abandoned").mean())
    whole = tr.series(window=DAYS)
    closed_all = cases[cases["status"].isin(["completed", "abandoned"])]
    assert whole["satisfaction"].iloc[-1] == pytest.approx(closed_all["satisfaction"].mean())


def test_community_figures_match_the_case_table(tracked):
    model, tr, cases, _ = tracked
    closed = cases[cases["status"].isin(["completed", "abandoned"])]
    want = closed.groupby("community", observed=False)["trips"].mean() \
        .reindex(model.community_names)
    np.testing.assert_allclose(tr.community_trips_per_case(), want.to_numpy())


def test_queue_is_zero_when_offices_are_closed_and_grows_with_fewer_counters():
    def queue(counters):
        model = baseline_model(
            "sim.days=28", "sim.sample_fraction=0.2",
            f"city.offices.east_civil_affairs.counters={counters}")
        tr = DayTracker(model)
        for _ in range(28):
            model.step()
            tr.after_step()
        return model, tr.queue_series()

    model, q2 = queue(2)
    _, q1 = queue(1)
    i = model.office_index["east_civil_affairs"]
    weekend = [d for d in range(28) if not model.offices[i].is_open(d)]
    assert weekend and (q2[weekend, i] == 0).all()
    assert q1[:, i].mean() > 1.5 * q2[:, i].mean()


def test_tracker_refuses_to_skip_days():
    model = baseline_model("sim.days=5", "sim.sample_fraction=0.1")
    tr = DayTracker(model)
    model.step()
    model.step()
    with pytest.raises(RuntimeError, match="stepped 2 days"):
        tr.after_step()


def test_district_figures_match_the_tables(tracked):
    model, tr, cases, visits = tracked
    got = tr.district_measures(7)
    district = dict(zip(model.community_names,
                        (model.district_names[i] for i in model.community_district), strict=True))
    v = visits[visits["day"] >= 7].assign(d=lambda x: x["community"].astype(str).map(district))
    closed = cases[(cases["status"] != "open") & (cases["day_closed"] >= 7)]
    closed = closed.assign(d=closed["community"].astype(str).map(district))
    for d in model.district_names:
        assert got.loc[d, "wait_mean_min"] == pytest.approx(v[v["d"] == d]["wait_min"].mean())
        assert got.loc[d, "visits"] == (v["d"] == d).sum() > 0
        mine = closed[closed["d"] == d]
        assert got.loc[d, "trips_per_case"] == pytest.approx(mine["trips"].mean())
        assert got.loc[d, "satisfaction"] == pytest.approx(mine["satisfaction"].mean())
