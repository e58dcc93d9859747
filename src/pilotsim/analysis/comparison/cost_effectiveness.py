"""Cost-effectiveness of each arm, with Fieller intervals, and the ranking of the arms by it.

The costs: per trip saved, per hour of waiting saved, per abandoned case avoided.

For one arm and one effect, seed ``i`` gives the extra cost per year ``c_i`` (arm − reference
``budget``, set-up annualised) and the saving per year ``s_i`` (reference − arm, e.g. office
visits per year of the whole population). The ratio is ``mean(c) / mean(s)``: what a unit of
saving costs on average.

Why Fieller and not a bootstrap: with the ten or so paired seeds of a study a bootstrap of a
ratio under-covers and depends on a resampling stream; Fieller's interval is exact when the two
means are jointly normal, uses the same t quantile as every other interval in the report, and
says honestly when no finite interval exists (the saving is not distinguishable from zero).
SciPy has no Fieller routine; the formula is the quadratic below. When the cost is the same in
every seed (the usual case: a reform's cost follows its config) it reduces to the cost divided
by the ends of the saving's t interval.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from pilotsim.analysis.comparison.paired import CONFIDENCE

COST_METRIC = "budget"
"""The cost side of every ratio: the budget per year (staff priced, set-up annualised)."""


@dataclass(frozen=True)
class Effect:
    """A saving a planner buys.

    Attributes:
        metric: The per-year total in the comparison (lower is better).
        unit: What one unit of saving is, for "cost per …".
    """

    metric: str
    unit: str


EFFECTS: tuple[Effect, ...] = (
    Effect("visits_per_year", "trip saved"),
    Effect("wait_hours_per_year", "hour of waiting saved"),
    Effect("abandoned_per_year", "abandoned case avoided"),
)
"""The savings, in the decision table's order; the first ranks the arms."""

COLUMNS: tuple[str, ...] = (
    "arm", "effect", "unit", "n_pairs", "cost_mean", "saved_mean", "saved_ci_low",
    "saved_ci_high", "ratio", "ratio_ci_low", "ratio_ci_high", "status", "rank")
"""Columns of ``cost_effectiveness.csv`` (one row per arm × effect)."""

STATUSES = ("cost-saving", "ratio", "no clear saving", "worse")
"""``status``: saves with no extra cost; a ratio with a finite interval; a saving whose 95%
interval includes zero (no finite ratio interval); a significant loss (more, not fewer)."""


def fieller(cost: Sequence[float], saved: Sequence[float],
            confidence: float = CONFIDENCE) -> tuple[float, float, float]:
    """Ratio of paired means ``mean(cost) / mean(saved)`` with Fieller's interval.

    With ``a``, ``b`` the means, ``v11``, ``v22``, ``v12`` the variances and covariance of the
    means and ``t`` the ``t_{q, n−1}`` quantile, the interval is the set of ``R`` with
    ``(a − R b)² ≤ t² (v11 − 2 R v12 + R² v22)``. It is a finite interval only when ``b`` is
    significantly different from zero (``b² > t² v22``).

    Args:
        cost: Per-seed costs.
        saved: Per-seed savings, paired with ``cost``.
        confidence: Confidence level.

    Returns:
        ``(ratio, low, high)``; ``low``/``high`` are NaN when no finite interval exists (and
        ``ratio`` is NaN when the mean saving is zero).
    """
    c, s = np.asarray(cost, dtype=float), np.asarray(saved, dtype=float)
    n = len(c)
    if n < 2 or len(s) != n:
        raise ValueError(f"fieller needs at least two paired values, got {n} and {len(s)}")
    a, b = c.mean(), s.mean()
    ratio = a / b if b != 0 else math.nan
    cov = np.cov(c, s, ddof=1) / n
    v11, v22, v12 = cov[0, 0], cov[1, 1], cov[0, 1]
    t2 = stats.t.ppf(1 - (1 - confidence) / 2, n - 1) ** 2
    qa = b * b - t2 * v22
    if qa <= 0:
        return ratio, math.nan, math.nan
    qb = a * b - t2 * v12
    qc = a * a - t2 * v11
    root = math.sqrt(max(qb * qb - qa * qc, 0.0))
    return ratio, (qb - root) / qa, (qb + root) / qa


def cost_effectiveness(pairs: pd.DataFrame) -> pd.DataFrame:
    """Cost per unit saved for every arm and effect, ranked (see the module docstring).

    Args:
        pairs: Per-seed paired differences (``paired.paired_differences``): ``arm, seed,
            group_type, group, metric, value, ref_value, diff``.

    Returns:
        Table with :data:`COLUMNS`. ``rank`` orders the arms by the first effect: cost-saving
        arms first (largest saving first), then finite ratios (cheapest first), then arms
        without a clear saving, then arms that made it worse; it is the same on every row of
        an arm.
    """
    overall = pairs[pairs["group_type"] == "overall"]
    wide = overall.pivot_table(index=["arm", "seed"], columns="metric", values="diff")
    rows = []
    q = 1 - (1 - CONFIDENCE) / 2
    for arm, sub in wide.groupby(level="arm", sort=True):
        for effect in EFFECTS:
            if effect.metric not in sub or COST_METRIC not in sub:
                continue
            both = sub[[COST_METRIC, effect.metric]].dropna()
            cost = both[COST_METRIC].to_numpy()
            saved = -both[effect.metric].to_numpy()  # reference − arm: fewer is a saving
            n = len(both)
            if n < 2:
                continue
            half = stats.t.ppf(q, n - 1) * saved.std(ddof=1) / math.sqrt(n)
            lo, hi = saved.mean() - half, saved.mean() + half
            ratio, r_lo, r_hi = fieller(cost, saved)
            if lo > 0 and cost.mean() <= 0:
                status = "cost-saving"
            elif lo > 0:
                status = "ratio"
            elif hi < 0:
                status = "worse"
            else:
                status = "no clear saving"
            if status != "ratio":
                ratio, r_lo, r_hi = (ratio if status == "cost-saving" else math.nan,
                                     math.nan, math.nan)
            rows.append((arm, effect.metric, effect.unit, n, cost.mean(), saved.mean(), lo, hi,
                         ratio, r_lo, r_hi, status))
    out = pd.DataFrame(rows, columns=list(COLUMNS[:-1]))
    if out.empty:
        return out.assign(rank=pd.Series(dtype="Int64"))
    first = out[out["effect"] == EFFECTS[0].metric].copy()
    first["_s"] = first["status"].map({s: i for i, s in enumerate(STATUSES)})
    first["_k"] = np.select([first["status"] == "cost-saving", first["status"] == "ratio"],
                            [-first["saved_mean"], first["ratio"]], 0.0)
    order = first.sort_values(["_s", "_k", "arm"])["arm"].tolist()
    rank = {arm: i + 1 for i, arm in enumerate(order)}
    out["rank"] = pd.array([rank.get(a) for a in out["arm"]], dtype="Int64")
    return out.sort_values(["rank", "arm"], kind="stable").reset_index(drop=True)
