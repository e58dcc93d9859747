"""Each arm's level and effect in each world, and the effect's spread across worlds.

Two sources of uncertainty are kept apart. Within a world, runs of different arms with the same
seed are paired (common random numbers), so the seeds measure *seed noise*: how precisely the
runs pin down the effect in that world. Across worlds, the effect moves because the world's
parameters move: *parameter uncertainty*. :func:`effect_summary` shows both side by side.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from pilotsim.analysis.comparison.metrics import METRICS

CONFIDENCE = 0.95
QUANTILES = (0.05, 0.5, 0.95)


def overall(run_metrics: pd.DataFrame) -> pd.DataFrame:
    """The whole-population rows of a run-metrics table, for the metrics in the registry.

    Returns:
        ``run_id, arm, world, seed, metric, value``.
    """
    known = [m.name for m in METRICS]
    rows = run_metrics[(run_metrics["group_type"] == "overall")
                       & run_metrics["metric"].isin(known)]
    return rows[["run_id", "arm", "world", "seed", "metric", "value"]].reset_index(drop=True)


def world_levels(rows: pd.DataFrame) -> pd.DataFrame:
    """Each arm's mean over seeds in each world: ``arm, world, metric, value, n_seeds``."""
    return (rows.dropna(subset=["value"])
            .groupby(["arm", "world", "metric"], as_index=False)
            .agg(value=("value", "mean"), n_seeds=("value", "size")))


def world_effects(rows: pd.DataFrame, reference: str) -> pd.DataFrame:
    """Each arm's effect in each world: the mean over paired seeds of ``arm − reference``.

    Returns:
        ``arm, world, metric, effect, rel_effect, ref_value, seed_sd, n_pairs``; ``seed_sd`` is
        the SD of the paired differences over the world's seeds (NaN with one seed).
    """
    keys = ["world", "seed", "metric"]
    ref = rows.loc[rows["arm"] == reference, [*keys, "value"]].rename(
        columns={"value": "ref_value"})
    pairs = rows.loc[rows["arm"] != reference, ["arm", *keys, "value"]].merge(
        ref, on=keys).dropna(subset=["value", "ref_value"])
    pairs["diff"] = pairs["value"] - pairs["ref_value"]
    out = (pairs.groupby(["arm", "world", "metric"], as_index=False)
           .agg(effect=("diff", "mean"), ref_value=("ref_value", "mean"),
                seed_sd=("diff", "std"), n_pairs=("diff", "size")))
    ref_value = out["ref_value"].where(out["ref_value"] != 0)
    out["rel_effect"] = out["effect"] / ref_value
    return out[["arm", "world", "metric", "effect", "rel_effect", "ref_value", "seed_sd",
                "n_pairs"]]


def effect_summary(effects: pd.DataFrame) -> pd.DataFrame:
    """The effect across worlds (median, 5–95%) beside the seed-only 95% interval.

    The seed-only interval is what a study of the same seeds in a single, known world would
    report: the median effect ± t(0.975, ν)·s/√n, with s the within-world SD of the paired
    differences pooled over worlds (ν = Σ(n_w − 1) degrees of freedom: seed noise is the same
    kind of noise in every world) and n the seeds per world. Parameter uncertainty is the
    spread of the per-world effects; where it dwarfs the seed interval, more seeds would not
    help — knowing the world better would.

    Returns:
        One row per arm and metric: ``n_worlds, effect_median, effect_p05, effect_p95,
        rel_median, rel_p05, rel_p95, seed_low, seed_high, rel_seed_low, rel_seed_high,
        seed_halfwidth, seeds_per_world``.
    """
    rows = []
    order = {m.name: i for i, m in enumerate(METRICS)}
    effects = effects.sort_values(["arm", "metric"], key=lambda c: c.map(order)
                                  if c.name == "metric" else c, kind="stable")
    for (arm, metric), g in effects.groupby(["arm", "metric"], sort=False):
        eff = g["effect"].to_numpy(dtype=float)
        rel = g["rel_effect"].to_numpy(dtype=float)
        p05, med, p95 = np.nanquantile(eff, QUANTILES)
        r05, rmed, r95 = (np.nanquantile(rel, QUANTILES) if np.isfinite(rel).any()
                          else (np.nan,) * 3)
        n = g["n_pairs"].to_numpy(dtype=float)
        sd = g["seed_sd"].to_numpy(dtype=float)
        ok = (n >= 2) & np.isfinite(sd)
        dof = float((n[ok] - 1).sum())
        n_seeds = float(np.median(n)) if len(n) else np.nan
        if dof > 0:
            # the seed SD is the same kind of noise in every world: pool it (dof from all)
            pooled = float(np.sqrt(((n[ok] - 1) * sd[ok] ** 2).sum() / dof))
            half = stats.t.ppf(1 - (1 - CONFIDENCE) / 2, dof) * pooled / np.sqrt(n_seeds)
        else:
            half = np.nan
        ref = float(np.nanmedian(g["ref_value"])) if g["ref_value"].notna().any() else np.nan
        rows.append({
            "arm": arm, "metric": metric, "n_worlds": len(g),
            "effect_median": med, "effect_p05": p05, "effect_p95": p95,
            "rel_median": rmed, "rel_p05": r05, "rel_p95": r95,
            "seed_low": med - half, "seed_high": med + half,
            "rel_seed_low": rmed - half / abs(ref) if ref else np.nan,
            "rel_seed_high": rmed + half / abs(ref) if ref else np.nan,
            "seed_halfwidth": half, "seeds_per_world": n_seeds,
        })
    return pd.DataFrame(rows)
