"""Per-run outcome metrics, computed with DuckDB straight from the runs' Parquet tables.

Every metric is computed once per run for the whole population (``group_type="overall"``) and
again for each resident profile, for digitally excluded vs not, and for each community, so that
the paired comparison can show who gains. Runs are read in batches, one DuckDB query per batch
and table, so a sweep of thousands of runs never holds all case tables in memory at once.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Literal

import duckdb
import pandas as pd

from pilotsim.comparison.runs import Run

GROUP_TYPES: tuple[str, ...] = ("overall", "profile", "digital", "community")
"""Ways of splitting the residents; ``overall`` has the single group ``"all"``."""


@dataclass(frozen=True)
class Metric:
    """One outcome measured per run.

    Attributes:
        name: Column-safe identifier used in the tables.
        label: Plain-language name for planners.
        unit: Unit of the value (``"share"`` values are fractions 0–1, shown as percent).
        better: ``"lower"`` or ``"higher"``: which direction is an improvement.
        definition: Exact definition, as used in the report's notes.
        by_group: Whether the metric is also computed per profile, digital group and community.
    """

    name: str
    label: str
    unit: str
    better: Literal["lower", "higher"]
    definition: str
    by_group: bool = True

    def format(self, value: float) -> str:
        """Format a value of this metric for people (shares as percent)."""
        if pd.isna(value):
            return "n/a"
        if self.unit == "share":
            return f"{100 * value:.1f}%"
        if self.unit in ("staff-hours", "budget units"):
            return f"{value:,.0f}"
        if self.unit == "trips":
            return f"{value:.2f}"
        return f"{value:.1f}"


METRICS: tuple[Metric, ...] = (
    Metric("trips_per_case", "trips per case", "trips", "lower",
           "Mean number of office visits (cases.trips) over closed cases (status completed or "
           "abandoned); open cases are left out."),
    Metric("one_trip_share", "one-trip cases", "share", "higher",
           "Completed cases with trips <= 1, divided by all completed cases (0–1, shown as %)."),
    Metric("wasted_trips_per_case", "wasted trips per case", "trips", "lower",
           "Mean of cases.wasted_trips over closed cases: visits to the wrong office, without a "
           "document, hit by an office error, or still queuing at closing time."),
    Metric("wait_mean_min", "mean wait per visit", "minutes", "lower",
           "Mean of visits.wait_min over all office visits of the run (any outcome)."),
    Metric("wait_p90_min", "90th-percentile wait per visit", "minutes", "lower",
           "90th percentile (linear interpolation) of visits.wait_min over all office visits."),
    Metric("days_to_completion", "time to completion", "days", "lower",
           "Mean of cases.duration_days over completed cases (abandoned and open cases are "
           "left out)."),
    Metric("satisfaction_mean", "satisfaction", "points (0–100)", "higher",
           "Mean of cases.satisfaction over closed cases (0–100 scale)."),
    Metric("abandonment_rate", "abandonment rate", "share", "lower",
           "Abandoned cases divided by closed cases (completed + abandoned), 0–1, shown as %."),
    Metric("share_satisfied", "share satisfied", "share", "higher",
           "Closed cases with cases.satisfaction at or above the run's "
           "behaviour.satisfaction.satisfied_threshold (default 60 of 100: the top two answers "
           "of a five-point survey scale), divided by closed cases with a score; comparable "
           "to a survey's share satisfied."),
    Metric("staff_hours", "staff time", "staff-hours", "lower",
           "metadata.json cost.staff_hours: staff time the reform costs over the run (0 for the "
           "baseline).", by_group=False),
    Metric("budget", "budget", "budget units", "lower",
           "metadata.json cost.budget: money the reform costs over the run, in the config's "
           "currency units (0 for the baseline).", by_group=False),
)
"""All metrics, in report order."""

METRICS_BY_NAME: dict[str, Metric] = {m.name: m for m in METRICS}

_GROUPING = """
    CASE WHEN grouping(c.profile) = 0 THEN 'profile'
         WHEN grouping(c.digitally_excluded) = 0 THEN 'digital'
         WHEN grouping(c.community) = 0 THEN 'community'
         ELSE 'overall' END AS group_type,
    CASE WHEN grouping(c.profile) = 0 THEN c.profile
         WHEN grouping(c.digitally_excluded) = 0 THEN
              CASE WHEN c.digitally_excluded THEN 'digitally excluded'
                   ELSE 'not digitally excluded' END
         WHEN grouping(c.community) = 0 THEN c.community
         ELSE 'all' END AS "group"
