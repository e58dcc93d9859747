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
(``wrong_holdback``); ``wrong_decision`` is their sum.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd

from pilotsim.evaluation._checks import require_columns


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
            :func:`~pilotsim.evaluation.truth.true_effects_by_seed`).
        better: The good direction of the outcome, ``"higher"`` or ``"lower"``.
        by: Grouping columns of ``estimates`` (each group gets one row).
        rule: Decision rule, ``"ci"`` or ``"point"``.
        threshold: Smallest beneficial effect (see module docstring).
        seed: Seed column.
        truth_full: Column of the full-rollout truth in ``truths``.
        truth_treated: Column of the treated-site truth in ``truths``.

    Returns:
        One row per group: ``n_reps``, ``n_failed``, ``mean_estimate``, ``sd``, ``mean_se``,
        ``truth_full``, ``truth_treated`` (means over seeds), ``bias_full``, ``bias_treated``,
        ``mcse_bias_full`` (Monte Carlo SE of ``bias_full``), ``rmse_full``, ``rmse_treated``,
        ``coverage_full``, ``coverage_treated``, ``rollout_rate``, ``wrong_rollout``,
        ``wrong_holdback``, ``wrong_decision``.

    Raises:
        ValueError: On missing columns, an empty table, or a seed without a truth.
    """
    by = list(by)
    _sign(better)
    require_columns(estimates, [seed, "estimate", "ci_low", "ci_high", *by], "estimates")
    require_columns(truths, [seed, truth_full, truth_treated], "truths")
    keys = [seed, *[c for c in by if c in truths.columns]]
    if truths.duplicated(keys).any():
        raise ValueError(
            f"truths: duplicate rows for {keys}; expected one truth per {keys} combination"
        )
    t = truths[[*keys, truth_full, truth_treated]].rename(
        columns={truth_full: "_t_full", truth_treated: "_t_treated"}
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
        key = key if isinstance(key, tuple) else (key,)
        rows.append(
            {
                **dict(zip(by, key, strict=True)),
                "n_reps": n,
                "n_failed": int((~ok).sum()),
                "mean_estimate": d["estimate"].mean(),
                "sd": d["estimate"].std(ddof=1) if n > 1 else np.nan,
                "mean_se": d["se"].mean() if "se" in d else np.nan,
                "truth_full": d["_t_full"].mean(),
                "truth_treated": d["_t_treated"].mean(),
                "bias_full": e_full.mean(),
                "bias_treated": e_treat.mean(),
                "mcse_bias_full": e_full.std(ddof=1) / np.sqrt(n) if n > 1 else np.nan,
                "rmse_full": float(np.sqrt((e_full**2).mean())) if n else np.nan,
                "rmse_treated": float(np.sqrt((e_treat**2).mean())) if n else np.nan,
                "coverage_full": _covers(d, "_t_full"),
                "coverage_treated": _covers(d, "_t_treated"),
                "rollout_rate": roll.mean() if n else np.nan,
                "wrong_rollout": (roll & ~ben).mean() if n else np.nan,
                "wrong_holdback": (~roll & ben).mean() if n else np.nan,
                "wrong_decision": (roll != ben).mean() if n else np.nan,
            }
        )
    return pd.DataFrame(rows)


def _covers(d: pd.DataFrame, truth: str) -> float:
    if d.empty:
        return float("nan")
    return float(((d["ci_low"] <= d[truth]) & (d[truth] <= d["ci_high"])).mean())
