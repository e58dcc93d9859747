"""How well a run reproduces the targets: a log-likelihood per figure and a deviance.

Each observed figure is read as a draw around the simulated one, with the uncertainty the
targets file states:

- a figure with a standard error ``se``: normal, ``N(simulated, se²)``;
- a share with a sample size ``n``: binomial, ``n·observed`` successes of ``n`` at the
  simulated probability;
- a mean with ``n`` only: normal with ``se = simulated SD / √n`` (the spread of the simulated
  cases or visits stands in for the unknown spread of the observed ones);
- a count per month without ``se``: Poisson, ``observed·months`` events over the period at
  the simulated rate.

The binomial and Poisson terms are written with :mod:`scipy.special` (``gammaln``, ``xlogy``)
instead of ``scipy.stats.binom``/``poisson`` because observed counts are often not whole
numbers (a weighted survey's 61.3 % of 812): the continuous form is the same likelihood at
whole numbers and, wherever the observation lies, is largest exactly when the simulated figure
equals the observed one. The *deviance* of a row, 2 × (that largest log-likelihood − the
log-likelihood), is 0 for a perfect fit and grows like z² for a normal figure; its signed
square root is the row's ``z``.

Seed noise of the simulated figure is not in these terms: average over seeds, or add it to
``se``, before reading small differences. Sample fractions below 1 add to that noise.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import special, stats

from pilotsim.analysis.calibration.targets import MEASURES


def _binomial(k: float, n: float, p: float) -> float:
    return float(special.gammaln(n + 1) - special.gammaln(k + 1) - special.gammaln(n - k + 1)
                 + special.xlogy(k, p) + special.xlog1py(n - k, -p))


def _poisson(count: float, mean: float) -> float:
    return float(special.xlogy(count, mean) - mean - special.gammaln(count + 1))


def _row(kind: str, obs: float, sim: float, n: float, se: float, sim_sd: float,
         months: float) -> tuple[str, float, float, float]:
    """(model, standard error used, log-likelihood, its maximum over the simulated value)."""
    if not np.isfinite(sim):
        return "none", np.nan, -np.inf, 0.0
    if np.isfinite(se) or (kind == "mean" and np.isfinite(n)):
        scale = se if np.isfinite(se) else sim_sd / np.sqrt(n)
        if not scale > 0:  # a constant simulated sample (one case, all equal): no spread
            return "normal", scale, (0.0 if sim == obs else -np.inf), 0.0
        return ("normal", scale, float(stats.norm.logpdf(obs, sim, scale)),
                float(stats.norm.logpdf(0.0, 0.0, scale)))
    if kind == "share":
        k = obs * n
        return ("binomial", float(np.sqrt(sim * (1 - sim) / n)), _binomial(k, n, sim),
                _binomial(k, n, obs))
    count = obs * months  # a rate without se
    return ("poisson", float(np.sqrt(sim / months)), _poisson(count, sim * months),
            _poisson(count, count))


def log_likelihood(measures: pd.DataFrame) -> pd.DataFrame:
    """Add the likelihood of each observed figure given the simulated one.

    Args:
        measures: The table of :func:`~pilotsim.analysis.calibration.measures.simulated_measures`.

    Returns:
        The same rows with ``model`` (normal, binomial, poisson; ``none`` where the run has no
        case or visit behind the figure), ``se_used`` (the standard error of the observed
        figure under that model, in the measure's unit), ``loglik``, ``deviance`` and ``z``
        (signed root of the deviance: positive when the model is above the observation).
    """
    out = measures.copy()
    parts = [_row(MEASURES[r.measure].kind, r.observed, r.simulated, r.n, r.se, r.sim_sd,
                  r.months) for r in measures.itertuples()]
    out["model"] = [p[0] for p in parts]
    out["se_used"] = [p[1] for p in parts]
    out["loglik"] = [p[2] for p in parts]
    best = np.array([p[3] for p in parts], dtype=float)
    with np.errstate(invalid="ignore"):
        deviance = np.maximum(2 * (best - out["loglik"].to_numpy(dtype=float)), 0.0)
    out["deviance"] = deviance
    out["z"] = np.sign(out["simulated"] - out["observed"]).fillna(0.0) * np.sqrt(deviance)
    return out


def total(table: pd.DataFrame) -> dict[str, float]:
    """The run's fit over all targets: summed ``loglik`` and ``deviance``, and the count."""
    return {"loglik": float(table["loglik"].sum()), "deviance": float(table["deviance"].sum()),
            "targets": len(table)}
