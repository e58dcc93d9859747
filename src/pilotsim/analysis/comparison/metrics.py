"""Per-run outcome metrics, computed with DuckDB straight from the runs' Parquet tables.

Every metric is computed once per run for the whole population (``group_type="overall"``) and
again for each resident profile, for digitally excluded vs not, and for each community, so that
the paired comparison can show who gains. Every measure leaves out the run's warm-up
(``compare.warmup_days``): cases opened and visits made before it. Totals per year (visits,
hours waited and travelled, abandoned cases) are scaled to the whole population (÷ the sample
fraction) and to a year of the measured window; costs per year spread the set-up budget over
``compare.horizon_years``. Runs are read in batches, one DuckDB query per batch
and table, so a sweep of thousands of runs never holds all case tables in memory at once.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Literal

import duckdb
import pandas as pd

from pilotsim.analysis.comparison.runs import Run
from pilotsim.analysis.comparison.settings import CompareSettings

GROUP_TYPES: tuple[str, ...] = ("overall", "profile", "digital", "community")
"""Ways of splitting the residents; ``overall`` has the single group ``"all"``."""


@dataclass(frozen=True)
class Metric:
    """One outcome measured per run.

    Attributes:
        name: Column-safe identifier used in the tables.
        label: Plain-language name for planners.
        unit: Unit of the value (``"share"`` values are fractions 0–1, shown as percent).
        better: ``"lower"`` or ``"higher"``: which direction is an improvement; ``"neither"``
            for a measure that says how residents were served, not how well (the channel
            mix): it gets an interval but no verdict, and no arm is ranked on it.
        definition: Exact definition, as used in the report's notes.
        by_group: Whether the metric is also computed per profile, digital group and community.
    """

    name: str
    label: str
    unit: str
    better: Literal["lower", "higher", "neither"]
    definition: str
    by_group: bool = True

    def format(self, value: float) -> str:
        """Format a value of this metric for people (shares as percent)."""
        if pd.isna(value):
            return "n/a"
        if self.unit == "share":
            return f"{100 * value:.1f}%"
        if self.unit in PER_YEAR_UNITS:
            return f"{value:,.0f}"
        if self.unit == "trips":
            return f"{value:.2f}"
        return f"{value:.1f}"


PER_YEAR_UNITS: tuple[str, ...] = ("visits/year", "hours/year", "cases/year",
                                   "staff-hours/year", "budget units/year")
"""Units of the totals per year (whole population): shown as whole numbers."""

COST_METRICS: tuple[str, ...] = ("staff_hours", "budget")
"""The reform's costs: fixed by its config (no seed noise worth an interval)."""

NEUTRAL_METRICS: tuple[str, ...] = ("online_share",)
"""Measures of how residents were served, not how well (``better="neither"``): no verdict."""

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
    Metric("needs_unmet", "needs unmet", "share", "lower",
           "Needs not pursued (cases.status = not_pursued: the resident did not apply, deterred "
           "by the burden they expected) plus abandoned cases, divided by every need not still "
           "open (0–1, shown as %)."),
    Metric("online_share", "cases handled online", "share", "neither",
           "Closed cases (completed or abandoned) handled through the online channel "
           "(cases.channel = online), divided by closed cases (0–1, shown as %). Neither better "
           "nor worse in itself: a reform that makes the counters cheaper to use draws cases "
           "from online to in person, and an in-person case makes more office visits than an "
           "online one, so trips per case, visits and counter time move with this mix.",
           by_group=False),
    Metric("visits_per_year", "office visits per year", "visits/year", "lower",
           "Office visits (visits.parquet rows) from the warm-up on, for the whole population "
           "(÷ sample fraction), per year of the measured window.", by_group=False),
    Metric("wait_hours_per_year", "hours waited per year", "hours/year", "lower",
           "Sum of visits.wait_min / 60 from the warm-up on, whole population, per year.",
           by_group=False),
    Metric("travel_hours_per_year", "hours travelled per year", "hours/year", "lower",
           "Sum of visits.travel_min / 60 (round trips) from the warm-up on, whole "
           "population, per year: what residents spend getting to the offices, more than "
           "they wait in the default district; a trip saved far from the offices saves more.",
           by_group=False),
    Metric("counter_hours_per_year", "counter time per year", "hours/year", "lower",
           "Sum of visits.service_min / 60 from the warm-up on, whole population, per year: "
           "the offices' workload from the catalogue's services (what their queues wait for).",
           by_group=False),
    Metric("abandoned_per_year", "abandoned cases per year", "cases/year", "lower",
           "Cases opened from the warm-up on that were abandoned, whole population, per year.",
           by_group=False),
    Metric("staff_hours", "staff time per year", "staff-hours/year", "lower",
           "metadata.json cost.staff_hours × 365 / days: staff time the reform costs per year "
           "of the run, at full scale (0 for the baseline).", by_group=False),
    Metric("budget", "budget per year", "budget units/year", "lower",
           "metadata.json cost: setup_budget / compare.horizon_years + (budget − setup_budget) "
           "× 365 / days: set-up annualised over the horizon plus running cost (staff priced) "
           "per year, in the config's currency units (0 for the baseline).", by_group=False),
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
                                AND NOT isnan(c.satisfaction)), 0) AS share_satisfied,
  (count(*) FILTER (WHERE c.status IN ('not_pursued', 'abandoned')))::DOUBLE
      / nullif(count(*) FILTER (WHERE c.status <> 'open'), 0) AS needs_unmet
