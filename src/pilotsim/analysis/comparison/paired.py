"""Paired comparison of each arm against the reference arm, seed by seed.

Runs of different arms with the same seed see the same residents and the same needs (common
random numbers), so the comparison works on per-seed differences ``arm − reference``. For each
arm, group and metric it reports the mean difference with a 95% t confidence interval, the
relative change, the probability that the arm is better, and whether the number of seeds was
enough for a target precision (and how many would be).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from pilotsim.analysis.comparison.metrics import (
    COST_METRICS,
    GROUP_TYPES,
    METRICS,
    METRICS_BY_NAME,
    NEUTRAL_METRICS,
)
from pilotsim.analysis.comparison.runs import ComparisonError, Run

CONFIDENCE = 0.95
"""Confidence level of every interval in the comparison."""

COLUMNS: tuple[str, ...] = (
    "arm", "reference", "group_type", "group", "metric", "n_pairs", "ref_mean", "arm_mean",
    "diff_mean", "ci_low", "ci_high", "rel_change", "p_better", "halfwidth", "enough_seeds",
    "seeds_needed",
    # Extras after the documented core columns.
    "unit", "better", "diff_sd", "rel_ci_low", "rel_ci_high", "n_better", "share_better",
    "target_halfwidth", "verdict", "opposite_to_overall", "n_worlds",
)
"""Columns of the comparison table, in order (see the report's notes for their meaning)."""


@dataclass(frozen=True)
class Target:
    """The precision wanted: the largest acceptable half-width of the 95% CI of a difference.

    Attributes:
        relative: Half-width as a fraction of the reference mean (e.g. 0.05: the CI must be
            within ±5% of the reference level), used for metrics without an absolute target.
        absolute: Half-width in the metric's own unit, per metric name.
    """

    relative: float | None = None
    absolute: Mapping[str, float] = field(default_factory=dict)

    @classmethod
    def parse(cls, value: float | Mapping[str, float] | Target | None) -> Target | None:
        """Build a target from ``compare_sweep``'s ``target_halfwidth`` argument.

        Args:
            value: ``None`` (no target), a number (relative to the reference mean), a mapping
                ``{metric: absolute half-width}``, or a ``Target``.

        Returns:
            The target, or ``None`` when no target was asked for.

        Raises:
            ComparisonError: If a number is not positive or a metric name is unknown.
        """
        if value is None or isinstance(value, Target):
            return value
        if isinstance(value, Mapping):
            unknown = sorted(set(value) - set(METRICS_BY_NAME))
            if unknown:
                raise ComparisonError(
                    f"target_halfwidth names unknown metric(s) {', '.join(unknown)}; expected "
                    f"one of {', '.join(METRICS_BY_NAME)}")
            bad = {k: v for k, v in value.items() if not float(v) > 0}
            if bad:
                raise ComparisonError(f"target_halfwidth values must be > 0, got {bad}")
            return cls(absolute={k: float(v) for k, v in value.items()})
        if not float(value) > 0:
            raise ComparisonError(
                f"target_halfwidth must be a positive fraction of the reference mean "
                f"(e.g. 0.05), got {value!r}")
        return cls(relative=float(value))

    def for_metric(self, metric: str, ref_mean: float) -> float:
        """Absolute half-width wanted for one metric (NaN if none applies)."""
        if metric in self.absolute:
            return self.absolute[metric]
        if self.relative is not None and ref_mean != 0 and np.isfinite(ref_mean):
            return self.relative * abs(ref_mean)
        return math.nan


def seeds_needed(sd: float, halfwidth: float, confidence: float = CONFIDENCE) -> int | None:
    """Smallest number of paired seeds whose t interval would have the given half-width.

    Solves ``n = (t(n−1) · sd / h)²`` for ``n``: the smallest ``n ≥ 2`` with
    ``t_{q, n−1} · sd / √n ≤ h`` (``q = 1 − (1 − confidence)/2``), starting from the normal
    approximation and stepping up while the t quantile is still too wide. The sample SD of the
    differences stands in for the true SD.

    Args:
        sd: Standard deviation of the per-seed differences.
        halfwidth: Target half-width ``h`` of the interval (same unit as ``sd``).
        confidence: Confidence level of the interval.

    Returns:
        The number of seeds, or ``None`` when ``sd`` or ``halfwidth`` is not usable.
    """
    if not (np.isfinite(sd) and np.isfinite(halfwidth)) or halfwidth <= 0 or sd < 0:
        return None
    if sd == 0:
        return 2
    q = 1 - (1 - confidence) / 2
    n = max(2, math.ceil((stats.norm.ppf(q) * sd / halfwidth) ** 2))
    while stats.t.ppf(q, n - 1) * sd / math.sqrt(n) > halfwidth:
        n += 1
    return n


def unpaired_runs(runs: list[Run], reference: str) -> pd.DataFrame:
    """Runs left out of some pairing because the other arm has no run with their seed.

    Args:
        runs: Usable runs.
        reference: The reference arm.

    Returns:
        Table ``run_id, arm, seed, compared_with, reason``.
    """
    seeds: dict[str, set[tuple[str, int]]] = {}
    for r in runs:
        seeds.setdefault(str(r.arm), set()).add(
            (r.world, int(r.seed)))  # type: ignore[arg-type]
    ref_seeds = seeds.get(reference, set())
    rows = []
    for r in runs:
        where = f" in world {r.world}" if r.world else ""
        if r.arm == reference:
            for arm in sorted(seeds):
                if arm != reference and (r.world, r.seed) not in seeds[arm]:
                    rows.append((r.run_id, r.arm, r.seed, arm,
                                 f"no '{arm}' run with seed {r.seed}{where}"))
        elif (r.world, r.seed) not in ref_seeds:
            rows.append((r.run_id, r.arm, r.seed, reference,
                         f"no '{reference}' run with seed {r.seed}{where}"))
    return pd.DataFrame(rows, columns=["run_id", "arm", "seed", "compared_with", "reason"])


_DIRECTION = {m.name: {"higher": 1.0, "lower": -1.0}.get(m.better, 0.0) for m in METRICS}


def paired_differences(metrics: pd.DataFrame, reference: str) -> pd.DataFrame:
    """Per-seed differences ``arm − reference`` for every arm, group and metric.

    Runs are matched on world (when the table has a ``world`` column) and seed; a seed present
    in only one of the two arms, or a value missing on either side (e.g. a subgroup with no
    closed cases in one run), gives no pair.

    Args:
        metrics: Per-run metrics (``run_id, arm, seed, group_type, group, metric, value``).
        reference: The reference arm.

    Returns:
        Table ``arm, seed, group_type, group, metric, value, ref_value, diff``.
    """
    keys = [*(["world"] if "world" in metrics.columns else []),
            "seed", "group_type", "group", "metric"]
    ref = metrics.loc[metrics["arm"] == reference, [*keys, "value"]].rename(
        columns={"value": "ref_value"})
    pairs = metrics.loc[metrics["arm"] != reference, ["arm", *keys, "value"]].merge(
        ref, on=keys, how="inner").dropna(subset=["value", "ref_value"])
    return pairs.assign(diff=pairs["value"] - pairs["ref_value"]).reset_index(drop=True)


def paired_comparison(metrics: pd.DataFrame, reference: str,
                      target: Target | None = None) -> pd.DataFrame:
    """Compare every other arm with the reference arm, pairing runs by seed.

    For each arm, group and metric, with ``d_i = arm_i − reference_i`` over the seeds where both
    runs have a value:

    - ``diff_mean`` = mean of ``d_i``; ``ci_low``/``ci_high`` = 95% t interval
      ``mean ± t_{0.975, n−1} · sd/√n``; ``halfwidth`` = ``t · sd/√n``.
    - ``rel_change`` = ``diff_mean / ref_mean`` (``rel_ci_*`` divide the CI by ``ref_mean``,
      treating the reference mean as fixed); NaN when ``ref_mean`` is 0.
    - ``p_better`` = posterior probability that the mean difference lies in the better direction,
      under a flat prior (mean) and Jeffreys prior (SD): ``T_{n−1}(±diff_mean / (sd/√n))``, which
      equals one minus the one-sided paired t-test p-value. ``share_better`` = ``n_better /
      n_pairs``, the share of seeds where the arm was strictly better.
    - ``enough_seeds`` = ``halfwidth ≤ target_halfwidth``; ``seeds_needed`` from
      :func:`seeds_needed`. Both are missing when no target applies.
    - ``verdict`` = ``better``/``worse`` when the CI excludes zero, ``no change`` when every
      difference is exactly zero, else ``unclear``; ``cost`` for the reform's costs;
      ``not judged`` for the measures of how residents were served (``NEUTRAL_METRICS``, the
      channel mix), whose ``p_better`` is missing and ``n_better`` 0.
    - ``opposite_to_overall`` flags subgroups whose difference has the opposite sign to the
      arm's overall difference and whose CI excludes zero.

    Args:
        metrics: Per-run metrics (``run_id, arm, seed, group_type, group, metric, value``).
        reference: The reference arm.
        target: Precision target, or ``None``.

    Returns:
        The comparison table with :data:`COLUMNS`.
    """
    pairs = paired_differences(metrics, reference)
    if pairs.empty:
        return pd.DataFrame(columns=list(COLUMNS))
    direction = pairs["metric"].map(_DIRECTION)
    pairs["is_better"] = direction * pairs["diff"] > 0

    # worlds per row: with several (a robustness study), a pair is a world × seed, not a seed
    pairs["world"] = pairs["world"].fillna("") if "world" in pairs.columns else ""
    out = (pairs.groupby(["arm", "group_type", "group", "metric"], sort=False)
           .agg(n_pairs=("diff", "size"), ref_mean=("ref_value", "mean"),
                arm_mean=("value", "mean"), diff_mean=("diff", "mean"),
                diff_sd=("diff", "std"), n_better=("is_better", "sum"),
                n_worlds=("world", "nunique"))
           .reset_index())
    n = out["n_pairs"].to_numpy(dtype=float)
    sd = out["diff_sd"].to_numpy(dtype=float)
    mean = out["diff_mean"].to_numpy(dtype=float)
    se = sd / np.sqrt(n)
    df = np.where(n >= 2, n - 1, np.nan)
    q = 1 - (1 - CONFIDENCE) / 2
    out["halfwidth"] = stats.t.ppf(q, df) * se
    out["ci_low"] = mean - out["halfwidth"]
    out["ci_high"] = mean + out["halfwidth"]
    sign = out["metric"].map(_DIRECTION)
    signed = sign.to_numpy() * mean
    with np.errstate(divide="ignore", invalid="ignore"):
        p = stats.t.cdf(signed / se, df)
    p = np.where(sd == 0, np.select([signed > 0, signed < 0], [1.0, 0.0], 0.5), p)
    out["p_better"] = np.where(n >= 2, p, np.nan)
    ref_mean = out["ref_mean"].to_numpy(dtype=float)
    safe = np.where(ref_mean == 0, np.nan, ref_mean)
    out["rel_change"] = mean / safe
    out["rel_ci_low"] = np.minimum(out["ci_low"] / safe, out["ci_high"] / safe)
    out["rel_ci_high"] = np.maximum(out["ci_low"] / safe, out["ci_high"] / safe)
    out["share_better"] = out["n_better"] / out["n_pairs"]

    if target is None:
        out["target_halfwidth"] = np.nan
    else:
        out["target_halfwidth"] = [target.for_metric(m, r)
                                   for m, r in zip(out["metric"], ref_mean, strict=True)]
    has_target = out["target_halfwidth"].notna() & out["halfwidth"].notna()
    out["enough_seeds"] = pd.array(
        [bool(h <= t) if ok else None
         for h, t, ok in zip(out["halfwidth"], out["target_halfwidth"], has_target, strict=True)],
        dtype="boolean")
    out["seeds_needed"] = pd.array(
        [seeds_needed(s, t) if ok else None
         for s, t, ok in zip(sd, out["target_halfwidth"], has_target, strict=True)],
        dtype="Int64")

    excludes_zero = ((out["ci_low"] > 0) | (out["ci_high"] < 0)).to_numpy()
    out["verdict"] = np.select(
        [excludes_zero & (signed > 0), excludes_zero & (signed < 0),
         (mean == 0) & (out["halfwidth"].to_numpy() == 0)],
        ["better", "worse", "no change"], "unclear")
    # a cost is what the reform was configured to spend, not an outcome that got worse
    out.loc[out["metric"].isin(COST_METRICS).to_numpy(), "verdict"] = "cost"
    # the channel mix is neither better nor worse: an interval, no verdict
    neutral = out["metric"].isin(NEUTRAL_METRICS).to_numpy()
    out.loc[neutral, "verdict"] = "not judged"
    out.loc[neutral, "p_better"] = np.nan
    overall = out.loc[out["group_type"] == "overall", ["arm", "metric", "diff_mean"]].rename(
        columns={"diff_mean": "overall_diff"})
    out = out.merge(overall, on=["arm", "metric"], how="left")
    excludes_zero = (out["ci_low"] > 0) | (out["ci_high"] < 0)
    out["opposite_to_overall"] = ((out["group_type"] != "overall") & excludes_zero
                                  & (np.sign(out["diff_mean"]) * np.sign(out["overall_diff"]) < 0))

    out["reference"] = reference
    out["unit"] = out["metric"].map({m.name: m.unit for m in METRICS})
    out["better"] = out["metric"].map({m.name: m.better for m in METRICS})
    order = {m.name: i for i, m in enumerate(METRICS)}
    out = out.assign(_g=out["group_type"].map({g: i for i, g in enumerate(GROUP_TYPES)}),
                     _m=out["metric"].map(order))
    out = out.sort_values(["arm", "_g", "group", "_m"], kind="stable")
    return out[list(COLUMNS)].reset_index(drop=True)
