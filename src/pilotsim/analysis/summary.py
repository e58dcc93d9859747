"""The short summary table a run prints at the end (overall and by resident profile)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from pilotsim.spec import Satisfaction

SATISFIED_THRESHOLD = Satisfaction.satisfied_threshold
"""The default of ``behaviour.satisfaction.satisfied_threshold``."""


def summary_table(cases: pd.DataFrame, visits: pd.DataFrame,
                  satisfied_threshold: float = SATISFIED_THRESHOLD) -> pd.DataFrame:
    """Headline figures overall and by profile.

    Columns: needs (every need, a row of the case table), cases (needs pursued),
    trips_per_case (closed cases), one_trip_share (completed cases done in at most one trip),
    wasted_per_case, wait_mean_min and wait_p90_min (per visit), satisfaction (closed cases,
    0–100), share_satisfied (closed cases scored at or above ``satisfied_threshold``, the
    run's ``behaviour.satisfaction.satisfied_threshold``), abandonment (abandoned / closed),
    needs_unmet (needs not pursued or abandoned / needs not still open).
    """
    # Each status test once, as an array, and each group's rows of a column picked by one
    # mask: filtering whole frames by profile, and a categorical's isin (which converts its
    # labels each call), were most of the summary's time. The same rows, in the same order,
    # go into the same pandas reductions.
    status = cases["status"]
    is_closed = status.isin(["completed", "abandoned"]).to_numpy()
    is_completed = (status == "completed").to_numpy()
    is_settled = (status != "open").to_numpy()
    is_pursued = (status != "not_pursued").to_numpy()
    is_unmet = status.isin(["not_pursued", "abandoned"]).to_numpy()
    is_abandoned = status == "abandoned"
    trips, wasted = cases["trips"], cases["wasted_trips"]
    scores = cases[["satisfaction"]]
    profile = cases["profile"]
    wait = visits["wait_min"]
    visit_profile = _visit_profiles(cases, visits)
    groups = [("all", np.ones(len(cases), dtype=bool), np.ones(len(visits), dtype=bool))] + [
        (str(p), (profile == p).to_numpy(), visit_profile == i)
        for i, p in enumerate(profile.cat.categories)]
    rows = {}
    for name, in_group, its_visits in groups:
        closed = in_group & is_closed
        done = in_group & is_completed
        settled = int((in_group & is_settled).sum())
        unmet = int((in_group & is_unmet).sum())
        n_closed = int(closed.sum())
        vv = wait[its_visits]
        rows[name] = {
            "needs": int(in_group.sum()),
            "cases": int((in_group & is_pursued).sum()),
            "trips_per_case": trips[closed].mean(),
            "one_trip_share": (trips[done] <= 1).mean() if done.any() else float("nan"),
            "wasted_per_case": wasted[closed].mean(),
            "wait_mean_min": vv.mean(),
            "wait_p90_min": vv.quantile(0.9) if len(vv) else float("nan"),
            "satisfaction": scores["satisfaction"][closed].mean(),
            "share_satisfied": share_satisfied(scores[closed], satisfied_threshold),
            "abandonment": is_abandoned[closed].mean() if n_closed else float("nan"),
            "needs_unmet": unmet / settled if settled else float("nan"),
        }
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis("profile")


def _visit_profiles(cases: pd.DataFrame, visits: pd.DataFrame) -> np.ndarray:
    """Each visit's case's profile as a code of ``cases["profile"]`` (-1: case not in ``cases``).

    A run's case table has each case at row ``case_id``: the codes are then read by position;
    any other table (a filtered one) is joined on ``case_id``.
    """
    codes = cases["profile"].cat.codes.to_numpy()
    case_id = cases["case_id"].to_numpy()
    wanted = visits["case_id"].to_numpy()
    n = len(codes)
    if np.array_equal(case_id, np.arange(n)) and (wanted.size == 0 or (
            wanted.min() >= 0 and wanted.max() < n)):
        return codes[wanted]
    joined = visits[["case_id"]].merge(cases[["case_id", "profile"]], on="case_id", how="left")
    return joined["profile"].cat.codes.to_numpy()


def share_satisfied(closed: pd.DataFrame, threshold: float) -> float:
    """Share of closed cases with a satisfaction score at or above ``threshold`` (NaN if none).

    Cases without a score are left out, as a survey leaves out those it could not ask.
    """
    scored = closed["satisfaction"].dropna()
    return float((scored >= threshold).mean()) if len(scored) else float("nan")


def format_summary(table: pd.DataFrame) -> str:
    """The summary as aligned plain text."""
    fmt = {"needs": "{:,.0f}", "cases": "{:,.0f}", "trips_per_case": "{:.2f}",
           "one_trip_share": "{:.1%}",
           "wasted_per_case": "{:.2f}", "wait_mean_min": "{:.1f}", "wait_p90_min": "{:.1f}",
           "satisfaction": "{:.1f}", "share_satisfied": "{:.1%}", "abandonment": "{:.1%}",
           "needs_unmet": "{:.1%}"}
    shown = table.copy().astype(object)
    for col, f in fmt.items():
        shown[col] = [("–" if pd.isna(x) else f.format(x)) for x in table[col]]
    return shown.to_string()