FROM read_parquet($cases, filename = true) AS c
JOIN batch_runs AS r ON c.filename = r.cases_file
WHERE c.day_opened >= r.warmup
{_sets("r.run_id")}
"""

# each visit with its resident's groups (a visit whose case row is missing keeps the visit's
# community), made once a batch: the table the wait measures and the offices' table group
_VISIT_GROUPS_SQL = """
CREATE OR REPLACE TEMP TABLE c AS
WITH v AS (
  SELECT r.run_id, v.case_id, v.community AS visit_community, v.office,
         CASE WHEN isnan(v.wait_min) THEN NULL ELSE v.wait_min END AS wait_min
  FROM read_parquet($visits, filename = true) AS v
  JOIN batch_runs AS r ON v.filename = r.visits_file
  WHERE v.day >= r.warmup
), k AS (
  SELECT r.run_id, k.case_id, k.profile, k.digitally_excluded, k.community
  FROM read_parquet($cases, filename = true) AS k
  JOIN batch_runs AS r ON k.filename = r.cases_file
)
SELECT v.run_id, v.office, v.wait_min, k.profile, k.digitally_excluded,
       coalesce(k.community, v.visit_community) AS community
FROM v LEFT JOIN k ON v.run_id = k.run_id AND v.case_id = k.case_id
"""

_VISITS_SQL = f"""
SELECT c.run_id, {_GROUPING},
  avg(c.wait_min) AS wait_mean_min,
  quantile_cont(c.wait_min, 0.9) AS wait_p90_min
FROM c
{_sets("c.run_id")}
"""

_OFFICES_SQL = f"""
SELECT c.run_id, {_GROUPING}, c.office,
  count(c.wait_min) AS visits, coalesce(sum(c.wait_min), 0) AS wait_sum
FROM c
GROUP BY GROUPING SETS ((c.run_id, c.office), (c.run_id, c.office, c.profile),
                        (c.run_id, c.office, c.digitally_excluded),
                        (c.run_id, c.office, c.community))
"""

_TOTALS_SQL = """
WITH v AS (
  SELECT r.run_id, count(*) AS visits,
         sum(CASE WHEN isnan(v.wait_min) THEN 0 ELSE v.wait_min END) / 60 AS wait_hours,
         sum(CASE WHEN isnan(v.travel_min) THEN 0 ELSE v.travel_min END) / 60
             AS travel_hours,
         sum(CASE WHEN isnan(v.service_min) THEN 0 ELSE v.service_min END) / 60
             AS counter_hours
  FROM read_parquet($visits, filename = true) AS v
  JOIN batch_runs AS r ON v.filename = r.visits_file
  WHERE v.day >= r.warmup
  GROUP BY r.run_id
), a AS (
  SELECT r.run_id, count(*) FILTER (WHERE c.status = 'abandoned') AS abandoned,
         (count(*) FILTER (WHERE c.status IN ('completed', 'abandoned')
                           AND c.channel = 'online'))::DOUBLE
             / nullif(count(*) FILTER (WHERE c.status IN ('completed', 'abandoned')), 0)
             AS online_share
  FROM read_parquet($cases, filename = true) AS c
  JOIN batch_runs AS r ON c.filename = r.cases_file
  WHERE c.day_opened >= r.warmup
  GROUP BY r.run_id
)
SELECT r.run_id, 'overall' AS group_type, 'all' AS "group",
  coalesce(v.visits, 0) * r.scale AS visits_per_year,
  coalesce(v.wait_hours, 0) * r.scale AS wait_hours_per_year,
  coalesce(v.travel_hours, 0) * r.scale AS travel_hours_per_year,
  coalesce(v.counter_hours, 0) * r.scale AS counter_hours_per_year,
  coalesce(a.abandoned, 0) * r.scale AS abandoned_per_year,
  a.online_share
