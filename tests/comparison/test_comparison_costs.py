"""Costs per year, warm-up, and cost-effectiveness on constructed sweeps with known answers."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import NO_WARMUP, RunWriter
from scipy import stats
from synthetic_runs import Case

from pilotsim.analysis.comparison import ComparisonError, compare_sweep
from pilotsim.analysis.comparison.cost_effectiveness import fieller
from pilotsim.analysis.comparison.metrics import summarise_runs
from pilotsim.analysis.comparison.runs import discover_runs
from pilotsim.analysis.comparison.settings import CompareSettings

DAYS = 28
FRACTION = 0.5
PER_YEAR = 365 / DAYS / FRACTION  # a visit in a 28-day run at f = 0.5, per year, everyone
# per seed: baseline and arm trips of the two cases; visits saved 4, 5, 5, 3 per run
TRIPS = {1: ((3, 3), (1, 1)), 2: ((3, 4), (1, 1)), 3: ((4, 4), (2, 1)), 4: ((3, 3), (1, 2))}
SAVED = np.array([4.0, 5.0, 5.0, 3.0])
# the arm: 10,000 set-up, 2,800 running over the 28 days -> 10,000/5 + 2,800·365/28 a year
ARM_COST = {"staff_hours": 0.0, "budget": 12_800.0, "setup_budget": 10_000.0}
ARM_PER_YEAR = 10_000 / 5 + 2_800 * 365 / DAYS


def overall(metrics: pd.DataFrame, run_id: str) -> pd.Series:
    rows = metrics[(metrics["run_id"] == run_id) & (metrics["group_type"] == "overall")]
    return rows.set_index("metric")["value"]


def build_costed_sweep(run_writer: RunWriter) -> Path:
    """Four paired seeds; the arm saves the visits in SAVED at a fixed cost (ARM_COST)."""
    for seed, (base, arm) in TRIPS.items():
        run_writer(f"baseline/s{seed}", arm="baseline", seed=seed, days=DAYS,
                   sample_fraction=FRACTION, cases=[Case(trips=t) for t in base])
        folder = run_writer(f"checklists/s{seed}", arm="checklists", seed=seed, days=DAYS,
                            sample_fraction=FRACTION, cost=ARM_COST,
                            cases=[Case(trips=t) for t in arm])
    return folder.parent.parent


def test_costs_per_year_annualise_the_set_up_over_the_horizon(run_writer: RunWriter,
                                                             tmp_path: Path) -> None:
    run_writer("r", arm="x", seed=1, days=DAYS, cases=[Case(trips=1)],
               cost={"staff_hours": 280.0, "budget": 12_800.0, "setup_budget": 10_000.0})
    runs = discover_runs(tmp_path / "sweep").usable
    for horizon in (1.0, 4.0):
        got = overall(summarise_runs(runs, settings=CompareSettings(
            warmup_days=0, horizon_years=horizon)).metrics, "r")
        assert got["budget"] == pytest.approx(10_000 / horizon + 2_800 * 365 / DAYS)
        assert got["staff_hours"] == pytest.approx(280 * 365 / DAYS)


def test_old_metadata_without_setup_counts_all_budget_as_running(
        run_writer: RunWriter, tmp_path: Path) -> None:
    run_writer("r", arm="x", seed=1, days=DAYS, cases=[Case(trips=1)],
               cost={"staff_hours": 0.0, "budget": 2_800.0})
    got = overall(summarise_runs(discover_runs(tmp_path / "sweep").usable,
                                 settings=NO_WARMUP).metrics, "r")
    assert got["budget"] == pytest.approx(2_800 * 365 / DAYS)


def test_totals_per_year_scale_to_the_whole_population(run_writer: RunWriter,
                                                       tmp_path: Path) -> None:
    run_writer("r", arm="x", seed=1, days=DAYS, sample_fraction=FRACTION, cases=[
        Case(trips=3, visit_wait=20), Case(trips=2, status="abandoned", visit_wait=30)])
    got = overall(summarise_runs(discover_runs(tmp_path / "sweep").usable,
                                 settings=NO_WARMUP).metrics, "r")
    assert got["visits_per_year"] == pytest.approx(5 * PER_YEAR)
    assert got["wait_hours_per_year"] == pytest.approx((3 * 20 + 2 * 30) / 60 * PER_YEAR)
    assert got["abandoned_per_year"] == pytest.approx(1 * PER_YEAR)
    assert got["counter_hours_per_year"] == pytest.approx(5 * 5.0 / 60 * PER_YEAR)
    assert got["travel_hours_per_year"] == pytest.approx(5 * 30.0 / 60 * PER_YEAR)


def test_online_share_counts_closed_cases_handled_online_overall_only(
        run_writer: RunWriter, tmp_path: Path) -> None:
    # closed: two in person, one online completed, one online abandoned -> 2 of 4 online;
    # an open online case and a need not pursued are not closed and do not count
    run_writer("r", arm="x", seed=1, days=DAYS, cases=[
        Case(trips=2), Case(trips=1, profile="disabled"), Case(trips=0, channel="online"),
        Case(trips=1, channel="online", status="abandoned"),
        Case(trips=0, channel="online", status="open"), Case(trips=0, status="not_pursued")])
    metrics = summarise_runs(discover_runs(tmp_path / "sweep").usable,
                             settings=NO_WARMUP).metrics
    assert overall(metrics, "r")["online_share"] == pytest.approx(0.5)
    online = metrics[metrics["metric"] == "online_share"]
    assert set(online["group_type"]) == {"overall"}  # the channel mix is not a subgroup gain


def test_where_each_group_queued_is_summed_per_arm_and_office(run_writer: RunWriter,
                                                              tmp_path: Path) -> None:
    for seed in (1, 2):  # two seeds of one arm: their visits add up
        run_writer(f"s{seed}", arm="x", seed=seed, days=DAYS, cases=[
            Case(trips=3, visit_wait=20), Case(trips=1, profile="disabled", visit_wait=40)])
    offices = summarise_runs(discover_runs(tmp_path / "sweep").usable,
                             settings=NO_WARMUP).offices.set_index(["group_type", "group"])
    assert offices.loc[("overall", "all"), ["office", "visits", "wait_sum"]].tolist() == [
        "o1", 8, 2 * (3 * 20 + 40)]
    assert offices.loc[("profile", "disabled"), ["visits", "wait_sum"]].tolist() == [2, 80]
    assert set(offices["arm"]) == {"x"}


def test_warm_up_leaves_out_early_cases_and_visits(run_writer: RunWriter,
                                                   tmp_path: Path) -> None:
    # an early case with five visits on days 2..6, a later one with one visit on day 10
    run_writer("r", arm="x", seed=1, days=DAYS, cases=[
        Case(trips=5, day_opened=2, visit_wait=50), Case(trips=1, day_opened=10)])
    runs = discover_runs(tmp_path / "sweep").usable
    none = overall(summarise_runs(runs, settings=NO_WARMUP).metrics, "r")
    assert none["trips_per_case"] == pytest.approx(3.0)
    assert none["visits_per_year"] == pytest.approx(6 * 365 / DAYS)
    week = overall(summarise_runs(runs, settings=CompareSettings(warmup_days=7)).metrics, "r")
    assert week["trips_per_case"] == pytest.approx(1.0)
    assert week["wait_mean_min"] == pytest.approx(10.0)
    assert week["visits_per_year"] == pytest.approx(1 * 365 / (DAYS - 7))
    # the default (28 days) is capped at a quarter of this 28-day run: the same 7 days
    capped = overall(summarise_runs(runs).metrics, "r")
    pd.testing.assert_series_equal(capped, week)
    assert CompareSettings().warmup_for(365) == 28 and CompareSettings().warmup_for(28) == 7


def test_cost_effectiveness_on_a_constructed_case(run_writer: RunWriter) -> None:
    root = build_costed_sweep(run_writer)
    result = compare_sweep(root, settings=NO_WARMUP)
    ce = result.cost_effectiveness.set_index("effect")
    trips = ce.loc["visits_per_year"]
    assert trips["status"] == "ratio" and trips["rank"] == 1 and trips["n_pairs"] == 4
    assert trips["cost_mean"] == pytest.approx(ARM_PER_YEAR)
    assert trips["saved_mean"] == pytest.approx(SAVED.mean() * PER_YEAR)
    ci = stats.ttest_1samp(SAVED * PER_YEAR, 0.0).confidence_interval(0.95)
    assert (trips["saved_ci_low"], trips["saved_ci_high"]) == pytest.approx((ci.low, ci.high))
    # a cost that is the same in every seed: the ratio's interval is the cost over the ends
    # of the saving's interval
    assert trips["ratio"] == pytest.approx(ARM_PER_YEAR / (SAVED.mean() * PER_YEAR))
    assert trips["ratio_ci_low"] == pytest.approx(ARM_PER_YEAR / ci.high)
    assert trips["ratio_ci_high"] == pytest.approx(ARM_PER_YEAR / ci.low)
    # every visit waits 10 minutes: an hour of waiting saved costs six trips saved
    hours = ce.loc["wait_hours_per_year"]
    assert hours["ratio"] == pytest.approx(6 * trips["ratio"])
    assert ce.loc["abandoned_per_year", "status"] == "no clear saving"  # nobody gives up
    assert math.isnan(ce.loc["abandoned_per_year", "ratio"])
    report = result.paths["report_md"].read_text(encoding="utf-8")
    assert "## Decision table: what a saving costs" in report
    assert f"| 1 | Checklists | {ARM_PER_YEAR:,.0f} |" in report
    assert "Fieller" in report
    # report.md shows brackets as text (escaped, so no Markdown link can form)
    ratio = (f"{trips['ratio']:,.0f} \\[{trips['ratio_ci_low']:,.0f} to "
             f"{trips['ratio_ci_high']:,.0f}\\]")
    assert f"- By cost per trip saved (budget per year, 95% CI): 1. Checklists ({ratio})." \
        in report
    assert (result.out_dir / "cost_effectiveness.csv").is_file()


def test_fieller_is_unbounded_when_the_saving_is_not_clear() -> None:
    ratio, low, high = fieller([10.0, 10.0, 10.0], [1.0, -1.0, 0.5])
    assert ratio == pytest.approx(10 / (0.5 / 3))
    assert math.isnan(low) and math.isnan(high)


def test_fieller_covers_the_true_ratio_about_95_percent_of_the_time() -> None:
    rng = np.random.default_rng(20261126)
    true_ratio, hits, trials = 2.0, 0, 2000
    for _ in range(trials):
        saved = rng.normal(10.0, 3.0, 10)
        cost = true_ratio * saved + rng.normal(0.0, 4.0, 10)  # correlated, noisy cost
        _, low, high = fieller(cost, saved)
        hits += bool(low <= true_ratio <= high)
    # binomial SE at 95% over 2000 trials is 0.5 points: 93.5–96.5% is three SEs
    assert 0.935 <= hits / trials <= 0.965


def test_arms_are_ranked_cost_saving_first_then_cheapest_then_unclear_then_worse() -> None:
    from pilotsim.analysis.comparison.cost_effectiveness import cost_effectiveness

    rows = []
    # per arm: (cost diff per seed, visits diff per seed)
    arms = {"cheap": (5.0, [-10, -11, -9]), "dear": (50.0, [-10, -11, -9]),
            "free": (-1.0, [-2, -3, -2.5]), "unclear": (5.0, [-1, 1, 0.5]),
            "worse": (5.0, [3, 4, 3.5])}
    for arm, (cost, visits) in arms.items():
        for seed, v in enumerate(visits):
            for metric, d in (("budget", cost), ("visits_per_year", v)):
                rows.append((arm, seed, "overall", "all", metric, 0.0, 0.0, d))
    pairs = pd.DataFrame(rows, columns=["arm", "seed", "group_type", "group", "metric",
                                        "value", "ref_value", "diff"])
    ce = cost_effectiveness(pairs)
    assert ce.sort_values("rank")["arm"].tolist() == ["free", "cheap", "dear", "unclear",
                                                      "worse"]
    assert ce.set_index("arm")["status"].to_dict() == {
        "free": "cost-saving", "cheap": "ratio", "dear": "ratio",
        "unclear": "no clear saving", "worse": "worse"}


def test_bad_compare_settings_name_key_value_and_expectation() -> None:
    with pytest.raises(ComparisonError, match=r"compare\.warmup_days = -1: expected an integer"):
        CompareSettings.from_config({"warmup_days": -1})
    with pytest.raises(ComparisonError, match=r"compare\.horizon_years = 0: expected a number"):
        CompareSettings.from_config({"horizon_years": 0})
    with pytest.raises(ComparisonError, match=r"compare\.warmup = 3: expected one of the keys"):
        CompareSettings.from_config({"warmup": 3})
    with pytest.raises(ComparisonError, match=r"compare\.target_halfwidth = 'tight'"):
        CompareSettings.from_config({"target_halfwidth": "tight"})
    assert CompareSettings.from_config(None) == CompareSettings()
