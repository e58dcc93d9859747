"""Score estimators against the truth across replicate seeds.

Decision rule. ``better`` says which direction of the outcome is good for residents
(``"higher"`` for satisfaction or the one-trip share, ``"lower"`` for trips, waits,
abandonment). With ``s = +1`` for higher and ``-1`` for lower, a value ``x`` is a *benefit* if
``s * x > threshold`` (``threshold`` >= 0 is the smallest effect worth a rollout, 0 by
default). The evaluator *rolls out* if

* ``rule="ci"``: the whole confidence interval is a benefit (``ci_low > threshold`` for
  higher, ``ci_high < -threshold`` for lower) — the cautious evaluator;
* ``rule="point"``: the point estimate is a benefit.

The decision is *wrong* if it rolls out while the full-rollout truth is not a benefit
(``wrong_rollout``), or holds back while the full-rollout truth is a benefit
(``wrong_holdback``); ``wrong_decision`` is their sum. Two kinds of wrong are worth telling
apart: ``held_back`` — the interval includes 0 (no sign either way) while rollout would help,
the price of a small pilot; and ``wrong_direction`` — the interval excludes 0 on the wrong
side (the pilot says harm while rollout helps, or benefit while it does not help).

Monte Carlo error: every mean over seeds comes with its standard error (``mcse_*``: the SD of
the per-seed errors over √n; for a rate p, √(p(1 − p)/n)). The coverage is that of the
evaluator's own intervals (``ci_low``/``ci_high``: cluster-robust); ``se_to_sd`` (mean SE over
the empirical SD of the estimates across seeds) says whether those intervals are too wide
(> 1: coverage reads better than the SE's own precision) or too narrow (< 1).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd

from pilotsim.analysis.evaluation._checks import require_columns


def rollout_decision(
    estimates: pd.DataFrame,
    *,
    better: Literal["higher", "lower"],
    rule: Literal["ci", "point"] = "ci",
    threshold: float = 0.0,
) -> pd.Series:
    """Return, per row, whether the evaluator would roll the reform out.

    Args:
        estimates: Rows with ``estimate`` (rule ``"point"``) or ``ci_low``/``ci_high``
            (rule ``"ci"``).
        better: ``"higher"`` or ``"lower"``: the good direction of the outcome.
        rule: ``"ci"`` or ``"point"`` (see module docstring).
        threshold: Smallest effect (in the good direction) that counts as a benefit.

    Returns:
        Boolean Series aligned with ``estimates``.

    Raises:
        ValueError: On an unknown ``better`` or ``rule``, a negative threshold or a missing
            column.
    """
    sign = _sign(better)
    if threshold < 0:
        raise ValueError(f"threshold={threshold!r}: expected a non-negative effect size")
    if rule == "point":
        require_columns(estimates, ("estimate",), "estimates")
        return sign * estimates["estimate"] > threshold
    if rule == "ci":
        require_columns(estimates, ("ci_low", "ci_high"), "estimates")
        bound = estimates["ci_low"] if sign > 0 else estimates["ci_high"]
        return sign * bound > threshold
    raise ValueError(f"rule={rule!r}: expected 'ci' or 'point'")


def _sign(better: str) -> int:
    if better == "higher":
        return 1
    if better == "lower":
        return -1
    raise ValueError(f"better={better!r}: expected 'higher' or 'lower'")


def assess(
    estimates: pd.DataFrame,
    truths: pd.DataFrame,
    *,
    better: Literal["higher", "lower"],
    by: Sequence[str] = ("design",),
    rule: Literal["ci", "point"] = "ci",
    threshold: float = 0.0,
    seed: str = "seed",
    truth_full: str = "full_rollout",
    truth_treated: str = "treated_sites",
    truth_direct: str | None = None,
) -> pd.DataFrame:
    """Bias, SD, RMSE, coverage and wrong-decision rates of estimates across seeds.

    ``estimates`` has one row per replicate (seed) and group (e.g. design and method) with
    ``estimate``, ``ci_low``, ``ci_high`` and optionally ``se``. ``truths`` has one row per
    seed (and per group if the truth depends on it, e.g. the pilot sites of a design) with the
    two truth columns; the tables are joined on ``seed`` and those ``by`` columns that
    ``truths`` also has. Rows with a missing estimate are not scored and are counted in
    ``n_failed``. Biases and RMSEs pair each estimate with its own seed's truth.

    Args:
        estimates: Replicate estimates.
        truths: True effects per seed (e.g. from
            :func:`~pilotsim.analysis.evaluation.truth.true_effects_by_seed`).
        better: The good direction of the outcome, ``"higher"`` or ``"lower"``.
        by: Grouping columns of ``estimates`` (each group gets one row).
        rule: Decision rule, ``"ci"`` or ``"point"``.
        threshold: Smallest beneficial effect (see module docstring).
        seed: Seed column.
        truth_full: Column of the full-rollout truth in ``truths``.
        truth_treated: Column of the treated-site truth in ``truths``.
        truth_direct: Optional column of a third truth, the pilot's direct effect on its own
            sites (e.g. ``pilot_att``); adds ``truth_direct``, ``bias_direct``,
            ``mcse_bias_direct``, ``coverage_direct`` and ``mcse_coverage_direct``.

    Returns:
        One row per group: ``n_reps``, ``n_failed``, ``mean_estimate``, ``sd``, ``mean_se``,
        ``se_to_sd``, ``truth_full``, ``truth_treated`` (means over seeds), ``bias_full``,
        ``bias_treated``, ``mcse_bias_full``, ``mcse_bias_treated`` (Monte Carlo SEs),
        ``rmse_full``, ``rmse_treated``, ``coverage_full``, ``coverage_treated``,
        ``mcse_coverage_full``, ``mcse_coverage_treated``, ``rollout_rate``,
        ``wrong_rollout``, ``wrong_holdback``, ``wrong_decision``, ``held_back``,
        ``wrong_direction``.

    Raises:
        ValueError: On missing columns, an empty table, or a seed without a truth.
    """
    by = list(by)
    _sign(better)
    require_columns(estimates, [seed, "estimate", "ci_low", "ci_high", *by], "estimates")
    extra = [truth_direct] if truth_direct else []
    require_columns(truths, [seed, truth_full, truth_treated, *extra], "truths")
    keys = [seed, *[c for c in by if c in truths.columns]]
    if truths.duplicated(keys).any():
        raise ValueError(
            f"truths: duplicate rows for {keys}; expected one truth per {keys} combination"
        )
    t = truths[[*keys, truth_full, truth_treated, *extra]].rename(
        columns={truth_full: "_t_full", truth_treated: "_t_treated",
                 **({truth_direct: "_t_direct"} if truth_direct else {})}
    )
    merged = estimates.merge(t, on=keys, how="left", validate="many_to_one")
    lost = merged["_t_full"].isna()
    if lost.any():
        row = merged.loc[lost, keys].iloc[0].to_dict()
        raise ValueError(
            f"truths: no row (or a NaN truth) for {row}; expected a full-rollout truth for "
            "every estimate's seed"
        )
    merged["_rollout"] = rollout_decision(merged, better=better, rule=rule, threshold=threshold)
    sign = _sign(better)
    merged["_benefit"] = sign * merged["_t_full"] > threshold
    # significant in the good direction (rollout) / in the bad direction (harm)
    harm_bound = merged["ci_high"] if sign > 0 else merged["ci_low"]
    merged["_harm"] = sign * harm_bound < 0
    groups = merged.groupby(by, dropna=False, sort=True) if by else [((), merged)]
    rows = []
    for key, g in groups:
        ok = g["estimate"].notna()
        d = g.loc[ok]
        n = len(d)
        e_full = d["estimate"] - d["_t_full"]
        e_treat = d["estimate"] - d["_t_treated"]
        roll = d["_rollout"].astype(bool)
        ben = d["_benefit"].astype(bool)
        harm = d["_harm"].astype(bool)
        sd = d["estimate"].std(ddof=1) if n > 1 else np.nan
        key = key if isinstance(key, tuple) else (key,)
        direct = {}
        if truth_direct:
            e_direct = d["estimate"] - d["_t_direct"]
            cov = _covers(d, "_t_direct")
            direct = {"truth_direct": d["_t_direct"].mean(), "bias_direct": e_direct.mean(),
                      "mcse_bias_direct": _mcse(e_direct), "coverage_direct": cov,
                      "mcse_coverage_direct": _mcse_rate(cov, n)}
        cov_full, cov_treated = _covers(d, "_t_full"), _covers(d, "_t_treated")
        rows.append(
            {
                **dict(zip(by, key, strict=True)),
                "n_reps": n,
                "n_failed": int((~ok).sum()),
                "mean_estimate": d["estimate"].mean(),
                "sd": sd,
                "mean_se": d["se"].mean() if "se" in d else np.nan,
                "se_to_sd": d["se"].mean() / sd if "se" in d and sd > 0 else np.nan,
                "truth_full": d["_t_full"].mean(),
                "truth_treated": d["_t_treated"].mean(),
                "bias_full": e_full.mean(),
                "bias_treated": e_treat.mean(),
                "mcse_bias_full": _mcse(e_full),
                "mcse_bias_treated": _mcse(e_treat),
                "rmse_full": float(np.sqrt((e_full**2).mean())) if n else np.nan,
                "rmse_treated": float(np.sqrt((e_treat**2).mean())) if n else np.nan,
                "coverage_full": cov_full,
                "coverage_treated": cov_treated,
                "mcse_coverage_full": _mcse_rate(cov_full, n),
                "mcse_coverage_treated": _mcse_rate(cov_treated, n),
                **direct,
                "rollout_rate": roll.mean() if n else np.nan,
                "wrong_rollout": (roll & ~ben).mean() if n else np.nan,
                "wrong_holdback": (~roll & ben).mean() if n else np.nan,
                "wrong_decision": (roll != ben).mean() if n else np.nan,
                "held_back": (ben & ~roll & ~harm).mean() if n else np.nan,
                "wrong_direction": ((ben & harm) | (~ben & roll)).mean() if n else np.nan,
            }
        )
    return pd.DataFrame(rows)


def _mcse(errors: pd.Series) -> float:
    """Monte Carlo standard error of a mean over seeds."""
    n = int(errors.notna().sum())
    return float(errors.std(ddof=1) / np.sqrt(n)) if n > 1 else float("nan")


def _mcse_rate(p: float, n: int) -> float:
    """Monte Carlo (binomial) standard error of a rate over ``n`` seeds."""
    return float(np.sqrt(p * (1 - p) / n)) if n and np.isfinite(p) else float("nan")


def _covers(d: pd.DataFrame, truth: str) -> float:
    if d.empty:
        return float("nan")
    return float(((d["ci_low"] <= d[truth]) & (d[truth] <= d["ci_high"])).mean())
