"""The truth the simulator knows: effects from counterfactual worlds run with the same seed.

For one seed, three panels of the same sites and periods (built with
:func:`~pilotsim.analysis.evaluation.panel.build_panel`):

* ``none`` — the reform nowhere (baseline);
* ``everywhere`` — the reform everywhere (full rollout);
* ``pilot`` — the pilot design actually evaluated (optional).

Effects are differences of the same site-period outcome between worlds (common random
numbers make them low-noise). Each site's differences are averaged over its post periods, then
sites are averaged with equal weight — the estimand of the Callaway–Sant'Anna "group"
aggregation. Site-periods where either world's outcome is missing are skipped.

``full_rollout``
    everywhere - none over all sites, each over its periods treated in the everywhere world.
``treated_sites``
    everywhere - none over the pilot sites, each over its pilot post periods (what the pilot
    sites would gain at full rollout, congestion from everyone else included).
``pilot_att``
    pilot - none over the pilot sites and their pilot post periods: the effect the pilot
    really had on its sites (spillovers included). NaN without a ``pilot`` panel.
``control_spillover``
    pilot - none over the never-piloted sites from the first pilot period on: how much the
    pilot moved the comparison sites (a source of DiD bias). NaN without a ``pilot`` panel.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from pilotsim.analysis.evaluation._checks import require_columns

WORLDS: tuple[str, ...] = ("none", "everywhere", "pilot")


@dataclass(frozen=True)
class TrueEffects:
    """True effects for one seed (see the module docstring for definitions).

    Attributes:
        full_rollout: Everywhere - none, all sites, post periods.
        treated_sites: Everywhere - none, pilot sites, pilot post periods.
        pilot_att: Pilot - none, pilot sites, pilot post periods (NaN without pilot world).
        control_spillover: Pilot - none, non-pilot sites, from the first pilot period (NaN
            without pilot world).
        n_sites: Sites in the panels.
        n_pilot_sites: Sites treated in the pilot.
    """

    full_rollout: float
    treated_sites: float
    pilot_att: float
    control_spillover: float
    n_sites: int
    n_pilot_sites: int

    def to_dict(self) -> dict[str, object]:
        """Return the fields as a plain dict."""
        return asdict(self)


def _aligned(
    a: pd.DataFrame, b: pd.DataFrame, outcome: str, names: tuple[str, str], site: str, period: str
) -> pd.DataFrame:
    for df, name in zip((a, b), names, strict=True):
        require_columns(df, (site, period, outcome, "first_treated_period"), f"{name} panel")
    ka = a.set_index([site, period])
    kb = b.set_index([site, period])
    for k, name in ((ka, names[0]), (kb, names[1])):
        if k.index.has_duplicates:
            raise ValueError(
                f"{name} panel: (site, period) {k.index[k.index.duplicated()][0]!r} appears "
                "twice; expected one row per site and period"
            )
    extra = ka.index.symmetric_difference(kb.index)
    if len(extra):
        key = tuple(v.item() if isinstance(v, np.generic) else v for v in extra[0])
        raise ValueError(
            f"{names[0]} and {names[1]} panels: (site, period) {key!r} is in only one of "
            "them; expected the same sites and periods in every world"
        )
    out = pd.DataFrame({"diff": ka[outcome] - kb[outcome].reindex(ka.index)}, index=ka.index)
    return out.reset_index()


def _mean_over_sites(diff: pd.DataFrame, mask: pd.Series, site: str) -> float:
    d = diff.loc[mask & diff["diff"].notna()]
    if d.empty:
        return float("nan")
    return float(d.groupby(site)["diff"].mean().mean())


def true_effects(
    none: pd.DataFrame,
    everywhere: pd.DataFrame,
    outcome: str,
    *,
    pilot: pd.DataFrame | None = None,
    pilot_first_treated: Mapping[str, int | None] | None = None,
    site: str = "site",
    period: str = "period",
) -> TrueEffects:
    """Compute the true effects for one seed from its counterfactual worlds.

    Args:
        none: Panel of the world without the reform.
        everywhere: Panel of the world with the reform everywhere; its
            ``first_treated_period`` defines each site's post periods at full rollout.
        outcome: Outcome column.
        pilot: Panel of the pilot world; its ``first_treated_period`` defines the pilot sites
            and their post periods.
        pilot_first_treated: ``{site: first treated period or None}`` defining the pilot when
            no ``pilot`` panel is given.
        site: Site column.
        period: Period column.

    Returns:
        The true effects.

    Raises:
        ValueError: If the worlds' sites or periods differ, a column is missing, the
            everywhere world treats no site, or neither pilot definition is given.
    """
    diff_full = _aligned(everywhere, none, outcome, ("everywhere", "none"), site, period)
    g_every = everywhere.set_index([site, period])["first_treated_period"]
    g_every = g_every.loc[list(zip(diff_full[site], diff_full[period], strict=True))].to_numpy()
    if not np.isfinite(g_every).any():
        raise ValueError(
            "everywhere panel: first_treated_period is NaN for every site; expected the "
            "full-rollout world to treat its sites"
        )
    post_every = pd.Series(diff_full[period].to_numpy(float) >= g_every, index=diff_full.index)

    if pilot is not None:
        require_columns(pilot, (site, "first_treated_period"), "pilot panel")
        g_pilot = pilot.groupby(site)["first_treated_period"].first()
    elif pilot_first_treated is not None:
        unknown = set(pilot_first_treated) - set(none[site])
        if unknown:
            key = sorted(unknown)[0]
            raise ValueError(
                f"pilot_first_treated[{key!r}]: unknown site; expected a site of the panels"
            )
        g_pilot = pd.Series(
            {s: np.nan if v is None else float(v) for s, v in pilot_first_treated.items()},
            dtype=float,
        )
    else:
        raise ValueError("pilot=None and pilot_first_treated=None: expected one of them")
    gp = diff_full[site].map(g_pilot).to_numpy(float)
    pilot_site = pd.Series(np.isfinite(gp), index=diff_full.index)
    post_pilot = pd.Series(diff_full[period].to_numpy(float) >= gp, index=diff_full.index)

    full = _mean_over_sites(diff_full, post_every, site)
    treated = _mean_over_sites(diff_full, pilot_site & post_pilot, site)
    att = spill = float("nan")
    if pilot is not None:
        diff_pilot = _aligned(pilot, none, outcome, ("pilot", "none"), site, period)
        gp2 = diff_pilot[site].map(g_pilot).to_numpy(float)
        is_pilot = pd.Series(np.isfinite(gp2), index=diff_pilot.index)
        per = diff_pilot[period].to_numpy(float)
        att = _mean_over_sites(diff_pilot, is_pilot & pd.Series(per >= gp2), site)
        first = np.nanmin(gp2) if is_pilot.any() else np.inf
        spill = _mean_over_sites(diff_pilot, ~is_pilot & pd.Series(per >= first), site)
    return TrueEffects(
        full_rollout=full,
        treated_sites=treated,
        pilot_att=att,
        control_spillover=spill,
        n_sites=int(diff_full[site].nunique()),
        n_pilot_sites=int(diff_full.loc[pilot_site, site].nunique()),
    )


def true_effects_by_seed(
    runs: Mapping[int, Mapping[str, pd.DataFrame]],
    outcome: str,
    *,
    pilot_first_treated: Mapping[str, int | None] | None = None,
    site: str = "site",
    period: str = "period",
) -> pd.DataFrame:
    """Compute :func:`true_effects` for every seed.

    Args:
        runs: ``{seed: {"none": panel, "everywhere": panel, "pilot": panel (optional)}}``.
        outcome: Outcome column.
        pilot_first_treated: Pilot schedule by period, used for seeds without a pilot panel.
        site: Site column.
        period: Period column.

    Returns:
        One row per seed: ``seed`` and the :class:`TrueEffects` fields.

    Raises:
        ValueError: If ``runs`` is empty or a seed lacks the ``none`` or ``everywhere`` world.
    """
    if not runs:
        raise ValueError("runs: empty; expected {seed: {world: panel}} for at least one seed")
    rows = []
    for seed, worlds in runs.items():
        for world in ("none", "everywhere"):
            if world not in worlds:
                raise ValueError(
                    f"runs[{seed!r}]: no {world!r} world (found {sorted(worlds)}); expected "
                    f"the worlds {list(WORLDS[:2])} and optionally 'pilot'"
                )
        te = true_effects(
            worlds["none"],
            worlds["everywhere"],
            outcome,
            pilot=worlds.get("pilot"),
            pilot_first_treated=pilot_first_treated,
            site=site,
            period=period,
        )
        rows.append({"seed": seed, **te.to_dict()})
    return pd.DataFrame(rows)
