import numpy as np
import pandas as pd
import pytest

from pilotsim.analysis.evaluation.assess import assess, rollout_decision

EST = pd.DataFrame(
    {
        "design": "A",
        "seed": [1, 2, 3, 4],
        "estimate": [1.0, 2.0, 3.0, -1.0],
        "se": [0.25, 1.25, 0.25, 0.5],
        "ci_low": [0.5, -0.5, 2.5, -2.0],
        "ci_high": [1.5, 4.5, 3.5, 0.0],
    }
)
TRUTH = pd.DataFrame(
    {"seed": [1, 2, 3, 4], "full_rollout": [1.0, 1.0, -1.0, 1.0], "treated_sites": 2.0}
)


def test_assess_hand_made_ci_rule():
    r = assess(EST, TRUTH, better="higher").iloc[0]
    assert r["design"] == "A" and r["n_reps"] == 4 and r["n_failed"] == 0
    assert r["bias_full"] == pytest.approx(np.mean([0, 1, 4, -2]))
    assert r["bias_treated"] == pytest.approx(np.mean([-1, 0, 1, -3]))
    assert r["rmse_full"] == pytest.approx(np.sqrt((0 + 1 + 16 + 4) / 4))
    assert r["sd"] == pytest.approx(np.std([1, 2, 3, -1], ddof=1))
    assert r["coverage_full"] == pytest.approx(0.5)
    assert r["coverage_treated"] == pytest.approx(0.25)
    # CI rule rolls out in seeds 1 and 3; truth is beneficial in 1, 2, 4
    assert r["rollout_rate"] == pytest.approx(0.5)
    assert r["wrong_rollout"] == pytest.approx(0.25)  # seed 3
    assert r["wrong_holdback"] == pytest.approx(0.5)  # seeds 2 and 4
    assert r["wrong_decision"] == pytest.approx(0.75)


def test_assess_point_rule_lower_is_better_and_failures():
    point = assess(EST, TRUTH, better="higher", rule="point").iloc[0]
    assert (point["wrong_rollout"], point["wrong_holdback"]) == (0.25, 0.25)  # seeds 3, 4
    lower = assess(EST, TRUTH, better="lower").iloc[0]
    # nothing has ci_high < 0 (seed 4 touches 0); the truth is beneficial only in seed 3
    assert (lower["rollout_rate"], lower["wrong_decision"]) == (0.0, 0.25)
    failed = EST.assign(estimate=[1.0, np.nan, 3.0, -1.0])
    assert assess(failed, TRUTH, better="higher").iloc[0]["n_failed"] == 1
    dec = rollout_decision(EST, better="higher", threshold=1.0, rule="point")
    assert dec.tolist() == [False, True, True, False]


def test_assess_bad_input():
    with pytest.raises(ValueError, match=r"truths: no row \(or a NaN truth\) for \{'seed': 4\}"):
        assess(EST, TRUTH.iloc[:3], better="higher")
    with pytest.raises(ValueError, match=r"better='up': expected 'higher' or 'lower'"):
        assess(EST, TRUTH, better="up")
    with pytest.raises(ValueError, match=r"estimates: empty table"):
        assess(EST.iloc[0:0], TRUTH, better="higher")


def test_assess_splits_wrong_decisions_and_states_monte_carlo_error():
    truth = TRUTH.assign(pilot_att=[1.5, 2.0, 3.0, 0.0])
    r = assess(EST, truth, better="higher", truth_direct="pilot_att").iloc[0]
    # truth beneficial in seeds 1, 2, 4: seed 2's interval includes 0 (held back); seed 4's
    # [-2, 0] does not exclude 0, so it is held back too, not the wrong direction
    assert r["held_back"] == pytest.approx(0.5)
    # seed 3 rolls out while the truth harms: the wrong direction
    assert r["wrong_direction"] == pytest.approx(0.25)
    assert r["held_back"] + r["wrong_direction"] == pytest.approx(r["wrong_decision"])
    assert r["bias_direct"] == pytest.approx(np.mean([-0.5, 0, 0, -1]))
    assert r["mcse_bias_direct"] == pytest.approx(np.std([-0.5, 0, 0, -1], ddof=1) / 2)
    assert r["coverage_direct"] == pytest.approx(1.0)  # every interval holds its direct truth
    assert r["mcse_coverage_full"] == pytest.approx(np.sqrt(0.5 * 0.5 / 4))
    assert r["se_to_sd"] == pytest.approx(np.mean([0.25, 1.25, 0.25, 0.5]) /
                                          np.std([1, 2, 3, -1], ddof=1))
    harmful = EST.assign(ci_low=[0.5, -0.5, 2.5, -2.0], ci_high=[1.5, 4.5, 3.5, -0.5])
    assert assess(harmful, TRUTH, better="higher").iloc[0]["wrong_direction"] == \
        pytest.approx(0.5)  # seed 3 (rolls out, truth harms) and seed 4 (says harm, helps)
