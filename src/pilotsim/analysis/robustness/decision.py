"""Which arm is best in how many worlds, and what an arm costs where it is not (regret).

In each world every arm (the reference included) has a level on each measure (its mean over
the world's seeds). The best arm is the one with the best level in the measure's direction;
**P(best)** is the share of worlds in which an arm is best (ties share the world). An arm's
**regret** in a world is how far its level falls short of the best arm's there, in the measure's
unit (0 where it is best); the report gives its 90th percentile and maximum over worlds — the
classic minimax-regret reading of robust decision making.

Cost-effectiveness is the arm's budget per year (the comparison's ``budget`` measure: running
costs per year plus the set-up spread over ``compare.horizon_years``) per unit of improvement
on the objective over the reference in the same world; an arm that does not improve on the
objective in a world has no finite cost per unit there and cannot be best.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from pilotsim.analysis.comparison.metrics import METRICS, METRICS_BY_NAME


def objectives() -> list[str]:
    """The measures arms are ranked on: every registry measure of residents' outcomes.

    The cost measures (not split by group) are left out: the reference, which costs nothing,
    would always be best on them; they enter through cost-effectiveness instead.
    """
    return [m.name for m in METRICS if m.by_group]


def _p_best_and_regret(wide: pd.DataFrame, better: str) -> pd.DataFrame:
    """``wide``: worlds × arms levels (lower or higher better). One row per arm."""
    values = wide.to_numpy(dtype=float)
    sign = 1.0 if better == "higher" else -1.0
    score = sign * values
    with np.errstate(invalid="ignore"):
        best = np.nanmax(np.where(np.isnan(score), -np.inf, score), axis=1, keepdims=True)
    is_best = _is_best(score)
    share = is_best / np.maximum(is_best.sum(axis=1, keepdims=True), 1)
    with np.errstate(invalid="ignore"):
        regret = np.where(np.isfinite(score), best - score, np.inf)
    rows = []
    for j, arm in enumerate(wide.columns):
        r = regret[:, j]
        finite = r[np.isfinite(r)]
        rows.append({
            "arm": arm, "n_worlds": len(r), "p_best": float(share[:, j].mean()),
            # "higher": a world's own regret, never a blend of a finite one and infinity
            "regret_median": float(np.quantile(r, 0.5, method="higher")) if len(r) else math.nan,
            "regret_p90": float(np.quantile(r, 0.9, method="higher")) if len(r) else math.nan,
            "regret_max": float(r.max()) if len(r) else math.nan,
            "worlds_not_finite": int(len(r) - len(finite)),
        })
    return pd.DataFrame(rows)


def _is_best(score: np.ndarray) -> np.ndarray:
    """Worlds × arms: whether the arm's score (higher better) is the world's best.

    Ties are all best; an infinite or missing score is never best.
    """
    finite = np.where(np.isfinite(score), score, -np.inf)
    best = finite.max(axis=1, keepdims=True)
    return np.isclose(finite, best, rtol=1e-12, atol=1e-12) & np.isfinite(score)


def _complete_worlds(levels: pd.DataFrame, metric: str, arms: list[str]) -> pd.DataFrame:
    wide = levels[levels["metric"] == metric].pivot(index="world", columns="arm",
                                                    values="value")
    return wide.reindex(columns=arms).dropna()


def decision_table(levels: pd.DataFrame, reference: str, arms: list[str],
                   costs: pd.DataFrame | None = None,
                   objective: str = "trips_per_case") -> pd.DataFrame:
    """P(best) and regret of every arm on every objective, and on cost-effectiveness.

    Args:
        levels: ``arm, world, metric, value``
            (:func:`pilotsim.analysis.robustness.effects.world_levels`).
        reference: The reference arm (a candidate like the others).
        arms: Every arm, reference included, in report order.
        costs: ``arm, world, budget``: each arm's budget per year in each world (mean over
            seeds; the comparison's ``budget`` measure).
        objective: The measure cost-effectiveness divides by.

    Returns:
        ``measure, label, unit, better, arm, n_worlds, p_best, regret_median, regret_p90,
        regret_max, worlds_not_finite``; only worlds where every arm has a value count.
    """
    parts = []
    for name in objectives():
        if name not in set(levels["metric"]):
            continue
        m = METRICS_BY_NAME[name]
        wide = _complete_worlds(levels, name, arms)
        if wide.empty:
            continue
        t = _p_best_and_regret(wide, m.better)
        parts.append(t.assign(measure=name, label=m.label, unit=m.unit, better=m.better))
    if costs is not None and objective in set(levels["metric"]):
        ce = cost_effectiveness(levels, costs, reference, [a for a in arms if a != reference],
                                objective)
        if not ce.empty:
            m = METRICS_BY_NAME[objective]
            t = _p_best_and_regret(ce, "lower")
            parts.append(t.assign(measure=f"cost_per_{objective}",
                                  label=f"budget per unit of {m.label} improved",
                                  unit=f"budget units a year per unit of {m.label} "
                                  + ("saved" if m.better == "lower" else "gained"),
                                  better="lower"))
    if not parts:
        return pd.DataFrame(columns=["measure", "label", "unit", "better", "arm", "n_worlds",
                                     "p_best", "regret_median", "regret_p90", "regret_max",
                                     "worlds_not_finite"])
    out = pd.concat(parts, ignore_index=True)
    return out[["measure", "label", "unit", "better", "arm", "n_worlds", "p_best",
                "regret_median", "regret_p90", "regret_max", "worlds_not_finite"]]


def cost_effectiveness(levels: pd.DataFrame, costs: pd.DataFrame, reference: str,
                       arms: list[str], objective: str) -> pd.DataFrame:
    """Worlds × arms: budget per unit of improvement on ``objective`` over the reference.

    Infinite (NaN-free, so never best) where the arm does not improve on the reference.
    """
    m = METRICS_BY_NAME[objective]
    wide = _complete_worlds(levels, objective, [reference, *arms])
    if wide.empty or not arms:
        return pd.DataFrame()
    sign = 1.0 if m.better == "higher" else -1.0
    gain = sign * (wide[arms].to_numpy() - wide[[reference]].to_numpy())
    budget = (costs.pivot(index="world", columns="arm", values="budget")
              .reindex(index=wide.index, columns=arms).fillna(0.0).to_numpy())
    with np.errstate(divide="ignore", invalid="ignore"):
        ce = np.where(gain > 0, budget / gain, np.inf)
    return pd.DataFrame(ce, index=wide.index, columns=arms)


def best_arms(levels: pd.DataFrame, metric: str, arms: list[str]) -> pd.Series:
    """The best arms in each world on ``metric``: a tuple per world (several when tied)."""
    m = METRICS_BY_NAME[metric]
    wide = _complete_worlds(levels, metric, arms)
    sign = 1.0 if m.better == "higher" else -1.0
    best = _is_best(sign * wide.to_numpy(dtype=float))
    return pd.Series([tuple(a for a, b in zip(wide.columns, row, strict=True) if b)
                      for row in best], index=wide.index, name="best")
