import numpy as np
import pandas as pd
import pytest

from pilotsim.analysis.evaluation.truth import true_effects, true_effects_by_seed

SITES = ["a", "b", "c", "d"]


def world(first_treated, bump):
    rows = []
    for s in SITES:
        for p in range(4):
            g = first_treated.get(s, np.nan)
            rows.append(
                {
                    "site": s,
                    "period": p,
                    "first_treated_period": g,
                    "y": 10.0 + (bump.get(s, 0.0) if p >= 2 else 0.0),
                }
            )
    return pd.DataFrame(rows)


NONE = world({}, {})
EVERY = world(dict.fromkeys(SITES, 2), {"a": 2, "b": 2, "c": 2, "d": 4})
PILOT = world({"a": 2, "b": 2}, {"a": 3, "b": 3, "c": 1})


def test_true_effects_hand_made():
    te = true_effects(NONE, EVERY, "y", pilot=PILOT)
    assert te.full_rollout == pytest.approx((2 + 2 + 2 + 4) / 4)
    assert te.treated_sites == pytest.approx(2.0)
    assert te.pilot_att == pytest.approx(3.0)
    assert te.control_spillover == pytest.approx(0.5)
    assert (te.n_sites, te.n_pilot_sites) == (4, 2)
    by_schedule = true_effects(NONE, EVERY, "y", pilot_first_treated={"a": 2, "b": 2, "c": None})
    assert by_schedule.treated_sites == pytest.approx(2.0) and np.isnan(by_schedule.pilot_att)


def test_true_effects_by_seed_and_errors():
    table = true_effects_by_seed(
        {
            1: {"none": NONE, "everywhere": EVERY, "pilot": PILOT},
            2: {"none": NONE, "everywhere": NONE.assign(first_treated_period=2.0)},
        },
        "y",
        pilot_first_treated={"a": 2},
    )
    assert list(table["seed"]) == [1, 2]
    assert table.loc[1, "full_rollout"] == 0.0 and table.loc[0, "full_rollout"] == 2.5
    with pytest.raises(ValueError, match=r"runs\[3\]: no 'everywhere' world"):
        true_effects_by_seed({3: {"none": NONE}}, "y", pilot_first_treated={"a": 2})
    with pytest.raises(ValueError, match=r"\(site, period\) \('d', 3\) is in only one"):
        true_effects(NONE, EVERY.iloc[:-1], "y", pilot=PILOT)
    with pytest.raises(ValueError, match=r"pilot_first_treated\['zz'\]: unknown site"):
        true_effects(NONE, EVERY, "y", pilot_first_treated={"zz": 2})
    with pytest.raises(ValueError, match=r"everywhere panel: first_treated_period is NaN"):
        true_effects(NONE, NONE, "y", pilot=PILOT)
