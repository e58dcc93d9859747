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
