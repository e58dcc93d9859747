"""Who gains: subgroup comparisons and the flag for groups left behind."""

from __future__ import annotations

import pandas as pd
import pytest
from scipy import stats

from pilotsim.analysis.comparison import ComparisonResult


def sub(result: ComparisonResult, group_type: str, group: str,
        metric: str = "trips_per_case") -> pd.Series:
    t = result.comparison
    hit = t[(t["group_type"] == group_type) & (t["group"] == group) & (t["metric"] == metric)]
    assert len(hit) == 1
    return hit.iloc[0]


def test_disabled_residents_lose_while_the_average_gains(subgroup_result: ComparisonResult) -> None:
    overall = sub(subgroup_result, "overall", "all")
    assert overall["diff_mean"] < 0 and overall["ci_high"] < 0
    disabled = sub(subgroup_result, "profile", "disabled")
    # Differences +1, +2, +1, +2: mean 1.5, SD sqrt(1/3), t(0.975, 3).
    half = stats.t.ppf(0.975, 3) * (1 / 3) ** 0.5 / 2
    assert disabled["diff_mean"] == pytest.approx(1.5)
    assert disabled["ci_low"] == pytest.approx(1.5 - half)
    assert disabled["ci_low"] > 0
    assert disabled["opposite_to_overall"]
    assert disabled["verdict"] == "worse"
    assert sub(subgroup_result, "digital", "digitally excluded")["opposite_to_overall"]
    assert sub(subgroup_result, "community", "south")["opposite_to_overall"]


def test_groups_moving_with_the_average_are_not_flagged(subgroup_result: ComparisonResult) -> None:
    adults = sub(subgroup_result, "profile", "working_adult")
    assert adults["diff_mean"] == pytest.approx(-2.0)
    assert not adults["opposite_to_overall"]
    assert not sub(subgroup_result, "digital", "not digitally excluded")["opposite_to_overall"]
    flagged = subgroup_result.flagged
    assert set(zip(flagged["group_type"], flagged["group"], strict=True)) == {
        ("profile", "disabled"), ("digital", "digitally excluded"), ("community", "south")}


def test_opposite_sign_without_a_clear_interval_is_not_flagged(
        subgroup_result: ComparisonResult) -> None:
    migrants = sub(subgroup_result, "profile", "migrant_worker")
    assert migrants["diff_mean"] == pytest.approx(0.25)
    assert migrants["ci_low"] < 0 < migrants["ci_high"]
    assert not migrants["opposite_to_overall"]
    assert migrants["verdict"] == "unclear"


def test_group_present_in_one_seed_has_one_pair_and_no_interval(
        subgroup_result: ComparisonResult) -> None:
    entrepreneur = sub(subgroup_result, "profile", "entrepreneur")
    assert entrepreneur["n_pairs"] == 1
    assert pd.isna(entrepreneur["ci_low"]) and pd.isna(entrepreneur["p_better"])
    assert not entrepreneur["opposite_to_overall"]


def test_report_warns_about_the_group_left_behind(subgroup_result: ComparisonResult) -> None:
    md = subgroup_result.paths["report_md"].read_text(encoding="utf-8")
    warning = next(line for line in md.splitlines() if line.startswith("- ⚠"))
    assert "disabled" in warning and "got worse" in warning and "2.00 → 3.50" in warning
