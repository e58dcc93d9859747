"""P(best), regret and cost-effectiveness on hand-computed worlds."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from pilotsim.analysis.robustness.decision import best_arms, decision_table

# trips per case in three worlds (lower is better); satisfaction (higher is better)
TRIPS = {"baseline": [2.0, 2.0, 2.0], "one_door": [1.0, 1.5, 2.5], "data_sharing": [1.5, 1.5, 1.8]}
SATIS = {"baseline": [60.0, 60.0, 60.0], "one_door": [70.0, 61.0, 65.0],
         "data_sharing": [65.0, 65.0, 60.0]}
ARMS = ["baseline", "one_door", "data_sharing"]


def levels() -> pd.DataFrame:
    rows = [(arm, str(w), metric, v) for metric, table in (("trips_per_case", TRIPS),
                                                          ("satisfaction_mean", SATIS))
            for arm, vals in table.items() for w, v in enumerate(vals)]
    return pd.DataFrame(rows, columns=["arm", "world", "metric", "value"])


def test_p_best_shares_ties_and_regret_is_the_shortfall_from_the_best() -> None:
    costs = pd.DataFrame({"arm": ["one_door"] * 3 + ["data_sharing"] * 3,
                          "world": ["0", "1", "2"] * 2, "budget": [100.0] * 3 + [10.0] * 3})
    t = decision_table(levels(), "baseline", ARMS, costs).set_index(["measure", "arm"])
    trips = t.loc["trips_per_case"]
    # world 0: one door best; world 1: one door and data sharing tie; world 2: data sharing
    assert trips.loc["one_door", "p_best"] == pytest.approx(0.5)
    assert trips.loc["data_sharing", "p_best"] == pytest.approx(0.5)
    assert trips.loc["baseline", "p_best"] == 0
    assert trips.loc["one_door", "regret_max"] == pytest.approx(0.7)     # 2.5 vs 1.8 in world 2
    assert trips.loc["baseline", "regret_max"] == pytest.approx(1.0)
    satis = t.loc["satisfaction_mean"]
    assert satis.loc["one_door", "p_best"] == pytest.approx(2 / 3)
    assert satis.loc["data_sharing", "regret_max"] == pytest.approx(5.0)  # 65 vs 70 in world 0
    # budget per trip saved: one door 100/1, 100/0.5, ∞ (worse than baseline in world 2);
    # data sharing 10/0.5, 10/0.5, 10/0.2 -> data sharing is more cost-effective everywhere
    ce = t.loc["cost_per_trips_per_case"]
    assert ce.loc["data_sharing", "p_best"] == 1.0
    assert math.isinf(ce.loc["one_door", "regret_max"])
    assert ce.loc["one_door", "worlds_not_finite"] == 1
    assert "baseline" not in ce.index


def test_best_arms_lists_every_tied_arm() -> None:
    best = best_arms(levels(), "trips_per_case", ARMS)
    assert list(best) == [("one_door",), ("one_door", "data_sharing"), ("data_sharing",)]
