"""Callaway & Sant'Anna (2021) DiD for staggered adoption, unconditional, with analytic SEs.

Why our own implementation: with no covariates the estimator is a short formula, for each
*group* ``g`` (sites first treated in period ``g``) and period ``t``::

    ATT(g, t) = mean over group g of [Y_t - Y_b]  -  mean over controls of [Y_t - Y_b]

with base period ``b = g - 1`` for post periods (``t >= g``) and, for pre periods, ``b = t - 1``
("varying", the R ``did`` default, a pre-trend test per period) or ``b = g - 1``
("universal", comparable to a TWFE event study with reference -1). Controls are the
never-treated sites, or the never-treated plus the not-yet-treated sites (first treated after
both ``t`` and ``b``). The ``csdid`` and ``differences`` packages exist but are lightly
maintained and heavier than the ~150 lines here, which are checked against known group-time
effects in the tests.

Inference: the analytic influence function, not a bootstrap. Each estimate is a smooth
function of site-level means, so its linearisation is exact to first order; every site's
contributions over all cells are *summed per site* before squaring, which makes the variance
cluster-robust by site (a site serving as a control in several cells, or treated in one and a
not-yet-treated control in another, is handled). It is deterministic and costs one pass, where
a cluster bootstrap would multiply the cost of placebo and power studies by its replicate
count. Small-sample choices: each cell's treated and control parts are scaled as in Welch's
two-sample variance (``n/(n-1)``); aggregations add the term for the estimated group-share
weights (as Callaway & Sant'Anna do); intervals use a t distribution with
``min(treated sites, control sites) - 1`` degrees of freedom (Welch's lower bound), which
keeps coverage honest with a handful of pilot sites.

Groups already treated in the first period have no pre-period and are dropped; sites first
treated after the last period are treated as never treated within the window. Both are
recorded in ``notes``.

Checked against the ``differences`` package (a port of R's ``did``): the same group-time ATTs
to 1e-12 (``tests/evaluation/test_reference_libraries.py``). One convention differs, on
purpose: with no never-treated sites (a stepped wedge) and not-yet-treated controls, R's
``did`` and its ports turn the last cohort into the comparison group, keep only the periods
before it starts and drop its cells. pilotsim keeps the last cohort's pre-period cells
(compared with the sites not yet treated in each period), so it reports more pre-trend event
times; every cell both have agrees, and the post-period effects and the overall ATT use the
same cells (the last cohort has no not-yet-treated controls after it starts in either).
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd
from scipy import stats

from pilotsim.analysis.evaluation._checks import require_alpha
from pilotsim.analysis.evaluation.did import estimation_sample
from pilotsim.analysis.evaluation.results import Estimate, StaggeredResult


def _ci(est: float, se: float, df: int, alpha: float) -> tuple[float, float, float]:
    if not np.isfinite(se) or se <= 0 or df < 1:
        return float("nan"), float("nan"), float("nan")
    crit = stats.t.ppf(1 - alpha / 2, df)
    p = 2 * stats.t.sf(abs(est) / se, df)
    return float(est - crit * se), float(est + crit * se), float(p)


def _aggregate(
    cells: list[tuple[int, int, float, np.ndarray]],
    weights: np.ndarray,
    group_of_unit: np.ndarray,
    unit_term: dict[int, float],
    denom: float,
) -> tuple[float, np.ndarray]:
    """Weighted sum of cells plus the weight-estimation term; returns (estimate, psi)."""
    est = float(sum(w * c[2] for w, c in zip(weights, cells, strict=True)))
    psi = sum(w * c[3] for w, c in zip(weights, cells, strict=True))
    extra = np.array([unit_term.get(int(g), 0.0) if np.isfinite(g) else 0.0 for g in group_of_unit])
    return est, psi + (extra - np.where(np.isin(group_of_unit, list(unit_term)), est, 0.0)) / denom


def callaway_santanna(
    panel: pd.DataFrame,
    outcome: str,
    *,
    control: Literal["never", "not_yet"] = "never",
    base_period: Literal["varying", "universal"] = "varying",
    aggregate: Literal["group", "simple"] = "group",
    site: str = "site",
    period: str = "period",
    first_treated: str = "first_treated_period",
    alpha: float = 0.05,
) -> StaggeredResult:
    """Group-time ATTs for staggered adoption and their aggregations (no covariates).

    Each site counts equally (site-level means); NaN outcomes are dropped, and a site enters a
    cell only if observed in both the cell's period and its base period.

    Args:
        panel: Tidy site-by-period panel with integer, consecutive periods.
        outcome: Outcome column.
        control: ``"never"`` (never-treated sites) or ``"not_yet"`` (never- plus
            not-yet-treated sites).
        base_period: ``"varying"`` or ``"universal"`` base for pre-period cells (see module).
        aggregate: Overall ATT: ``"group"`` averages each group's post cells, then weights
            groups by size (the average effect per treated site over its post periods);
            ``"simple"`` weights every post cell by its group's size.
        site: Site column.
        period: Period column.
        first_treated: First treated period column (NaN for never treated).
        alpha: 1 - confidence level.

    Returns:
        The overall estimate, the group-time table and the event-time aggregation.

    Raises:
        ValueError: On bad options, missing columns, non-integer or gappy periods, a first
            treated period that varies within a site, or no estimable post-treatment cell.
    """
    alpha = require_alpha(alpha)
    for name, value, allowed in (
        ("control", control, ("never", "not_yet")),
        ("base_period", base_period, ("varying", "universal")),
        ("aggregate", aggregate, ("group", "simple")),
    ):
        if value not in allowed:
            raise ValueError(f"{name}={value!r}: expected one of {allowed}")
    data, n_dropped = estimation_sample(
        panel, outcome, site=site, period=period, columns=(first_treated,)
    )
    per = data[period].to_numpy(float)
    if not np.all(per == np.round(per)):
        raise ValueError(f"panel[{period!r}]: non-integer period values; expected integers")
    g_by_site = data.groupby(site)[first_treated].agg(["min", "max"])
    varying = g_by_site[(g_by_site["min"] != g_by_site["max"]) & g_by_site["min"].notna()]
    if len(varying):
        raise ValueError(
            f"panel[{first_treated!r}]: site {varying.index[0]!r} has values "
            f"{varying.iloc[0].tolist()}; expected one first treated period per site"
        )
    wide = data.pivot(index=site, columns=period, values=outcome)
    periods = np.array(sorted(int(p) for p in wide.columns))
    if len(periods) != periods[-1] - periods[0] + 1:
        raise ValueError(
            f"panel[{period!r}]: periods {periods.tolist()} have gaps; expected consecutive "
            "integers (build the panel from complete periods)"
        )
    wide.columns = [int(c) for c in wide.columns]
    y = wide.to_numpy(float)
    g = g_by_site["min"].reindex(wide.index).to_numpy(float)
    notes: list[str] = []
    first, last = int(periods[0]), int(periods[-1])
    late = np.isfinite(g) & (g > last)
    if late.any():
        notes.append(f"{int(late.sum())} site(s) first treated after the last period: never")
        g = np.where(late, np.nan, g)
    early = np.isfinite(g) & (g <= first)
    if early.any():
        notes.append(f"{int(early.sum())} site(s) treated from the first period: dropped")
    n_units = len(g)
    col = {p: i for i, p in enumerate(periods)}
    groups = sorted(int(v) for v in np.unique(g[np.isfinite(g) & ~early]))
    size = {gg: int((g == gg).sum()) for gg in groups}

    rows = []
    cells: list[tuple[int, int, float, np.ndarray]] = []
    skipped = 0
    used_control = np.zeros(n_units, bool)
    for gg in groups:
        for t in periods:
            t = int(t)
            base = gg - 1 if (t >= gg or base_period == "universal") else t - 1
            if base < first or t == base:
                continue
            dy = y[:, col[t]] - y[:, col[base]]
            ok = np.isfinite(dy)
            treat = ok & (g == gg)
            if control == "never":
                ctrl = ok & ~np.isfinite(g)
            else:
                ctrl = ok & (~np.isfinite(g) | (g > max(t, base))) & (g != gg)
            n_t, n_c = int(treat.sum()), int(ctrl.sum())
            if n_t < 1 or n_c < 1:
                skipped += 1
                continue
            m_t, m_c = dy[treat].mean(), dy[ctrl].mean()
            psi = np.zeros(n_units)
            s_t = np.sqrt(n_t / (n_t - 1)) if n_t > 1 else 1.0
            s_c = np.sqrt(n_c / (n_c - 1)) if n_c > 1 else 1.0
            psi[treat] = s_t * (dy[treat] - m_t) / n_t
            psi[ctrl] = -s_c * (dy[ctrl] - m_c) / n_c
            att = float(m_t - m_c)
            used_control |= ctrl
            se = float(np.sqrt(np.sum(psi**2)))
            lo, hi, _ = _ci(att, se, min(n_t, n_c) - 1, alpha)
            cells.append((gg, t, att, psi))
            rows.append((gg, t, t - gg, att, se, lo, hi, n_t, n_c, base))
    if skipped:
        notes.append(f"{skipped} group-time cell(s) without treated or control sites: skipped")
    gt = pd.DataFrame(
        rows,
        columns=[
            "group", "period", "event_time", "att", "se", "ci_low", "ci_high",
            "n_treated", "n_control", "base_period",
        ],
    )  # fmt: skip
    post = [c for c in cells if c[1] >= c[0]]
    if not post:
        raise ValueError(
            f"panel[{first_treated!r}]: no estimable post-treatment cell with control="
            f"{control!r}; expected treated sites with a pre-period and comparison sites"
        )
    post_groups = sorted({c[0] for c in post})
    n_treated_sites = sum(size[gg] for gg in post_groups)
    df = max(1, min(n_treated_sites, int(used_control.sum())) - 1)

    # Overall aggregation.
    k = {gg: sum(1 for c in post if c[0] == gg) for gg in post_groups}
    n_post = sum(size[gg] for gg in post_groups)
    if aggregate == "group":
        w = np.array([size[c[0]] / n_post / k[c[0]] for c in post])
        theta_g = {gg: np.mean([c[2] for c in post if c[0] == gg]) for gg in post_groups}
        est, psi = _aggregate(post, w, g, theta_g, n_post)
    else:
        d = sum(size[gg] * k[gg] for gg in post_groups)
        w = np.array([size[c[0]] / d for c in post])
        s_g = {gg: sum(c[2] for c in post if c[0] == gg) for gg in post_groups}
        est0 = float(sum(wi * c[2] for wi, c in zip(w, post, strict=True)))
        # term (S_g - theta K_g) / D, written as (S_g/K_g - theta) * K_g / D per unit
        psi = sum(wi * c[3] for wi, c in zip(w, post, strict=True))
        extra = np.array([(s_g[int(v)] - est0 * k[int(v)]) / d if v in s_g else 0.0 for v in g])
        est, psi = est0, psi + extra
    se = float(np.sqrt(np.sum(psi**2)))
    lo, hi, p = _ci(est, se, df, alpha)
    overall = Estimate(
        estimate=est,
        se=se,
        ci_low=lo,
        ci_high=hi,
        p_value=p,
        n_sites=n_units - int(early.sum()),
        n_periods=len(periods),
        n_obs=int(np.isfinite(y[~early]).sum()),
        n_dropped=n_dropped,
        method=f"callaway_santanna[{control},{aggregate}]",
        outcome=outcome,
        alpha=alpha,
    )

    # Event-time aggregation.
    es_rows = []
    for e in sorted({c[1] - c[0] for c in cells}):
        sel = [c for c in cells if c[1] - c[0] == e]
        n_e = sum(size[c[0]] for c in sel)
        w = np.array([size[c[0]] / n_e for c in sel])
        att_g = {c[0]: c[2] for c in sel}
        est_e, psi_e = _aggregate(sel, w, g, att_g, n_e)
        se_e = float(np.sqrt(np.sum(psi_e**2)))
        lo_e, hi_e, p_e = _ci(est_e, se_e, df, alpha)
        es_rows.append((e, est_e, se_e, lo_e, hi_e, p_e, len(sel)))
    es = pd.DataFrame(
        es_rows,
        columns=["event_time", "estimate", "se", "ci_low", "ci_high", "p_value", "n_groups"],
    )
    return StaggeredResult(
        overall=overall, group_time=gt, event_time=es, control=control, notes=tuple(notes)
    )
