"""The targets' measures computed from a run's tables, the way the targets define them.

:func:`simulated_measures` gives, for each target row, the simulated value beside the observed
one, and what the likelihood needs from the simulation: the number of cases or visits behind
the simulated figure and, for means, their standard deviation.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from pilotsim.analysis.calibration.targets import MEASURES, Target
from pilotsim.sim import runfolder
from pilotsim.spec import RunSpec

COLUMNS = ("row", "measure", "group", "period", "observed", "n", "se", "simulated", "sim_n",
           "sim_sd", "months")
"""Columns of :func:`simulated_measures`' table."""


def _visits_with_case_groups(cases: pd.DataFrame, visits: pd.DataFrame) -> pd.DataFrame:
    """Visits with the profile and district of their case's resident."""
    who = cases[["case_id", "profile", "district"]]
    out = visits.merge(who, on="case_id", how="left")
    for col in ("profile", "district", "office", "community", "service"):
        out[col] = out[col].astype(str)
    return out


def _closed(cases: pd.DataFrame, t: Target) -> pd.DataFrame:
    closed = cases[cases["status"] != "open"]
    return closed[closed["day_closed"].between(t.first_day, t.last_day)]


def _value(t: Target, cases: pd.DataFrame, visits: pd.DataFrame, spec: RunSpec
           ) -> tuple[float, int, float]:
    """(simulated value, cases or visits behind it, their SD for means) for one target."""
    measure = MEASURES[t.measure]
    table = visits if measure.table == "visits" else cases
    if t.group_name is not None:
        table = table[table[t.group_type] == t.group_name]
    nan = float("nan")
    if measure.table == "visits":
        v = table[table["day"].between(t.first_day, t.last_day)]
        if t.measure == "wait_mean_min":
            waits = v["wait_min"].dropna()
            return (float(waits.mean()) if len(waits) else nan, len(waits),
                    float(waits.std(ddof=1)) if len(waits) > 1 else nan)
        return len(v) / t.months / spec.sim.sample_fraction, len(v), nan  # visits_per_month
    if t.measure == "cases_per_month":
        opened = table[table["day_opened"].between(t.first_day, t.last_day)]
        return len(opened) / t.months / spec.sim.sample_fraction, len(opened), nan
    closed = _closed(table, t)
    if t.measure in ("trips_per_case", "satisfaction_mean"):
        x = closed["trips" if t.measure == "trips_per_case" else "satisfaction"].dropna()
        return (float(x.mean()) if len(x) else nan, len(x),
                float(x.std(ddof=1)) if len(x) > 1 else nan)
    if t.measure == "one_trip_share":
        base = closed[closed["status"] == "completed"]
        hit = base["trips"] <= 1
    elif t.measure == "share_satisfied":
        base = closed[closed["satisfaction"].notna()]
        hit = base["satisfaction"] >= spec.behaviour.satisfaction.satisfied_threshold
    elif t.measure == "online_share":
        base, hit = closed, closed["channel"] == "online"
    else:  # abandonment_rate
        base, hit = closed, closed["status"] == "abandoned"
    return (float(hit.mean()) if len(base) else nan), len(base), nan


def simulated_measures(targets: Sequence[Target], cases: pd.DataFrame, visits: pd.DataFrame,
                       spec: RunSpec) -> pd.DataFrame:
    """Each target's measure computed from one run's tables.

    Args:
        targets: Validated targets (:func:`~pilotsim.analysis.calibration.targets.read_targets`).
        cases: The run's case table.
        visits: The run's visit table.
        spec: The run's spec (sample fraction, satisfied threshold).

    Returns:
        One row per target, columns :data:`COLUMNS`: the observed value and its ``n``/``se``,
        the ``simulated`` value (NaN if the run has no case or visit in the group and
        period), ``sim_n`` (cases or visits behind it), ``sim_sd`` (their standard
        deviation, for means) and ``months`` (the period's length).
    """
    cases = cases.copy()
    for col in ("profile", "district", "community", "service", "status", "channel"):
        cases[col] = cases[col].astype(str)
    visits = _visits_with_case_groups(cases, visits)
    rows = []
    for t in targets:
        value, n_sim, sd = _value(t, cases, visits, spec)
        rows.append((t.row, t.measure, t.group, t.period, t.value,
                     np.nan if t.n is None else t.n, np.nan if t.se is None else t.se,
                     value, n_sim, sd, t.months))
    return pd.DataFrame(rows, columns=list(COLUMNS))


def run_measures(targets: Sequence[Target], folder: str | Path, spec: RunSpec) -> pd.DataFrame:
    """:func:`simulated_measures` for a run folder's tables."""
    tables = runfolder.read_tables(Path(folder))
    return simulated_measures(targets, tables["cases"], tables["visits"], spec)
