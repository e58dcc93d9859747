"""'What happened to this resident?' reads the same person's cases in each world."""

import pytest

from pilotsim.app.dashboard import history
from pilotsim.sim import records
from tests.dashboard.helpers import baseline_model


@pytest.fixture(scope="module")
def model():
    m = baseline_model("sim.days=40", "sim.sample_fraction=0.2", "seed=2")
    m.run()
    return m


def test_history_lists_every_visit_of_every_case(model):
    visits = records.visits_table(model)
    rid = int(visits["resident_id"].value_counts().index[0])  # the busiest resident
    h = history.resident_history(model, rid)
    mine = visits[visits["resident_id"] == rid]
    assert len(h.dropna(subset=["visit_day"])) == len(mine)
    assert sorted(h["case_id"].unique()) == sorted(c.id for c in model.residents[rid].cases)
    assert list(h.dropna(subset=["visit_day"])["outcome"]) == list(mine["outcome"].astype(str))
    assert list(h.dropna(subset=["visit_day"])["office"]) == list(mine["office"].astype(str))


def test_a_case_without_visits_still_shows(model):
    cases = records.cases_table(model)
    remote = cases[(cases["trips"] == 0)]
    assert len(remote)
    rid = int(remote["resident_id"].iloc[0])
    h = history.resident_history(model, rid)
    row = h[h["case_id"] == int(remote["case_id"].iloc[0])]
    assert len(row) == 1 and row["visit_day"].isna().all()


def test_random_resident_has_a_case_and_picks_do_not_touch_the_run(model):
    picks = {history.random_resident(model, k) for k in range(20)}
    assert len(picks) > 5
    assert all(model.residents[p].cases for p in picks)
    assert history.random_resident(model, 3) == history.random_resident(model, 3)
    nobody = baseline_model("sim.days=3", "sim.sample_fraction=0.1")
    assert history.random_resident(nobody, 0) is None


def test_summary_and_unknown_ids(model):
    rid = next(iter(model.residents))
    s = history.resident_summary(model, rid)
    assert s["community"] in model.community_names and s["cases"] >= 1
    with pytest.raises(KeyError):
        history.resident_summary(model, model.population.size)


def test_readable_history_has_plain_headers_and_no_none(model):
    import pandas as pd

    raw = pd.DataFrame([{"case_id": 3, "service": "housing_repair_permit", "channel": "online",
                         "status": "open", "day_opened": 1, "day_closed": None,
                         "satisfaction": None, "visit_day": None, "office": None,
                         "step": None, "wait_min": float("nan"), "outcome": None}])
    out = history.readable(raw)
    assert list(out.columns)[:2] == ["case", "service"] and "wait (min)" in out.columns
    row = out.iloc[0].to_dict()
    assert row["service"] == "housing repair permit" and row["closed (day)"] == "–"
    assert row["wait (min)"] == "–" and row["case"] == 3
