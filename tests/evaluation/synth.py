"""Synthetic panels with known effects for the evaluation tests."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np
import pandas as pd


def make_panel(
    rng: np.random.Generator,
    first_treated: Mapping[str, float],
    n_periods: int,
    tau: Callable[[np.ndarray], np.ndarray] = lambda e: np.where(e >= 0, 1.0, 0.0),
    noise: float = 1.0,
) -> pd.DataFrame:
    """Site FE + period FE + tau(event time) for treated site-periods + N(0, noise^2)."""
    sites = list(first_treated)
    n = len(sites)
    df = pd.DataFrame(
        {"site": np.repeat(sites, n_periods), "period": np.tile(np.arange(n_periods), n)}
    )
    df["first_treated_period"] = df["site"].map(first_treated).astype(float)
    df["treated"] = (df["period"] >= df["first_treated_period"]).astype(int)
    df["event_time"] = df["period"] - df["first_treated_period"]
    effect = np.where(df["treated"] == 1, tau(df["event_time"].fillna(-999).to_numpy()), 0.0)
    df["tau"] = effect
    df["y"] = (
        np.repeat(rng.normal(0, 2, n), n_periods)
        + np.tile(rng.normal(0, 1, n_periods), n)
        + effect
        + rng.normal(0, noise, len(df))
    )
    return df


def random_assignment(
    rng: np.random.Generator, n_sites: int, n_treated: int, start: int
) -> dict[str, float]:
    """Random k of n sites first treated at ``start``; the others never (NaN)."""
    sites = [f"s{i:03d}" for i in range(n_sites)]
    chosen = set(rng.choice(n_sites, n_treated, replace=False).tolist())
    return {s: (float(start) if i in chosen else np.nan) for i, s in enumerate(sites)}
