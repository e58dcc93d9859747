"""Turn one run's ``site_days`` table into the site-by-period panel an evaluator analyses.

A *period* is a block of ``period_days`` consecutive days starting at ``origin_day`` (the first
day in the table unless given): period ``p`` covers days
``[origin_day + p * period_days, origin_day + (p + 1) * period_days)``.

Outcome definitions (sums run over the days of the period, for the community's residents):

``trips_per_case``
    office visits made during the period / cases closed during the period. It is a *flow*
    ratio, not the mean over closed cases of their trips: a visit counts in the period it is
    made, its case may close later. Over periods much longer than a case's duration the two
    agree; both arms of a comparison use the same definition. NaN if no case closed.
``wasted_trips_per_case``
    wasted visits during the period / cases closed during the period (same caveat).
``one_trip_share``
    cases completed with at most one trip / cases completed (the "at most one trip" rate
    among completed cases, as Zhejiang reports it). NaN if no case was completed.
``wait_min``
    mean queue wait per visit: the days' ``wait_min_mean`` weighted by the days' ``trips``
    (exactly the visit-weighted mean when ``trips`` counts the visits the daily mean is taken
    over, as the contract implies). NaN if no visit.
``satisfaction``
    mean satisfaction of closed cases: the days' ``satisfaction_mean`` weighted by the days'
    ``cases_closed``. NaN if no case closed.
``abandonment_rate``
    cases abandoned / cases closed. NaN if no case closed.

``weight`` is the number of cases closed in the period (the natural precision weight of the
per-case outcomes). Treatment is coded by period: a site's ``first_treated_period`` is the
period that contains its treatment start day (NaN if never treated), and ``treated`` is 1 from
that period on. A start day that is not on a period boundary makes that period only partly
treated; :func:`build_panel` warns about it (choose ``origin_day``/``period_days`` so that
start days fall on boundaries).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from pilotsim.analysis.evaluation._checks import require_columns, require_positive_int

#: Columns of ``site_days.parquet`` (run-folder contract v1) that the panel needs.
SITE_DAYS_COLUMNS: tuple[str, ...] = (
    "day",
    "community",
    "district",
    "cases_opened",
    "cases_closed",
    "cases_completed",
    "cases_abandoned",
    "one_trip_cases",
    "trips",
    "wasted_trips",
    "wait_min_mean",
    "satisfaction_mean",
)

#: Outcome columns that :func:`build_panel` computes.
OUTCOMES: tuple[str, ...] = (
    "trips_per_case",
    "wasted_trips_per_case",
    "one_trip_share",
    "wait_min",
    "satisfaction",
    "abandonment_rate",
)

#: For each outcome, whether a higher value is better for residents (for decision rules).
HIGHER_IS_BETTER: dict[str, bool] = {
    "trips_per_case": False,
    "wasted_trips_per_case": False,
    "one_trip_share": True,
    "wait_min": False,
    "satisfaction": True,
    "abandonment_rate": False,
}

_COUNTS = (
    "cases_opened",
    "cases_closed",
    "cases_completed",
    "cases_abandoned",
    "one_trip_cases",
    "trips",
    "wasted_trips",
)


@dataclass(frozen=True)
class Panel:
    """A site-by-period panel and what was done to build it.

    Attributes:
        data: One row per site and period with columns ``site``, ``district``, ``period``,
            ``first_day``, the summed counts, the outcomes in :data:`OUTCOMES`, ``weight``,
            ``first_treated_day``, ``first_treated_period`` (float, NaN if never treated),
            ``treated`` (0/1) and ``event_time`` (period - first_treated_period, NaN if never).
        period_days: Days per period.
        origin_day: First day of period 0.
        n_periods: Number of (complete) periods kept.
        dropped_days: Days of the table not in any kept period (a trailing incomplete
            period), as a sorted tuple.
        notes: Human-readable notes on what was dropped or approximated.
    """

    data: pd.DataFrame
    period_days: int
    origin_day: int
    n_periods: int
    dropped_days: tuple[int, ...]
    notes: tuple[str, ...]


def _check_schedule(
    schedule: Mapping[str, int | None], communities: set[str], last_day: int
) -> dict[str, int | None]:
    if not isinstance(schedule, Mapping):
        raise ValueError(
            f"schedule: expected a mapping {{community: first treated day or None}}, "
            f"got {type(schedule).__name__}"
        )
    out: dict[str, int | None] = {}
    for site, day in schedule.items():
        if site not in communities:
            raise ValueError(
                f"schedule[{site!r}]: unknown community {site!r}; expected one of the "
                f"{len(communities)} communities in site_days (e.g. {sorted(communities)[:5]})"
            )
        if day is None or (isinstance(day, float) and math.isnan(day)):
            out[site] = None
            continue
        if isinstance(day, bool) or not isinstance(day, int | np.integer) or day < 0:
            raise ValueError(
                f"schedule[{site!r}]={day!r}: expected a non-negative integer day or None"
            )
        if day > last_day:
            raise ValueError(
                f"schedule[{site!r}]={day!r}: treatment starts after the panel ends; expected "
                f"a start day <= {last_day}, the last day of the last complete period"
            )
        out[site] = int(day)
    return out


def build_panel(
    site_days: pd.DataFrame,
    schedule: Mapping[str, int | None],
    period_days: int = 28,
    *,
    origin_day: int | None = None,
) -> Panel:
    """Aggregate a run's ``site_days`` into a site-by-period panel with treatment coding.

    Args:
        site_days: The run's ``site_days`` table (contract v1): one row per community and day.
        schedule: ``{community: first treated day or None}`` (the run metadata's
            ``treatment``). Communities not listed are never treated.
        period_days: Days per period (e.g. 28).
        origin_day: First day of period 0; defaults to the first day in the table. Earlier
            days are dropped.

    Returns:
        The panel, with notes on dropped days and partly treated periods.

    Raises:
        ValueError: On an empty table, missing columns, duplicate or missing site-days, a
            non-positive period length, fewer days than one period, an unknown community in
            the schedule, or a start day that is negative or after the last complete period.
    """
    require_columns(site_days, SITE_DAYS_COLUMNS, "site_days")
    period_days = require_positive_int("period_days", period_days)
    df = site_days.loc[:, list(SITE_DAYS_COLUMNS)].copy()
    df["day"] = df["day"].astype("int64")
    df["community"] = df["community"].astype(str)
    dup = df.duplicated(["community", "day"])
    if dup.any():
        row = df.loc[dup].iloc[0]
        raise ValueError(
            f"site_days: duplicate row for community={row['community']!r}, day={row['day']}; "
            "expected one row per community per day"
        )
    first_day = int(df["day"].min()) if origin_day is None else int(origin_day)
    notes: list[str] = []
    if origin_day is not None and (df["day"] < first_day).any():
        n_early = int(df.loc[df["day"] < first_day, "day"].nunique())
        notes.append(f"dropped {n_early} day(s) before origin_day={first_day}")
        df = df[df["day"] >= first_day]
    last_day_in_table = int(df["day"].max()) if len(df) else first_day - 1
    n_periods = (last_day_in_table - first_day + 1) // period_days
    if n_periods < 1:
        raise ValueError(
            f"period_days={period_days}: the table covers days {first_day}..{last_day_in_table}"
            f" ({last_day_in_table - first_day + 1} day(s)); expected at least one full period"
        )
    end_day = first_day + n_periods * period_days  # exclusive
    dropped = tuple(int(d) for d in sorted(df.loc[df["day"] >= end_day, "day"].unique()))
    if dropped:
        notes.append(
            f"dropped trailing incomplete period: days {dropped[0]}..{dropped[-1]} "
            f"({len(dropped)} < period_days={period_days})"
        )
        warnings.warn(notes[-1], UserWarning, stacklevel=2)
        df = df[df["day"] < end_day]
    sites = sorted(df["community"].unique())
    per_site = df.groupby("community")["day"].nunique()
    short = per_site[per_site < n_periods * period_days]
    if len(short):
        raise ValueError(
            f"site_days: community {short.index[0]!r} has {int(short.iloc[0])} of "
            f"{n_periods * period_days} days in {first_day}..{end_day - 1}; expected every "
            "community on every day"
        )
    sched = _check_schedule(schedule, set(sites), end_day - 1)

    df["period"] = (df["day"] - first_day) // period_days
    df["_wait_x_trips"] = np.where(df["trips"] > 0, df["wait_min_mean"] * df["trips"], 0.0)
    df["_wait_trips"] = np.where((df["trips"] > 0) & df["wait_min_mean"].notna(), df["trips"], 0)
    df["_wait_x_trips"] = df["_wait_x_trips"].fillna(0.0)
    df["_sat_x_closed"] = np.where(
        df["cases_closed"] > 0, df["satisfaction_mean"] * df["cases_closed"], 0.0
    )
    df["_sat_closed"] = np.where(
        (df["cases_closed"] > 0) & df["satisfaction_mean"].notna(), df["cases_closed"], 0
    )
    df["_sat_x_closed"] = df["_sat_x_closed"].fillna(0.0)
    sums = [*_COUNTS, "_wait_x_trips", "_wait_trips", "_sat_x_closed", "_sat_closed"]
    panel = (
        df.groupby(["community", "period"], sort=True)
        .agg(district=("district", "first"), **{c: (c, "sum") for c in sums})
        .reset_index()
        .rename(columns={"community": "site"})
    )
    closed = panel["cases_closed"].astype(float).where(panel["cases_closed"] > 0)
    completed = panel["cases_completed"].astype(float).where(panel["cases_completed"] > 0)
    panel["trips_per_case"] = panel["trips"] / closed
    panel["wasted_trips_per_case"] = panel["wasted_trips"] / closed
    panel["one_trip_share"] = panel["one_trip_cases"] / completed
    panel["wait_min"] = panel["_wait_x_trips"] / panel["_wait_trips"].where(
        panel["_wait_trips"] > 0
    )
    panel["satisfaction"] = panel["_sat_x_closed"] / panel["_sat_closed"].where(
        panel["_sat_closed"] > 0
    )
    panel["abandonment_rate"] = panel["cases_abandoned"] / closed
    panel["weight"] = panel["cases_closed"].astype(float)
    panel = panel.drop(columns=["_wait_x_trips", "_wait_trips", "_sat_x_closed", "_sat_closed"])
    panel.insert(2, "first_day", first_day + panel["period"] * period_days)

    first_period: dict[str, int | None] = {}
    misaligned = []
    for site in sites:
        day = sched.get(site)
        if day is None:
            first_period[site] = None
            continue
        if day < first_day:
            first_period[site] = 0  # treated before the panel starts: no pre-period
            notes.append(f"site {site!r} is treated from day {day}, before the panel starts")
            continue
        first_period[site] = (day - first_day) // period_days
        if (day - first_day) % period_days:
            misaligned.append(site)
    if misaligned:
        notes.append(
            f"{len(misaligned)} site(s) start treatment inside a period (e.g. {misaligned[0]!r} "
            f"on day {sched[misaligned[0]]}); that period is coded treated but is partly "
            "untreated"
        )
        warnings.warn(notes[-1], UserWarning, stacklevel=2)
    panel["first_treated_day"] = panel["site"].map(
        lambda s: np.nan if sched.get(s) is None else float(sched[s])
    )
    panel = assign_treatment(panel, first_period)
    n_empty = int((panel["cases_closed"] == 0).sum())
    if n_empty:
        notes.append(f"{n_empty} site-period(s) with no closed case: per-case outcomes are NaN")
    return Panel(
        data=panel,
        period_days=period_days,
        origin_day=first_day,
        n_periods=n_periods,
        dropped_days=dropped,
        notes=tuple(notes),
    )


def assign_treatment(
    panel: pd.DataFrame,
    first_treated_period: Mapping[str, int | None],
    *,
    site: str = "site",
    period: str = "period",
) -> pd.DataFrame:
    """Return a copy of ``panel`` with treatment columns set from a period schedule.

    Sets ``first_treated_period`` (float, NaN if never), ``treated`` (0/1) and
    ``event_time`` (period - first treated period, NaN if never). Sites not in the mapping are
    never treated. Used by :func:`build_panel` and for placebo assignments.

    Args:
        panel: A tidy panel with site and period columns.
        first_treated_period: ``{site: first treated period or None}``.
        site: Name of the site column.
        period: Name of the period column.

    Returns:
        A new DataFrame with the three treatment columns replaced.

    Raises:
        ValueError: If a key is not a site of the panel or a period is not an integer.
    """
    require_columns(panel, (site, period), "panel")
    known = set(panel[site].unique())
    g: dict[object, float] = {}
    for key, value in first_treated_period.items():
        if key not in known:
            raise ValueError(
                f"first_treated_period[{key!r}]: unknown site {key!r}; expected one of the "
                f"{len(known)} sites of the panel"
            )
        if value is None or (isinstance(value, float) and math.isnan(value)):
            g[key] = np.nan
        elif isinstance(value, bool) or not isinstance(value, int | np.integer):
            raise ValueError(
                f"first_treated_period[{key!r}]={value!r}: expected an integer period or None"
            )
        else:
            g[key] = float(value)
    out = panel.copy()
    out["first_treated_period"] = out[site].map(g).astype(float)
    per = out[period].astype(float)
    out["treated"] = (per >= out["first_treated_period"]).astype("int64")
    out["event_time"] = per - out["first_treated_period"]
    return out
