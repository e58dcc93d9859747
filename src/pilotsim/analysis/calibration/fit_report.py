"""The fit report: observed vs simulated per target, the parameters' marginals and pairs.

Everything here is computed from the last ABC-SMC generation (weighted particles and the
figures each particle's run produced), so it needs no further runs:

- per target, the posterior predictive spread of the simulated figure (weighted 5–95%; each
  particle ran with its own seed, so seed noise is in it) and whether the observed figure is
  fitted: within that spread widened by the observed figure's own standard error (1.645 × the
  ``se_used`` of the likelihood), the 90% band an observation of a fitted model falls in;
- per parameter, the prior's and the posterior's median and 90% interval and the ratio of
  their widths: a parameter whose posterior is nearly as wide as its prior (ratio ≥
  :data:`IDENTIFIED_RATIO`) is *not identified* by these targets;
- a pairs figure (weighted histograms on the diagonal, particles below it).
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from pilotsim.analysis.calibration.targets import Target
from pilotsim.analysis.comparison.report import Block, Heading, Image, Paragraph, Table
from pilotsim.spec.uncertainty import Uncertainty

IDENTIFIED_RATIO = 0.8
"""A posterior 90% interval at least this share of the prior's: the targets barely inform it."""
Z90 = 1.6449


def weighted_quantile(x: np.ndarray, w: np.ndarray, q: Sequence[float]) -> np.ndarray:
    """Quantiles of a weighted sample (the inverse of its weighted CDF, interpolated)."""
    x, w = np.asarray(x, float), np.asarray(w, float)
    order = np.argsort(x)
    x, w = x[order], w[order]
    cdf = (np.cumsum(w) - 0.5 * w) / w.sum()
    return np.interp(q, cdf, x)


def predictive_table(particles: pd.DataFrame, predictive: pd.DataFrame,
                     targets: Sequence[Target]) -> pd.DataFrame:
    """Per target: observed, the simulated figure's weighted median and 5–95%, fitted or not.

    Columns: ``row, measure, group, period, observed, sim_median, sim_p05, sim_p95,
    se_obs`` (the observed figure's standard error, weighted median over particles),
    ``fitted`` (observed within [p05 − 1.645·se_obs, p95 + 1.645·se_obs]).
    """
    weights = particles.set_index("particle")["weight"]
    rows = []
    for t in targets:
        p = predictive[(predictive["row"] == t.row) & predictive["simulated"].notna()]
        if p.empty:
            rows.append((t.row, t.measure, t.group, t.period, t.value, *[np.nan] * 4, False))
            continue
        w = weights.loc[p["particle"]].to_numpy()
        q05, q50, q95 = weighted_quantile(p["simulated"].to_numpy(), w, [0.05, 0.5, 0.95])
        se = float(weighted_quantile(p["se_used"].fillna(0.0).to_numpy(), w, [0.5])[0])
        fitted = q05 - Z90 * se <= t.value <= q95 + Z90 * se
        rows.append((t.row, t.measure, t.group, t.period, t.value, q50, q05, q95, se,
                     bool(fitted)))
    return pd.DataFrame(rows, columns=["row", "measure", "group", "period", "observed",
                                       "sim_median", "sim_p05", "sim_p95", "se_obs",
                                       "fitted"])


def parameter_table(unc: Uncertainty, particles: pd.DataFrame) -> pd.DataFrame:
    """Per parameter: prior and posterior median and 90% interval, width ratio, identified.

    Columns: ``parameter, prior, prior_p05, prior_p50, prior_p95, post_p05, post_p50,
    post_p95, width_ratio, identified``.
    """
    w = particles["weight"].to_numpy(float)
    rows = []
    for p in unc.parameters:
        prior = p.ppf(np.array([0.05, 0.5, 0.95])).astype(float)
        post = weighted_quantile(particles[p.key].to_numpy(float), w, [0.05, 0.5, 0.95])
        ratio = (post[2] - post[0]) / (prior[2] - prior[0]) if prior[2] > prior[0] else np.nan
        rows.append((p.key, p.describe(), *prior, *post, ratio, bool(ratio < IDENTIFIED_RATIO)))
    return pd.DataFrame(rows, columns=["parameter", "prior", "prior_p05", "prior_p50",
                                       "prior_p95", "post_p05", "post_p50", "post_p95",
                                       "width_ratio", "identified"])