FROM batch_runs AS r LEFT JOIN v USING (run_id) LEFT JOIN a USING (run_id)
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
WHERE c.status IN ('completed', 'abandoned') AND c.day_opened >= r.warmup
GROUP BY ALL
"""

_WAIT_HIST_SQL = """
SELECT r.run_id, floor(v.wait_min / $width) * $width AS value, count(*) AS n
FROM read_parquet($visits, filename = true) AS v
JOIN batch_runs AS r ON v.filename = r.visits_file
WHERE NOT isnan(v.wait_min) AND v.day >= r.warmup
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
        offices: Where each group queued, summed over each arm's runs: ``arm, world,
            group_type, group, office, visits, wait_sum`` (minutes), from the warm-up on.
    """

    metrics: pd.DataFrame
    weekly: pd.DataFrame
    trips_hist: pd.DataFrame
    wait_hist: pd.DataFrame
    offices: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(
        columns=["arm", "world", "group_type", "group", "office", "visits", "wait_sum"]))


def _batches(runs: Sequence[Run], size: int) -> Iterator[Sequence[Run]]:
    for start in range(0, len(runs), size):
        yield runs[start:start + size]


def _melt(wide: pd.DataFrame, names: Sequence[str]) -> pd.DataFrame:
    return wide.melt(id_vars=["run_id", "group_type", "group"], value_vars=list(names),
                     var_name="metric", value_name="value")


def per_year(run: Run, warmup: int) -> float:
    """Factor from a run's measured window to a year of the whole population.

    ``365 / (days − warmup) / sample_fraction`` (NaN if the run's length is unknown).
    """
    if run.days is None or run.days <= warmup:
        return float("nan")
    return 365.0 / (run.days - warmup) / run.sample_fraction


def annual_costs(run: Run, horizon_years: float) -> tuple[float, float]:
    """A run's ``(staff-hours, budget)`` per year: set-up spread over ``horizon_years``.

    Running costs (everything but ``cost.setup_budget``) are counted per year of the run,
    ``× 365 / days``; the set-up budget is divided by the horizon.
    """
    days = run.days if run.days else 365
    running = run.budget - run.setup_budget
    return (run.staff_hours * 365.0 / days,
            run.setup_budget / horizon_years + running * 365.0 / days)


def summarise_runs(runs: Sequence[Run], batch_size: int = 64,
                   settings: CompareSettings | None = None) -> RunSummaries:
    """Compute every metric for every run (overall and per subgroup) with DuckDB.

    Args:
        runs: Usable runs (complete, with all tables).
        batch_size: Runs read per DuckDB query; bounds memory for large sweeps.
        settings: Warm-up and cost horizon (default: :class:`CompareSettings` defaults).

    Returns:
        The per-run summaries (the weekly series keeps the warm-up, to show it).
    """
    settings = settings or CompareSettings()
    totals = ("visits_per_year", "wait_hours_per_year", "travel_hours_per_year",
              "counter_hours_per_year", "abandoned_per_year", "online_share")
    case_names = [m.name for m in METRICS if m.name not in
                  ("wait_mean_min", "wait_p90_min", *totals, *COST_METRICS)]
    parts: list[pd.DataFrame] = []
    weekly: list[pd.DataFrame] = []
    trips: list[pd.DataFrame] = []
    waits: list[pd.DataFrame] = []
    offices: list[pd.DataFrame] = []
    con = duckdb.connect()
    try:
        for batch in _batches(list(runs), batch_size):
            frame = pd.DataFrame({
                "run_id": [r.run_id for r in batch],
                "cases_file": [str(r.table("cases")) for r in batch],
                "visits_file": [str(r.table("visits")) for r in batch],
                "site_days_file": [str(r.table("site_days")) for r in batch],
                "satisfied_threshold": [r.satisfied_threshold for r in batch],
                "warmup": [settings.warmup_for(r.days) for r in batch],
                "scale": [per_year(r, settings.warmup_for(r.days)) for r in batch],
            })
            con.register("batch_runs", frame)
            files = {"cases": list(frame.cases_file), "visits": list(frame.visits_file)}
            parts.append(_melt(con.execute(_CASES_SQL, {"cases": files["cases"]}).df(),
                               case_names))
            con.execute(_VISIT_GROUPS_SQL, files)
            parts.append(_melt(con.execute(_VISITS_SQL).df(), ["wait_mean_min", "wait_p90_min"]))
            parts.append(_melt(con.execute(_TOTALS_SQL, files).df(), totals))
            weekly.append(con.execute(_WEEKLY_SQL,
                                      {"site_days": list(frame.site_days_file)}).df())
            trips.append(con.execute(_TRIPS_HIST_SQL, {"cases": files["cases"]}).df())
            waits.append(con.execute(_WAIT_HIST_SQL, {"visits": files["visits"],
                                                      "width": WAIT_BIN_MINUTES}).df())
            offices.append(con.execute(_OFFICES_SQL).df())
            con.execute("DROP TABLE c")
            con.unregister("batch_runs")
    finally:
        con.close()

    info = pd.DataFrame({"run_id": [r.run_id for r in runs], "arm": [r.arm for r in runs],
                         "world": [r.world for r in runs], "seed": [r.seed for r in runs]})
    costs = pd.DataFrame({
        "run_id": [r.run_id for r in runs for _ in COST_METRICS],
        "group_type": "overall", "group": "all",
        "metric": list(COST_METRICS) * len(runs),
        "value": [v for r in runs for v in annual_costs(r, settings.horizon_years)],
    })
    metrics = pd.concat([*parts, costs], ignore_index=True)
    metrics["value"] = metrics["value"].astype(float)
    # DuckDB returns GROUP BY rows in whatever order its threads finish: sort, so that the
    # same runs give byte-identical files.
    metrics = (info.merge(metrics, on="run_id")
               [["run_id", "arm", "world", "seed", "group_type", "group", "metric", "value"]]
               .sort_values(["run_id", "group_type", "group", "metric"], kind="stable")
               .reset_index(drop=True))

    def per_arm(chunks: list[pd.DataFrame]) -> pd.DataFrame:
        table = pd.concat(chunks, ignore_index=True) if chunks else pd.DataFrame(
            columns=["run_id", "value", "n"])
        table = info.merge(table, on="run_id")
        return (table.groupby(["arm", "value"], as_index=False)["n"].sum()
                .astype({"n": "int64", "value": float}))

    weekly_table = (info.merge(pd.concat(weekly, ignore_index=True), on="run_id")
                    .sort_values(["run_id", "week"], kind="stable").reset_index(drop=True)) \
        if weekly else pd.DataFrame(columns=["run_id", "arm", "seed", "week",
                                             "satisfaction_mean", "cases_closed"])
    return RunSummaries(metrics=metrics, weekly=weekly_table, trips_hist=per_arm(trips),
                        wait_hist=per_arm(waits), offices=_per_arm_offices(info, offices))


def _per_arm_offices(info: pd.DataFrame, chunks: list[pd.DataFrame]) -> pd.DataFrame:
    """Visits and minutes waited per arm, world, group and office (runs summed)."""
    keys = ["arm", "world", "group_type", "group", "office"]
    if not chunks:
        return pd.DataFrame(columns=[*keys, "visits", "wait_sum"])
    table = info.merge(pd.concat(chunks, ignore_index=True), on="run_id")
    table["world"] = table["world"].fillna("")
    return (table.groupby(keys, as_index=False)[["visits", "wait_sum"]].sum()
            .astype({"visits": "int64", "wait_sum": float}))
