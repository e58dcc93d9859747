"""The run summary's share satisfied: closed cases scored at or above the threshold."""

import math

import pandas as pd
import pytest

from pilotsim.analysis.summary import format_summary, summary_table


def _cases() -> pd.DataFrame:
    profile = pd.Categorical(["elderly", "elderly", "elderly", "working_adult", "working_adult"])
    return pd.DataFrame({
        "case_id": range(5), "profile": profile,
        "status": ["completed", "completed", "abandoned", "completed", "open"],
        "trips": [1, 2, 3, 1, 0], "wasted_trips": [0, 1, 3, 0, 0],
        "satisfaction": [60.0, 59.5, 5.0, 90.0, math.nan]})


def test_share_satisfied_counts_closed_cases_at_or_above_the_threshold():
    visits = pd.DataFrame({"case_id": [0, 1, 1, 2, 3], "wait_min": [5.0, 10, 20, 30, 1]})
    table = summary_table(_cases(), visits)  # default threshold 60
    assert table.loc["all", "share_satisfied"] == pytest.approx(2 / 4)  # 60 and 90
    assert table.loc["elderly", "share_satisfied"] == pytest.approx(1 / 3)
    assert table.loc["working_adult", "share_satisfied"] == 1.0  # the open case is left out
    strict = summary_table(_cases(), visits, satisfied_threshold=95)
    assert strict.loc["all", "share_satisfied"] == 0.0
    assert "50.0%" in format_summary(table).splitlines()[2]


def test_each_visit_counts_for_its_cases_profile_whatever_the_cases_order():
    # a run's case table holds case i at row i (profiles read by position); any other table
    # is joined on case_id, and a visit whose case is not in it counts only for "all"
    visits = pd.DataFrame({"case_id": [0, 1, 1, 2, 3, 7], "wait_min": [5.0, 10, 20, 30, 1, 99]})
    cases = _cases()
    want = {"all": (5 + 10 + 20 + 30 + 1 + 99) / 6, "elderly": (5 + 10 + 20 + 30) / 4,
            "working_adult": 1.0}
    for table in (cases, cases.iloc[::-1], cases.iloc[[3, 0, 1, 2]]):
        got = summary_table(table, visits)["wait_mean_min"].to_dict()
        assert got == pytest.approx(want)
    in_range = visits[visits["case_id"] < 5]
    positional = summary_table(cases, in_range)
    pd.testing.assert_frame_equal(positional, summary_table(cases.iloc[::-1], in_range)
                                  .loc[positional.index], check_exact=True)
    assert positional.loc["working_adult", "wait_p90_min"] == 1.0


def _to_string(table: pd.DataFrame) -> str:
    # the summary's text as pandas laid it out (the formatter before format_rows)
    shown = table.copy().astype(object)
    for col in table.columns:
        f = {"needs": "{:,.0f}", "cases": "{:,.0f}"}.get(col, "{:.2f}")
        shown[col] = [("–" if pd.isna(x) else f.format(x)) for x in table[col]]
    return shown.to_string()


def test_the_text_is_pandas_layout():
    nan = math.nan
    table = pd.DataFrame.from_dict({
        "all": {"needs": 36658, "cases": 5, "trips_per_case": 1.3567, "wasted_per_case": nan},
        "a_long_profile_name": {"needs": 1, "cases": 0, "trips_per_case": nan,
                                "wasted_per_case": 12345.0},
    }, orient="index").rename_axis("profile")
    for t in (table, table.rename_axis(None), table.rename_axis("a_very_long_index_name_x"),
              table.iloc[:1]):
        assert format_summary(t) == _to_string(t)


def test_a_runs_summary_from_arrow_equals_the_frames_and_pandas_reductions():
    from pilotsim.analysis.summary import format_rows, summary_rows
    from tests.conftest import run

    r = run("sim.days=40", "sim.sample_fraction=0.3", "seed=6")
    table = summary_table(r.cases, r.visits, 55.0)
    rows = summary_rows(r.tables["cases"], r.tables["visits"], 55.0)
    pd.testing.assert_frame_equal(
        pd.DataFrame.from_dict(rows, orient="index").rename_axis("profile"), table,
        check_exact=True)
    assert format_rows(rows) == format_summary(table)
    # pandas' own reductions, as the summary made them before
    c, v = r.cases, r.visits
    closed = c["status"].isin(["completed", "abandoned"])
    assert table.loc["all", "satisfaction"] == c["satisfaction"][closed].mean()
    assert table.loc["all", "trips_per_case"] == c["trips"][closed].mean()
    assert table.loc["all", "wait_mean_min"] == v["wait_min"].mean()
    assert table.loc["all", "wait_p90_min"] == v["wait_min"].quantile(0.9)
    done = c["status"] == "completed"
    assert table.loc["all", "one_trip_share"] == (c["trips"][done] <= 1).mean()


def test_means_are_pandas_series_means_bit_for_bit():
    import numpy as np

    from pilotsim.analysis.summary import _mean

    rng = np.random.default_rng(8)
    x = rng.standard_normal(5_001) * 10.0 ** rng.integers(-6, 7, 5_001)
    x[rng.integers(0, 5_001, 300)] = np.nan  # left out of the sum as zeros, as pandas does
    for a in (x, x[:1], x[:0], rng.integers(0, 9, 777).astype(np.int32),
              rng.integers(0, 2, 99).astype(bool), np.array([np.nan])):
        want = pd.Series(a).mean()
        got = _mean(a)
        assert (np.isnan(got) and np.isnan(want)) or got == want