"""


def _sets(run_id: str) -> str:
    return (f"GROUP BY GROUPING SETS (({run_id}), ({run_id}, c.profile), "
            f"({run_id}, c.digitally_excluded), ({run_id}, c.community))")



_CASES_SQL = f"""
SELECT r.run_id, {_GROUPING},
  avg(c.trips) FILTER (WHERE c.status IN ('completed', 'abandoned')) AS trips_per_case,
  (count(*) FILTER (WHERE c.status = 'completed' AND c.trips <= 1))::DOUBLE
      / nullif(count(*) FILTER (WHERE c.status = 'completed'), 0) AS one_trip_share,
  avg(c.wasted_trips) FILTER (WHERE c.status IN ('completed', 'abandoned'))
      AS wasted_trips_per_case,
  avg(c.duration_days) FILTER (WHERE c.status = 'completed') AS days_to_completion,
  avg(CASE WHEN isnan(c.satisfaction) THEN NULL ELSE c.satisfaction END)
      FILTER (WHERE c.status IN ('completed', 'abandoned')) AS satisfaction_mean,
  (count(*) FILTER (WHERE c.status = 'abandoned'))::DOUBLE
      / nullif(count(*) FILTER (WHERE c.status IN ('completed', 'abandoned')), 0)
      AS abandonment_rate,
  (count(*) FILTER (WHERE c.status IN ('completed', 'abandoned')
                    AND NOT isnan(c.satisfaction)  -- DuckDB orders NaN above any number
                    AND c.satisfaction >= r.satisfied_threshold))::DOUBLE
      / nullif(count(*) FILTER (WHERE c.status IN ('completed', 'abandoned')
                                AND NOT isnan(c.satisfaction)), 0) AS share_satisfied
FROM read_parquet($cases, filename = true) AS c
JOIN batch_runs AS r ON c.filename = r.cases_file
{_sets("r.run_id")}
"""

_VISITS_SQL = f"""
WITH v AS (
  SELECT r.run_id, v.case_id, v.community AS visit_community,
         CASE WHEN isnan(v.wait_min) THEN NULL ELSE v.wait_min END AS wait_min
  FROM read_parquet($visits, filename = true) AS v
  JOIN batch_runs AS r ON v.filename = r.visits_file
), k AS (
  SELECT r.run_id, k.case_id, k.profile, k.digitally_excluded, k.community
  FROM read_parquet($cases, filename = true) AS k
  JOIN batch_runs AS r ON k.filename = r.cases_file
), c AS (
  SELECT v.run_id, v.wait_min, k.profile, k.digitally_excluded,
         coalesce(k.community, v.visit_community) AS community
  FROM v LEFT JOIN k ON v.run_id = k.run_id AND v.case_id = k.case_id
)
SELECT c.run_id, {_GROUPING},
  avg(c.wait_min) AS wait_mean_min,
  quantile_cont(c.wait_min, 0.9) AS wait_p90_min
FROM c
{_sets("c.run_id")}
"""

_WEEKLY_SQL = """
SELECT r.run_id, s.day // 7 AS week,
  sum(s.satisfaction_mean * s.cases_closed)
      FILTER (WHERE s.cases_closed > 0 AND NOT isnan(s.satisfaction_mean))
  / nullif(sum(s.cases_closed)
      FILTER (WHERE s.cases_closed > 0 AND NOT isnan(s.satisfaction_mean)), 0)
      AS satisfaction_mean,
  sum(s.cases_closed) AS cases_closed
