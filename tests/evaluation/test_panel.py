import math

import numpy as np
import pandas as pd
import pytest

from pilotsim.analysis.evaluation.panel import (
    HIGHER_IS_BETTER,
    OUTCOMES,
    assign_treatment,
    build_panel,
)


def site_days(n_days: int = 9) -> pd.DataFrame:
    rows = []
    for site, district in (("a", "d1"), ("b", "d1"), ("c", "d2")):
        for day in range(n_days):
            closed = 0 if (site == "c" and day < 4) else 2
            rows.append(
                {
                    "day": day,
                    "community": site,
                    "district": district,
                    "cases_opened": 3,
                    "cases_closed": closed,
                    "cases_completed": closed // 2 if day % 2 else closed,
                    "cases_abandoned": closed - (closed // 2 if day % 2 else closed),
                    "one_trip_cases": 1 if closed else 0,
                    "trips": day + 1,
                    "wasted_trips": 1,
                    "wait_min_mean": 10.0 * (day + 1),
                    "satisfaction_mean": (50.0 + day) if closed else np.nan,
                    "abandonment_rate": np.nan,
                }
            )
    return pd.DataFrame(rows)


def test_periods_outcomes_and_weights_follow_their_definitions():
    with pytest.warns(UserWarning, match="trailing incomplete period"):
        panel = build_panel(site_days(), {"a": 4, "b": None}, period_days=4)
    assert panel.n_periods == 2
    assert panel.dropped_days == (8,)
    assert any("day" in n and "8" in n for n in panel.notes)
    d = panel.data.set_index(["site", "period"])
    assert len(d) == 6
    a0 = d.loc[("a", 0)]
    # days 0..3: trips 1+2+3+4=10, closed 8, completed 2+1+2+1=6, abandoned 2
    assert a0["trips_per_case"] == pytest.approx(10 / 8)
    assert a0["wasted_trips_per_case"] == pytest.approx(4 / 8)
    assert a0["one_trip_share"] == pytest.approx(4 / 6)
    assert a0["abandonment_rate"] == pytest.approx(2 / 8)
    # waits weighted by trips: sum(10 k * k) / sum(k), k=1..4
    assert a0["wait_min"] == pytest.approx(sum(10 * k * k for k in range(1, 5)) / 10)
    assert a0["satisfaction"] == pytest.approx(np.mean([50, 51, 52, 53]))
    assert a0["weight"] == 8
    assert d.loc[("a", 1), "first_day"] == 4
    # no closed case in c's first period: per-case outcomes NaN, wait still defined
    c0 = d.loc[("c", 0)]
    assert math.isnan(c0["trips_per_case"]) and math.isnan(c0["satisfaction"])
    assert not math.isnan(c0["wait_min"])
    assert any("no closed case" in n for n in panel.notes)
    # treatment coding
    assert d.loc[("a", 0), "treated"] == 0 and d.loc[("a", 1), "treated"] == 1
    assert d.loc[("a", 1), "first_treated_period"] == 1
    assert math.isnan(d.loc[("b", 1), "first_treated_period"])
    assert d.loc[("c", 1), "treated"] == 0  # not in the schedule: never treated
    assert set(OUTCOMES) <= set(panel.data.columns) and set(OUTCOMES) == set(HIGHER_IS_BETTER)


def test_start_inside_a_period_warns_and_codes_that_period_treated():
    with pytest.warns(UserWarning) as record:
        panel = build_panel(site_days(8), {"a": 5}, period_days=4)
    assert any("inside a period" in str(w.message) for w in record)
    d = panel.data.set_index(["site", "period"])
    assert d.loc[("a", 1), "treated"] == 1


@pytest.mark.parametrize(
    ("schedule", "period_days", "match"),
    [
        ({"zz": 4}, 4, r"schedule\['zz'\].*unknown community 'zz'.*expected"),
        ({"a": 8}, 4, r"schedule\['a'\]=8.*after the panel ends.*<= 7"),
        ({"a": -1}, 4, r"schedule\['a'\]=-1.*non-negative integer"),
        ({"a": 4}, 0, r"period_days=0.*positive integer"),
        ({"a": 4}, 20, r"period_days=20.*at least one full period"),
    ],
)
def test_bad_schedule_or_period_names_key_value_and_expectation(schedule, period_days, match):
    with pytest.raises(ValueError, match=match):
        build_panel(site_days(8), schedule, period_days=period_days)


def test_empty_or_malformed_site_days_is_rejected():
    with pytest.raises(ValueError, match=r"site_days: empty table"):
        build_panel(site_days().iloc[0:0], {}, period_days=4)
    with pytest.raises(ValueError, match=r"missing column\(s\) \['trips'\]"):
        build_panel(site_days().drop(columns="trips"), {}, period_days=4)
    with pytest.raises(ValueError, match=r"duplicate row for community='a', day=0"):
        build_panel(pd.concat([site_days(8), site_days(8).iloc[:1]]), {}, period_days=4)
    with pytest.raises(ValueError, match=r"community 'a' has 7 of 8 days"):
        build_panel(site_days(8).iloc[1:], {}, period_days=4)


def test_assign_treatment_rejects_unknown_site():
    df = pd.DataFrame({"site": ["a", "b"], "period": [0, 0]})
    with pytest.raises(ValueError, match=r"first_treated_period\['x'\].*unknown site"):
        assign_treatment(df, {"x": 1})