def pairs_figure(unc: Uncertainty, particles: pd.DataFrame) -> plt.Figure:
    """Weighted marginal histograms (diagonal, prior range as the axis) and particle pairs."""
    keys = unc.names
    d = len(keys)
    w = particles["weight"].to_numpy(float)
    fig, axes = plt.subplots(d, d, figsize=(2.4 * d + 0.6, 2.4 * d + 0.4), squeeze=False)
    lims = [tuple(p.ppf(np.array([0.0, 1.0])).astype(float)) for p in unc.parameters]
    for i in range(d):
        for j in range(d):
            ax = axes[i][j]
            if j > i:
                ax.axis("off")
                continue
            x = particles[keys[j]].to_numpy(float)
            if i == j:
                ax.hist(x, bins=20, range=lims[j], weights=w, color="#4c72b0")
                ax.set_yticks([])
            else:
                y = particles[keys[i]].to_numpy(float)
                ax.scatter(x, y, s=8 + 400 * w, alpha=0.5, color="#4c72b0")
                ax.set_ylim(lims[i])
            ax.set_xlim(lims[j])
            if i == d - 1:
                ax.set_xlabel(keys[j].split(".")[-1], fontsize=8)
            if j == 0 and i > 0:
                ax.set_ylabel(keys[i].split(".")[-1], fontsize=8)
            ax.tick_params(labelsize=7)
    fig.suptitle("Posterior: marginals (diagonal) and pairs; axes span the prior", fontsize=10)
    fig.tight_layout()
    return fig


def _fmt(x: float) -> str:
    return "n/a" if not np.isfinite(x) else f"{x:.4g}"


def build(*, header: Sequence[str], predictive: pd.DataFrame, parameters: pd.DataFrame,
          epsilons: Sequence[float], figure: bytes, files: Sequence[str]) -> list[Block]:
    """The fit report's blocks, in reading order."""
    missed = predictive[~predictive["fitted"]]
    blocks: list[Block] = [Heading(1, "Calibration fit"), Paragraph(" ".join(header))]
    blocks.append(Paragraph(
        f"{len(predictive) - len(missed)} of {len(predictive)} targets are fitted"
        + ("." if missed.empty else "; not fitted: " + "; ".join(
            f"{r.measure} {r.group} {r.period} (observed {_fmt(r.observed)}, simulated "
            f"{_fmt(r.sim_p05)} to {_fmt(r.sim_p95)})" for r in missed.itertuples()) + ".")))
    blocks.append(Heading(2, "Observed vs simulated"))
    blocks.append(Paragraph(
        "Simulated: the posterior predictive spread of each figure (weighted median and "
        "5–95% over the last generation's particles, each run with its own seed). A target "
        "is fitted when the observed figure lies within that spread widened by 1.645 of its "
        "own standard errors (se: from the targets file's n or se)."))
    blocks.append(Table(("Row", "Measure", "Group", "Period", "Observed", "Simulated median",
                         "Simulated 5–95%", "se", "Fitted"), tuple(
        (str(r.row), r.measure, r.group, r.period, _fmt(r.observed), _fmt(r.sim_median),
         f"{_fmt(r.sim_p05)} to {_fmt(r.sim_p95)}", _fmt(r.se_obs),
         "yes" if r.fitted else "NO") for r in predictive.itertuples())))
    blocks.append(Heading(2, "Parameters: prior and posterior"))
    blocks.append(Paragraph(
        "Median and 90% interval of the prior (the uncertainty declaration) and the "
        "posterior (weighted particles). Width ratio: posterior 90% width over the prior's; "
        f"at or above {IDENTIFIED_RATIO} the targets barely inform the parameter (not "
        "identified: add a target that depends on it, or keep its prior)."))
    blocks.append(Table(("Parameter", "Prior", "Prior 90%", "Posterior median",
                         "Posterior 90%", "Width ratio", "Identified"), tuple(
        (r.parameter, r.prior, f"{_fmt(r.prior_p05)} to {_fmt(r.prior_p95)}",
         _fmt(r.post_p50), f"{_fmt(r.post_p05)} to {_fmt(r.post_p95)}",
         f"{r.width_ratio:.2f}", "yes" if r.identified else "NO")
        for r in parameters.itertuples())))
    blocks.append(Image("pairs.png", figure, "Posterior marginals and pairs"))
    blocks.append(Paragraph("Tolerance (total deviance) by generation: "
                            + ", ".join(f"{e:.3g}" for e in epsilons) + "."))
    blocks.append(Paragraph("Files: " + ", ".join(files) + "."))
    return blocks