FROM read_parquet($site_days, filename = true) AS s
JOIN batch_runs AS r ON s.filename = r.site_days_file
GROUP BY ALL
"""

_TRIPS_HIST_SQL = """
SELECT r.run_id, c.trips AS value, count(*) AS n
FROM read_parquet($cases, filename = true) AS c
JOIN batch_runs AS r ON c.filename = r.cases_file
WHERE c.status IN ('completed', 'abandoned')
GROUP BY ALL
"""

_WAIT_HIST_SQL = """
SELECT r.run_id, floor(v.wait_min / $width) * $width AS value, count(*) AS n
FROM read_parquet($visits, filename = true) AS v
JOIN batch_runs AS r ON v.filename = r.visits_file
WHERE NOT isnan(v.wait_min)
GROUP BY ALL
"""

WAIT_BIN_MINUTES = 5.0
"""Width of the wait-time bins kept for the distribution figure."""


@dataclass(frozen=True)
class RunSummaries:
    """Everything the comparison needs from the runs, already reduced per run.

    Attributes:
        metrics: Long table, one row per run × group × metric: ``run_id, arm, world, seed,
            group_type, group, metric, value`` (``world``: see :class:`~.runs.Run`).
        weekly: Satisfaction per run and week: ``run_id, arm, seed, week, satisfaction_mean,
            cases_closed`` (closed-case-weighted mean of ``site_days.satisfaction_mean``).
        trips_hist: Closed cases per arm by number of trips: ``arm, value, n``.
        wait_hist: Visits per arm by wait bin (``value`` = bin start, minutes): ``arm, value, n``.
    """

    metrics: pd.DataFrame
    weekly: pd.DataFrame
    trips_hist: pd.DataFrame
    wait_hist: pd.DataFrame


def _batches(runs: Sequence[Run], size: int) -> Iterator[Sequence[Run]]:
    for start in range(0, len(runs), size):
        yield runs[start:start + size]


def _melt(wide: pd.DataFrame, names: Sequence[str]) -> pd.DataFrame:
    return wide.melt(id_vars=["run_id", "group_type", "group"], value_vars=list(names),
                     var_name="metric", value_name="value")


def summarise_runs(runs: Sequence[Run], batch_size: int = 64) -> RunSummaries:
    """Compute every metric for every run (overall and per subgroup) with DuckDB.

    Args:
        runs: Usable runs (complete, with all tables).
        batch_size: Runs read per DuckDB query; bounds memory for large sweeps.

    Returns:
        The per-run summaries.
    """
    case_names = [m.name for m in METRICS if m.name not in
                  ("wait_mean_min", "wait_p90_min", "staff_hours", "budget")]
    parts: list[pd.DataFrame] = []
    weekly: list[pd.DataFrame] = []
    trips: list[pd.DataFrame] = []
    waits: list[pd.DataFrame] = []
    con = duckdb.connect()
    try:
        for batch in _batches(list(runs), batch_size):
            frame = pd.DataFrame({
                "run_id": [r.run_id for r in batch],
                "cases_file": [str(r.table("cases")) for r in batch],
                "visits_file": [str(r.table("visits")) for r in batch],
                "site_days_file": [str(r.table("site_days")) for r in batch],
                "satisfied_threshold": [r.satisfied_threshold for r in batch],
            })
            con.register("batch_runs", frame)
            files = {"cases": list(frame.cases_file), "visits": list(frame.visits_file)}
            parts.append(_melt(con.execute(_CASES_SQL, {"cases": files["cases"]}).df(),
                               case_names))
            parts.append(_melt(con.execute(_VISITS_SQL, files).df(),
                               ["wait_mean_min", "wait_p90_min"]))
            weekly.append(con.execute(_WEEKLY_SQL,
                                      {"site_days": list(frame.site_days_file)}).df())
            trips.append(con.execute(_TRIPS_HIST_SQL, {"cases": files["cases"]}).df())
            waits.append(con.execute(_WAIT_HIST_SQL, {"visits": files["visits"],
                                                      "width": WAIT_BIN_MINUTES}).df())
            con.unregister("batch_runs")
    finally:
        con.close()

    info = pd.DataFrame({"run_id": [r.run_id for r in runs], "arm": [r.arm for r in runs],
                         "world": [r.world for r in runs], "seed": [r.seed for r in runs]})
    costs = pd.DataFrame({
        "run_id": [r.run_id for r in runs for _ in (0, 1)],
        "group_type": "overall", "group": "all",
        "metric": ["staff_hours", "budget"] * len(runs),
        "value": [v for r in runs for v in (r.staff_hours, r.budget)],
    })
    metrics = pd.concat([*parts, costs], ignore_index=True)
    metrics["value"] = metrics["value"].astype(float)
    metrics = info.merge(metrics, on="run_id")[
        ["run_id", "arm", "world", "seed", "group_type", "group", "metric", "value"]]

    def per_arm(chunks: list[pd.DataFrame]) -> pd.DataFrame:
        table = pd.concat(chunks, ignore_index=True) if chunks else pd.DataFrame(
            columns=["run_id", "value", "n"])
        table = info.merge(table, on="run_id")
        return (table.groupby(["arm", "value"], as_index=False)["n"].sum()
                .astype({"n": "int64", "value": float}))

    weekly_table = info.merge(pd.concat(weekly, ignore_index=True), on="run_id") if weekly \
        else pd.DataFrame(columns=["run_id", "arm", "seed", "week", "satisfaction_mean",
                                   "cases_closed"])
    return RunSummaries(metrics=metrics, weekly=weekly_table, trips_hist=per_arm(trips),
                        wait_hist=per_arm(waits))
