"""Small result records returned by the estimators."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import pandas as pd


@dataclass(frozen=True)
class Estimate:
    """One scalar treatment-effect estimate with its inference.

    Attributes:
        estimate: The point estimate (outcome units).
        se: Its standard error (cluster-robust by site).
        ci_low: Lower end of the confidence interval.
        ci_high: Upper end of the confidence interval.
        p_value: Two-sided p-value for a zero effect.
        n_sites: Sites (clusters) used.
        n_periods: Periods used.
        n_obs: Site-period observations used.
        n_dropped: Site-period rows dropped because the outcome (or weight) was missing.
        method: Short name of the estimator.
        outcome: The outcome column estimated.
        alpha: Significance level of the interval (0.05 for a 95% CI).
    """

    estimate: float
    se: float
    ci_low: float
    ci_high: float
    p_value: float
    n_sites: int
    n_periods: int
    n_obs: int
    n_dropped: int
    method: str
    outcome: str
    alpha: float = 0.05

    def to_dict(self) -> dict[str, object]:
        """Return the fields as a plain dict (one row of a results table)."""
        return asdict(self)


@dataclass(frozen=True)
class EventStudy:
    """Effects by event time (periods since adoption) with pointwise inference.

    Attributes:
        table: One row per event time: ``event_time``, ``estimate``, ``se``, ``ci_low``,
            ``ci_high``, ``p_value`` and ``binned`` (True for an endpoint bin that also holds
            all more distant event times). The reference period has estimate 0 and NaN se.
        reference: The omitted (normalised) event time.
        n_sites: Sites used.
        n_periods: Periods used.
        n_obs: Observations used.
        n_dropped: Rows dropped for a missing outcome.
        method: Short name of the estimator.
        outcome: The outcome column estimated.
    """

    table: pd.DataFrame
    reference: int | None
    n_sites: int
    n_periods: int
    n_obs: int
    n_dropped: int
    method: str
    outcome: str


@dataclass(frozen=True)
class StaggeredResult:
    """Callaway & Sant'Anna estimates: group-time cells and their aggregations.

    Attributes:
        overall: The aggregated average effect on the treated.
        group_time: One row per (group, period) cell: ``group`` (first treated period),
            ``period``, ``event_time``, ``att``, ``se``, ``ci_low``, ``ci_high``,
            ``n_treated``, ``n_control``, ``base_period``.
        event_time: Aggregation by event time: ``event_time``, ``estimate``, ``se``,
            ``ci_low``, ``ci_high``, ``n_groups``.
        control: ``"never"`` or ``"not_yet"``.
        notes: What was dropped and why (e.g. groups without a pre-period).
    """

    overall: Estimate
    group_time: pd.DataFrame
    event_time: pd.DataFrame
    control: str
    notes: tuple[str, ...] = field(default=())
