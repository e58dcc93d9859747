"""Paired statistics against hand computations."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from pilotsim.analysis.comparison import ComparisonError, ComparisonResult
from pilotsim.analysis.comparison.paired import Target, paired_comparison, seeds_needed

T_975_DF2 = 4.302652729911275  # scipy.stats.t.ppf(0.975, 2), as in any t table (4.303)


def row(result: ComparisonResult, metric: str, group_type: str = "overall",
        group: str = "all") -> pd.Series:
    table = result.comparison
    hit = table[(table["metric"] == metric) & (table["group_type"] == group_type)
                & (table["group"] == group)]
    assert len(hit) == 1, hit
    return hit.iloc[0]


def test_trips_difference_and_ci_match_hand_computation(known_result: ComparisonResult) -> None:
    r = row(known_result, "trips_per_case")
    assert stats.t.ppf(0.975, 2) == pytest.approx(T_975_DF2)
    # d = (−1, −1.5, −1): mean −7/6, SD sqrt(1/12), SE = SD/sqrt(3) = 1/6.
    assert r["n_pairs"] == 3
    assert r["ref_mean"] == pytest.approx(2.5)
    assert r["arm_mean"] == pytest.approx(4 / 3)
    assert r["diff_mean"] == pytest.approx(-7 / 6)
    assert r["halfwidth"] == pytest.approx(T_975_DF2 / 6)
    assert r["ci_low"] == pytest.approx(-7 / 6 - T_975_DF2 / 6)
    assert r["ci_high"] == pytest.approx(-7 / 6 + T_975_DF2 / 6)
    assert r["rel_change"] == pytest.approx((-7 / 6) / 2.5)
    assert r["rel_ci_low"] == pytest.approx((-7 / 6 - T_975_DF2 / 6) / 2.5)
    # Fewer trips is better: P(mean diff < 0) under the t posterior = T_2(7).
    assert r["p_better"] == pytest.approx(stats.t.cdf(7.0, 2))
    assert (r["n_better"], r["share_better"], r["verdict"]) == (3, 1.0, "better")
    # Library cross-check: the same interval as scipy's one-sample t test on the differences.
    ci = stats.ttest_1samp([-1.0, -1.5, -1.0], 0.0).confidence_interval(0.95)
    assert (r["ci_low"], r["ci_high"]) == pytest.approx((ci.low, ci.high))


def test_seeds_needed_for_absolute_target(known_result: ComparisonResult) -> None:
    r = row(known_result, "trips_per_case")
    sd = math.sqrt(1 / 12)
    # The smallest n with t(0.975, n−1)·sd/√n <= 0.2 is 11: n = 10 gives 0.2065, n = 11 0.1939.
    assert stats.t.ppf(0.975, 9) * sd / math.sqrt(10) > 0.2
    assert stats.t.ppf(0.975, 10) * sd / math.sqrt(11) <= 0.2
    assert r["target_halfwidth"] == 0.2
    assert not r["enough_seeds"]
    assert r["seeds_needed"] == 11
    # Metrics without a target are not judged.
    assert pd.isna(row(known_result, "satisfaction_mean")["enough_seeds"])


def test_relative_target_uses_reference_mean() -> None:
    metrics = pd.DataFrame({
        "run_id": [f"r{i}" for i in range(6)],
        "arm": ["baseline"] * 3 + ["one_door"] * 3, "seed": [1, 2, 3] * 2,
        "group_type": "overall", "group": "all", "metric": "trips_per_case",
        "value": [2.0, 2.5, 3.0, 1.0, 1.0, 2.0]})
    r = paired_comparison(metrics, "baseline", Target.parse(0.5)).iloc[0]
    assert r["target_halfwidth"] == pytest.approx(0.5 * 2.5)
    assert r["enough_seeds"]  # half-width 4.3027/6 = 0.717 <= 1.25
    # n = 2: 12.706·0.2887/√2 = 2.59 > 1.25; n = 3: 0.717 <= 1.25.
    assert r["seeds_needed"] == 3


def test_seeds_needed_edge_cases() -> None:
    assert seeds_needed(0.0, 0.1) == 2
    assert seeds_needed(1.0, 0.0) is None
    assert seeds_needed(float("nan"), 0.1) is None
    big = seeds_needed(1.0, 0.01)
    assert big is not None
    assert stats.t.ppf(0.975, big - 1) / math.sqrt(big) <= 0.01
    assert stats.t.ppf(0.975, big - 2) / math.sqrt(big - 1) > 0.01


def test_constant_differences_and_zero_reference(known_result: ComparisonResult) -> None:
    sat = row(known_result, "satisfaction_mean")
    assert (sat["diff_mean"], sat["ci_low"], sat["ci_high"]) == (10.0, 10.0, 10.0)
    assert (sat["p_better"], sat["verdict"]) == (1.0, "better")
    cost = row(known_result, "staff_hours")
    per_year = 365 / 28  # the runs last 28 days; staff time is counted per year
    assert cost["diff_mean"] == pytest.approx(102.0 * per_year)  # 101, 102, 103 vs 0
    assert cost["ci_high"] - cost["diff_mean"] == pytest.approx(
        T_975_DF2 * per_year / math.sqrt(3))
    assert pd.isna(cost["rel_change"])  # reference costs nothing
    assert cost["verdict"] == "cost"  # configured, not an outcome that got worse


def test_unpaired_run_is_reported_and_excluded(known_result: ComparisonResult) -> None:
    unpaired = known_result.unpaired
    assert list(unpaired["run_id"]) == ["one_door/seed9"]
    assert "no 'baseline' run with seed 9" in unpaired["reason"].iloc[0]
    assert set(known_result.pairs["seed"]) == {1, 2, 3}


def test_failed_run_is_listed_with_its_error_and_excluded(known_result: ComparisonResult) -> None:
    runs = known_result.runs.set_index("run_id")
    assert runs.loc["one_door/seed4", "status"] == "failed"
    assert not runs.loc["one_door/seed4", "usable"]
    assert "no counters" in runs.loc["one_door/seed4", "error"]
    assert 4 not in set(known_result.run_metrics["seed"])


def test_target_rejects_unknown_metric_and_non_positive_value() -> None:
    with pytest.raises(ComparisonError, match="trips_per_visit"):
        Target.parse({"trips_per_visit": 0.1})
    with pytest.raises(ComparisonError, match=r"-0\.1"):
        Target.parse(-0.1)


def test_p_better_is_one_sided_t_test_complement() -> None:
    rng = np.random.default_rng(5)
    ref, arm = rng.normal(60, 5, 8), rng.normal(61, 5, 8)
    metrics = pd.DataFrame({
        "run_id": [f"r{i}" for i in range(16)], "arm": ["baseline"] * 8 + ["x"] * 8,
        "seed": list(range(8)) * 2, "group_type": "overall", "group": "all",
        "metric": "satisfaction_mean", "value": np.concatenate([ref, arm])})
    r = paired_comparison(metrics, "baseline").iloc[0]
    one_sided = stats.ttest_rel(arm, ref, alternative="greater").pvalue
    assert r["p_better"] == pytest.approx(1 - one_sided)
