"""Same config and seed → identical tables; a change on day D leaves days before D identical."""

import pandas as pd
import pytest

from tests.conftest import run

BASE = ("sim.days=100", "sim.sample_fraction=0.25", "seed=5")
D = 50


@pytest.fixture(scope="module")
def baseline():
    return run(*BASE)


def test_same_config_and_seed_give_identical_tables(baseline):
    again = run(*BASE)
    for name in ("cases", "visits", "site_days"):
        pd.testing.assert_frame_equal(getattr(baseline, name), getattr(again, name))


def test_another_seed_gives_other_tables(baseline):
    other = run("sim.days=100", "sim.sample_fraction=0.25", "seed=6")
    assert len(other.cases) != len(baseline.cases) or \
        not other.cases["resident_id"].equals(baseline.cases["resident_id"])


def test_a_change_on_day_d_leaves_earlier_days_identical_and_needs_paired(baseline):
    changed = run(*BASE, f"+city.offices.east_police_registry.staffing=[{{day:{D},counters:5}}]")
    before = lambda v: v[v["day"] < D].reset_index(drop=True)  # noqa: E731
    pd.testing.assert_frame_equal(before(baseline.visits), before(changed.visits))
    # residents and needs are the same after D too: the same cases open, by the same people
    key = ["case_id", "resident_id", "profile", "community", "service", "day_opened"]
    pd.testing.assert_frame_equal(baseline.cases[key], changed.cases[key])
    # ... while the change did change what happened at that office after D
    at = lambda r: r.visits[(r.visits["day"] >= D)  # noqa: E731
                            & (r.visits["office"] == "east_police_registry")]
    assert at(changed)["wait_min"].mean() < at(baseline)["wait_min"].mean()
    for col in ("literacy", "patience", "mobility"):
        assert (getattr(baseline.model.population, col)
                == getattr(changed.model.population, col)).all()
