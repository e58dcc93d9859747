"""Power and minimum detectable effect of a pilot design from simulated replicates.

Null distributions come from simulated data, not only from textbook formulas:
:func:`placebo_pilots` gives fake treatment to random sites of a baseline run's panel and
re-estimates, many times. Adding a known constant ``effect`` to the fake-treated post
site-periods ("injection") gives the distribution under that alternative from the same data;
it assumes an additive effect without spillovers, so for spillovers and congestion run the
reform in the simulator instead and pass those replicate estimates to
:func:`simulated_power`.

The MDE at 5% two-sided and 80% power is ``(z_0.975 + z_0.80) * SD ≈ 2.80 * SD`` with ``SD``
the standard deviation of the placebo estimates (:func:`mde`); :func:`predicted_power` gives
the normal-theory power at any effect, to hold against the simulated power.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from pilotsim.analysis.evaluation._checks import (
    require_alpha,
    require_columns,
    require_positive_int,
)
from pilotsim.analysis.evaluation.did import twfe
from pilotsim.analysis.evaluation.panel import assign_treatment
from pilotsim.analysis.evaluation.results import Estimate, StaggeredResult

Estimator = Callable[[pd.DataFrame, str], Estimate | StaggeredResult]


def _as_estimate(result: Estimate | StaggeredResult) -> Estimate:
    return result.overall if isinstance(result, StaggeredResult) else result


def placebo_pilots(
    panel: pd.DataFrame,
    outcome: str,
    *,
    n_treated: int,
    start_period: int | Sequence[int],
    n_reps: int,
    seed: int | np.random.Generator,
    effect: float = 0.0,
    estimator: Estimator | None = None,
    site: str = "site",
    period: str = "period",
) -> pd.DataFrame:
    """Estimate fake pilots on random sites of a (baseline) panel, repeatedly.

    Each replicate draws ``n_treated`` sites at random without replacement, codes them as
    treated from ``start_period`` (a sequence of periods makes waves: the drawn sites are
    dealt to the periods in turn), adds ``effect`` to their outcome from then on, and runs
    ``estimator``. The panel's own treatment columns are overwritten.

    Args:
        panel: Site-by-period panel of a run without the reform.
        outcome: Outcome column.
        n_treated: Sites given the fake treatment (between 1 and the number of sites - 1).
        start_period: First treated period, or one per wave.
        n_reps: Replicates.
        seed: Seed or generator for the draws.
        effect: Constant effect injected into the fake-treated post site-periods.
        estimator: ``f(panel, outcome)`` returning an :class:`Estimate` or a
            :class:`StaggeredResult`; defaults to :func:`~pilotsim.analysis.evaluation.did.twfe`.
        site: Site column.
        period: Period column.

    Returns:
        One row per replicate: ``rep``, ``treated_sites`` (tuple), ``estimate``, ``se``,
        ``ci_low``, ``ci_high``, ``p_value``, ``effect``.

    Raises:
        ValueError: On an empty panel, a bad ``n_treated``, ``n_reps`` or start period.
    """
    require_columns(panel, (site, period, outcome), "panel")
    n_reps = require_positive_int("n_reps", n_reps)
    sites = np.array(sorted(panel[site].unique()))
    if isinstance(n_treated, bool) or not isinstance(n_treated, int):
        raise ValueError(f"n_treated={n_treated!r}: expected an integer")
    if not 1 <= n_treated <= len(sites) - 1:
        raise ValueError(
            f"n_treated={n_treated!r}: expected between 1 and {len(sites) - 1} (the panel has "
            f"{len(sites)} sites and needs a comparison site)"
        )
    starts = [start_period] if isinstance(start_period, int | np.integer) else list(start_period)
    lo, hi = int(panel[period].min()), int(panel[period].max())
    for s in starts:
        if isinstance(s, bool) or not isinstance(s, int | np.integer) or not lo < s <= hi:
            raise ValueError(
                f"start_period={s!r}: expected an integer period in ({lo}, {hi}] so that there "
                "are pre- and post-treatment periods"
            )
    if not starts:
        raise ValueError("start_period=[]: expected at least one period")
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    fit = estimator or twfe
    base = panel.copy()
    rows = []
    for rep in range(n_reps):
        chosen = rng.choice(sites, size=n_treated, replace=False).tolist()
        sched = {s: int(starts[i % len(starts)]) for i, s in enumerate(chosen)}
        fake = assign_treatment(base, sched, site=site, period=period)
        if effect:
            fake[outcome] = fake[outcome] + effect * fake["treated"]
        est = _as_estimate(fit(fake, outcome))
        rows.append(
            {
                "rep": rep,
                "treated_sites": tuple(sorted(sched)),
                "estimate": est.estimate,
                "se": est.se,
                "ci_low": est.ci_low,
                "ci_high": est.ci_high,
                "p_value": est.p_value,
                "effect": effect,
            }
        )
    return pd.DataFrame(rows)


def rejection_rate(estimates: pd.DataFrame, alpha: float = 0.05) -> float:
    """Share of replicates whose own test rejects a zero effect at level ``alpha``.

    Args:
        estimates: Replicates with a ``p_value`` column; NaN p-values are ignored.
        alpha: Test level.

    Returns:
        The rejection rate (size under the null, power under an alternative).

    Raises:
        ValueError: If no replicate has a p-value.
    """
    alpha = require_alpha(alpha)
    require_columns(estimates, ("p_value",), "estimates")
    p = estimates["p_value"].dropna()
    if p.empty:
        raise ValueError("estimates['p_value']: all missing; expected some p-values")
    return float((p < alpha).mean())


@dataclass(frozen=True)
class PowerResult:
    """Simulated size and power of a design.

    Attributes:
        size: Rejection rate of the estimator's own test under the null.
        power: Rejection rate of the estimator's own test under the alternative.
        power_size_adjusted: Share of alternative estimates beyond the null estimates'
            two-sided ``1 - alpha`` critical value (``|estimate| > c``): the power of a test
            whose size is exactly ``alpha`` by construction.
        critical_value: That critical value ``c``.
        n_null: Null replicates used.
        n_alt: Alternative replicates used.
    """

    size: float
    power: float
    power_size_adjusted: float
    critical_value: float
    n_null: int
    n_alt: int


def simulated_power(
    null: pd.DataFrame, alternative: pd.DataFrame, alpha: float = 0.05
) -> PowerResult:
    """Size and power from replicate estimates under the null and under an alternative.

    Args:
        null: Replicates with zero true effect (placebo pilots, or a zero-effect reform),
            columns ``estimate`` and ``p_value``.
        alternative: Replicates under the effect of interest, same columns.
        alpha: Test level.

    Returns:
        Size, power and size-adjusted power.

    Raises:
        ValueError: On missing columns or no usable replicate.
    """
    alpha = require_alpha(alpha)
    for name, df in (("null", null), ("alternative", alternative)):
        require_columns(df, ("estimate", "p_value"), name)
    e0 = null["estimate"].dropna().to_numpy(float)
    e1 = alternative["estimate"].dropna().to_numpy(float)
    if len(e0) == 0 or len(e1) == 0:
        raise ValueError("null/alternative: no non-missing estimate; expected replicates")
    crit = float(np.quantile(np.abs(e0), 1 - alpha))
    return PowerResult(
        size=rejection_rate(null, alpha),
        power=rejection_rate(alternative, alpha),
        power_size_adjusted=float((np.abs(e1) > crit).mean()),
        critical_value=crit,
        n_null=len(e0),
        n_alt=len(e1),
    )


@dataclass(frozen=True)
class MDEResult:
    """Minimum detectable effect from a null (placebo) distribution.

    Attributes:
        mde: ``multiplier * sd``.
        sd: Standard deviation of the null estimates (the design's true sampling SD).
        mean_se: Mean reported standard error (compare with ``sd``: a ratio far from 1
            means the estimator's own SEs are off).
        multiplier: ``z_{1-alpha/2} + z_{power}`` (2.80 for 5% and 80%).
        alpha: Test level.
        power: Target power.
        n_reps: Replicates used.
    """

    mde: float
    sd: float
    mean_se: float
    multiplier: float
    alpha: float
    power: float
    n_reps: int


def mde(null: pd.DataFrame, alpha: float = 0.05, power: float = 0.8) -> MDEResult:
    """Minimum detectable effect from placebo estimates: ``(z_{1-α/2} + z_power) × SD``.

    Args:
        null: Replicate estimates under zero effect (column ``estimate``; ``se`` optional).
        alpha: Two-sided test level.
        power: Target power, in (0, 1).

    Returns:
        The MDE and its ingredients.

    Raises:
        ValueError: With fewer than 2 estimates or a bad level.
    """
    alpha = require_alpha(alpha)
    if not 0 < power < 1:
        raise ValueError(f"power={power!r}: expected a probability in (0, 1)")
    require_columns(null, ("estimate",), "null")
    e = null["estimate"].dropna().to_numpy(float)
    if len(e) < 2:
        raise ValueError(f"null: {len(e)} non-missing estimate(s); expected at least 2")
    mult = float(stats.norm.ppf(1 - alpha / 2) + stats.norm.ppf(power))
    sd = float(np.std(e, ddof=1))
    mean_se = float(null["se"].mean()) if "se" in null else float("nan")
    return MDEResult(
        mde=mult * sd,
        sd=sd,
        mean_se=mean_se,
        multiplier=mult,
        alpha=alpha,
        power=power,
        n_reps=len(e),
    )


def predicted_power(effect: float, sd: float, alpha: float = 0.05) -> float:
    """Normal-theory power of a two-sided level-``alpha`` test of an estimate with SD ``sd``.

    Args:
        effect: True effect.
        sd: Sampling SD of the estimate.
        alpha: Test level.

    Returns:
        ``Φ(|effect|/sd - z) + Φ(-|effect|/sd - z)`` with ``z = z_{1-α/2}``.

    Raises:
        ValueError: If ``sd`` is not positive.
    """
    alpha = require_alpha(alpha)
    if not sd > 0:
        raise ValueError(f"sd={sd!r}: expected a positive standard deviation")
    z = stats.norm.ppf(1 - alpha / 2)
    d = abs(effect) / sd
    return float(stats.norm.cdf(d - z) + stats.norm.cdf(-d - z))
