"""Seaborn figures of a comparison, rendered off-screen (Agg) to PNG bytes.

Figures are built on :class:`matplotlib.figure.Figure` objects with an Agg canvas rather than
through ``pyplot``, so making them touches no global plotting state and needs no display.
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from pilotsim.analysis.comparison.metrics import (
    COST_METRICS,
    METRICS,
    METRICS_BY_NAME,
    WAIT_BIN_MINUTES,
)

DPI = 110
# The dots of a strip plot are spread across their category by this much (seaborn's own
# default) from a generator seeded with JITTER_SEED: seaborn's jitter draws from NumPy's global
# generator, unseeded, so the same study drew a different figure every time.
JITTER, JITTER_SEED = 0.1, 0


def _new_figure(width: float, height: float) -> Figure:
    fig = Figure(figsize=(width, height), dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def _jitter(ax: Axes, rng: np.random.Generator) -> None:
    """Spread the strip plot's dots (drawn without jitter) across their category on ``ax``."""
    for points in ax.collections:
        xy = np.asarray(points.get_offsets(), dtype=float)
        xy[:, 1] += rng.uniform(-JITTER, JITTER, len(xy))
        points.set_offsets(xy)


def to_png(fig: Figure) -> bytes:
    """Render a figure to PNG bytes."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()


def _palette(arms: Sequence[str]) -> dict[str, tuple[float, float, float]]:
    return dict(zip(arms, sns.color_palette("colorblind", len(arms)), strict=True))


def distributions(trips_hist: pd.DataFrame, wait_hist: pd.DataFrame,
                  arms: Sequence[str]) -> Figure:
    """Share of closed cases by trips, and share of visits by wait, per arm (all seeds pooled).

    Args:
        trips_hist: ``arm, value (trips), n``.
        wait_hist: ``arm, value (wait bin start, minutes), n``.
        arms: Arms in display order (reference first).

    Returns:
        A two-panel figure.
    """
    fig = _new_figure(11, 4)
    ax_trips, ax_wait = fig.subplots(1, 2)
    palette = _palette(arms)
    if not trips_hist.empty:
        sns.histplot(trips_hist, x="value", weights="n", hue="arm", hue_order=list(arms),
                     discrete=True, stat="proportion", common_norm=False, multiple="dodge",
                     shrink=0.8, palette=palette, ax=ax_trips)
    ax_trips.set(title="Trips per closed case", xlabel="office visits for the case",
                 ylabel="share of closed cases")
    if not wait_hist.empty:
        # Cut the long tail at the pooled 99th percentile so the bulk stays readable.
        ordered = wait_hist.groupby("value")["n"].sum().sort_index()
        cut = ordered.index[np.searchsorted(ordered.cumsum().to_numpy(),
                                            0.99 * ordered.sum())]
        shown = wait_hist[wait_hist["value"] <= cut]
        width = WAIT_BIN_MINUTES
        edges = np.arange(float(shown["value"].min()), float(cut) + 1.5 * width, width)
        sns.histplot(shown, x="value", weights="n", hue="arm", hue_order=list(arms),
                     bins=list(edges), stat="proportion", common_norm=False, element="step",
                     fill=False, palette=palette, ax=ax_wait)
    ax_wait.set(title="Wait per office visit (up to the 99th percentile)",
                xlabel="minutes in the queue", ylabel="share of visits")
    return fig


def paired_differences(pairs: pd.DataFrame, comparison: pd.DataFrame,
                       arms: Sequence[str]) -> Figure:
    """Per-seed differences (dots) and mean with 95% CI (bar) per metric, overall.

    Args:
        pairs: Per-seed differences (``paired.paired_differences``), all groups.
        comparison: The comparison table.
        arms: Compared arms (reference excluded), in display order.

    Returns:
        A grid with one panel per metric.
    """
    overall = pairs[pairs["group_type"] == "overall"]
    summary = comparison[comparison["group_type"] == "overall"]
    # costs are configured, not estimated: nothing to show per seed
    metrics = [m for m in METRICS if m.name in set(summary["metric"])
               and m.name not in COST_METRICS]
    cols = 2
    rows = max(1, -(-len(metrics) // cols))
    fig = _new_figure(11, 1.0 + rows * (0.55 * len(arms) + 1.1))
    axes = np.atleast_1d(fig.subplots(rows, cols, squeeze=False)).ravel()
    palette = _palette(arms)
    rng = np.random.default_rng(JITTER_SEED)
    for ax, metric in zip(axes, metrics, strict=False):
        seeds = overall[overall["metric"] == metric.name]
        stats_ = summary[summary["metric"] == metric.name].set_index("arm").reindex(arms)
        sns.stripplot(seeds, x="diff", y="arm", order=list(arms), hue="arm",
                      hue_order=list(arms), palette=palette, alpha=0.45, size=4, legend=False,
                      jitter=False, ax=ax)
        _jitter(ax, rng)
        ax.set_ylim(len(arms) - 0.5, -0.5)  # each category's band whole (first at the top)
        y = np.arange(len(arms))
        ax.errorbar(stats_["diff_mean"], y,
                    xerr=[stats_["diff_mean"] - stats_["ci_low"],
                          stats_["ci_high"] - stats_["diff_mean"]],
                    fmt="D", color="black", capsize=4, markersize=5, zorder=5)
        ax.axvline(0, color="grey", linewidth=1, linestyle="--")
        judged = (f"{metric.better} is better" if metric.better != "neither"
                  else "neither better nor worse")
        ax.set(title=f"{metric.label} ({judged})",
               xlabel=f"difference vs reference ({metric.unit})", ylabel="")
    for ax in axes[len(metrics):]:
        ax.set_visible(False)
    fig.suptitle("Paired differences per seed (dots) with mean and 95% CI (black)")
    return fig


def satisfaction_over_time(weekly: pd.DataFrame, arms: Sequence[str],
                           warmup_days: int = 0) -> Figure:
    """Weekly satisfaction per arm: mean over seeds with a ±2 standard-error band.

    Args:
        weekly: ``arm, seed, week, satisfaction_mean`` (closed-case-weighted per run and week).
        arms: Arms in display order.
        warmup_days: The warm-up left out of the measures, shaded grey.

    Returns:
        A line figure.
    """
    fig = _new_figure(11, 4)
    ax = fig.subplots()
    data = weekly.dropna(subset=["satisfaction_mean"])
    if not data.empty:
        sns.lineplot(data, x="week", y="satisfaction_mean", hue="arm", hue_order=list(arms),
                     palette=_palette(arms), errorbar=("se", 2), marker="o", markersize=3,
                     ax=ax)
    if warmup_days > 0:
        ax.axvspan(0, warmup_days / 7, color="0.85", zorder=0, label="warm-up (left out)")
        ax.legend()
    ax.set(title="Satisfaction of closed cases by week (mean over seeds, band ±2 SE)",
           xlabel="simulated week", ylabel="satisfaction (0–100)")
    return fig


def community_heatmap(comparison: pd.DataFrame, arms: Sequence[str],
                      metric: str = "trips_per_case") -> Figure:
    """Mean paired difference in one metric by community (rows) and arm (columns).

    Blue is better for the metric, red is worse; ``*`` marks a 95% CI that excludes zero.

    Args:
        comparison: The comparison table.
        arms: Compared arms (reference excluded).
        metric: Metric to show.

    Returns:
        A heatmap figure.
    """
    info = METRICS_BY_NAME[metric]
    rows = comparison[(comparison["group_type"] == "community")
                      & (comparison["metric"] == metric)]
    values = rows.pivot(index="group", columns="arm", values="diff_mean").reindex(
        columns=list(arms))
    sure = rows.assign(sure=(rows["ci_low"] > 0) | (rows["ci_high"] < 0)).pivot(
        index="group", columns="arm", values="sure").reindex(index=values.index,
                                                             columns=list(arms))
    n = max(1, len(values))
    fig = _new_figure(max(5.0, 1.6 * len(arms) + 3), min(30.0, 1.5 + 0.32 * n))
    ax = fig.subplots()
    if values.empty:
        ax.text(0.5, 0.5, "no community-level pairs", ha="center", va="center")
        ax.set_axis_off()
        return fig
    limit = float(np.nanmax(np.abs(values.to_numpy(dtype=float)))) or 1.0
    labels = None
    if n <= 40:
        labels = np.array([[("n/a" if pd.isna(v) else f"{v:+.2f}" + ("*" if s == True else ""))  # noqa: E712
                            for v, s in zip(vr, sr, strict=True)]
                           for vr, sr in zip(values.to_numpy(), sure.to_numpy(), strict=True)])
    cmap = "RdBu_r" if info.better == "lower" else "RdBu"
    with warnings.catch_warnings():
        # seaborn 0.13 calls Colormap.set_bad, which newer matplotlib marks as pending removal.
        warnings.simplefilter("ignore", PendingDeprecationWarning)
        sns.heatmap(values.astype(float), cmap=cmap, vmin=-limit, vmax=limit, center=0,
                    annot=labels if labels is not None else False, fmt="", linewidths=0.5,
                    cbar_kws={"label": f"difference in {info.label} ({info.unit})"}, ax=ax)
    ax.set(title=f"Change in {info.label} by community\n(blue = better, * = 95% CI excludes 0)",
           xlabel="arm", ylabel="community")
    return fig
