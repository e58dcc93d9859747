"""The robustness report's blocks and its tornado figure of the drivers.

The blocks are rendered to HTML and Markdown by :mod:`pilotsim.analysis.comparison.report`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pandas as pd

from pilotsim.analysis.comparison.metrics import METRICS_BY_NAME
from pilotsim.analysis.comparison.report import (
    Block,
    Bullets,
    Heading,
    Image,
    Paragraph,
    Table,
    arm_label,
)
from pilotsim.analysis.robustness.drivers import INDEX_LABELS, Sensitivity
from pilotsim.analysis.robustness.flips import FlipRule
from pilotsim.spec.uncertainty import Uncertainty

TOP_DRIVERS = 3
"""Drivers named per arm in the report's text (the figure shows up to 10)."""


def _num(value: float, unit: str) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    if math.isinf(value):
        return "∞"
    if unit == "share":
        return f"{100 * value:+.1f} pp".replace("-", "−")
    digits = 3 if abs(value) < 1 else 2 if abs(value) < 100 else 0
    return f"{value:+,.{digits}f}".replace("-", "−")


def _pct(value: float) -> str:
    return "n/a" if value is None or math.isnan(value) else f"{100 * value:+.1f}%".replace(
        "-", "−")


def _plain(value: float, unit: str) -> str:
    if math.isnan(value):
        return "n/a"
    if math.isinf(value):
        return "∞"
    if unit == "share":
        return f"{100 * value:.1f} pp"
    return f"{value:,.3g}" if abs(value) < 1000 else f"{value:,.0f}"


def tornado(sens: Mapping[str, Sensitivity], metric_label: str) -> plt.Figure:
    """One horizontal bar chart per arm: the parameters ranked by their main index."""
    arms = list(sens)
    fig, axes = plt.subplots(1, len(arms), figsize=(4.6 * len(arms), 0.5 + 0.42 * max(
        len(s.table["parameter"].unique()) for s in sens.values())), squeeze=False)
    for ax, arm in zip(axes[0], arms, strict=True):
        s = sens[arm]
        t = s.table[s.table["index"] == s.main].sort_values("value").tail(10)
        ax.barh(t["parameter"], t["value"],
                xerr=t["conf"].where(t["conf"].notna(), 0.0), color="#4c72b0")
        ax.set_title(arm_label(arm), fontsize=10)
        ax.set_xlabel(INDEX_LABELS[s.main])
        ax.tick_params(axis="y", labelsize=8)
    fig.suptitle(f"What drives each arm's effect on {metric_label}", fontsize=11)
    fig.tight_layout()
    return fig


def build(*, reference: str, arms: Sequence[str], objective: str, unc: Uncertainty | None,
          summary: pd.DataFrame, decision: pd.DataFrame, recommended: str | None,
          sens: Mapping[str, Sensitivity], sens_note: str, rules: Sequence[FlipRule],
          header: Sequence[str], figure: bytes | None, files: Sequence[str]) -> list[Block]:
    """The report's blocks, in reading order."""
    obj = METRICS_BY_NAME[objective]
    blocks: list[Block] = [Heading(1, "How robust is the ranking?"),
                           Paragraph(" ".join(header))]
    if recommended is not None:
        d = decision[(decision["measure"] == objective) & (decision["arm"] == recommended)]
        row = d.iloc[0]
        blocks.append(Paragraph(
            f"On {obj.label}, {arm_label(recommended)} is best in {row.p_best:.0%} of "
            f"{int(row.n_worlds)} worlds; its regret (how far it falls short of the best arm "
            f"in a world) is at most {_plain(row.regret_max, obj.unit)} {obj.unit} "
            f"(90th percentile {_plain(row.regret_p90, obj.unit)})."))
    blocks.append(Heading(2, "Effect across worlds, beside seed noise"))
    blocks.append(Paragraph(
        "Each arm's effect against " + arm_label(reference) + " (arm − reference, paired "
        "within world and seed). “Across worlds” is the spread of the effect over the drawn "
        "worlds (median and 5–95%): what we do not know about the world. “Seed only” is the 95% "
        "interval a study of these seeds would report in one known world: run noise only. "
        "Where the first is much wider, more seeds will not help; knowing the world better "
        "would."))
    rows = []
    for _, r in summary.iterrows():
        m = METRICS_BY_NAME.get(r.metric)
        if m is None or not m.by_group:
            continue
        rows.append((arm_label(r.arm), m.label,
                     f"{_num(r.effect_median, m.unit)} ({_pct(r.rel_median)})",
                     f"{_num(r.effect_p05, m.unit)} to {_num(r.effect_p95, m.unit)} "
                     f"({_pct(r.rel_p05)} to {_pct(r.rel_p95)})",
                     f"{_num(r.seed_low, m.unit)} to {_num(r.seed_high, m.unit)} "
                     f"({_pct(r.rel_seed_low)} to {_pct(r.rel_seed_high)})"))
    seeds = summary["seeds_per_world"].median() if not summary.empty else math.nan
    blocks.append(Table(("Arm", "Measure", "Median effect", "Across worlds, 5–95%",
                         f"Seed only ({seeds:g} seed{'' if seeds == 1 else 's'}), 95% interval"),
                  tuple(rows)))

    blocks.append(Heading(2, "Which arm is best, and what it costs to be wrong"))
    blocks.append(Paragraph(
        "P(best): share of worlds in which the arm is best on the measure (the reference "
        "counts as an arm; ties share the world). Regret: how far the arm falls short of the "
        "best arm in the same world, in the measure's unit — 90th percentile and maximum over "
        "worlds. The last block ranks arms by budget per year (running costs plus the "
        "set-up spread over compare.horizon_years, as in the comparison's decision table) per "
        f"unit of improvement on {obj.label}; ∞ where an arm does not improve on it in some "
        "world."))
    rows = []
    for _, r in decision.iterrows():
        unit = METRICS_BY_NAME[r.measure].unit if r.measure in METRICS_BY_NAME else ""
        rows.append((r.label, arm_label(r.arm), f"{r.p_best:.0%}",
                     _plain(r.regret_p90, unit), _plain(r.regret_max, unit), r.unit))
    blocks.append(Table(("Measure", "Arm", "P(best)", "Regret, 90th pct", "Regret, max",
                         "Unit"), tuple(rows)))

    blocks.append(Heading(2, "What drives it"))
    if sens:
        main = next(iter(sens.values())).main
        items = []
        for arm, s in sens.items():
            t = s.table[s.table["index"] == s.main].sort_values("value", ascending=False)
            top = ", ".join(f"{p} ({v:.3g})" for p, v in
                            zip(t["parameter"].head(TOP_DRIVERS), t["value"].head(TOP_DRIVERS),
                                strict=True))
            items.append(f"{arm_label(arm)}: {top}")
        blocks.append(Paragraph(
            f"Global sensitivity of each arm's effect on {obj.label} across the worlds, by "
            f"{INDEX_LABELS[main]} ({sens_note}). Top drivers:"))
        blocks.append(Bullets(tuple(items)))
        if figure is not None:
            blocks.append(Image("robustness_drivers.png", figure,
                                f"Sensitivity of each arm's effect on {obj.label}"))
    else:
        blocks.append(Paragraph(f"No sensitivity indices: {sens_note}."))

    blocks.append(Heading(2, "Where the decision flips"))
    if recommended is None:
        blocks.append(Paragraph("No recommendation: no world has a value for every arm."))
    elif not rules:
        share = decision[(decision["measure"] == objective)
                         & (decision["arm"] == recommended)]["p_best"].iloc[0]
        blocks.append(Paragraph(
            f"{arm_label(recommended)} is best on {obj.label} in {share:.0%} of the worlds"
            + ("; there is no region where another arm wins." if share == 1 else
               "; the worlds where it is not are scattered (no region of at least 5% of the "
               "worlds gathers them), so no rule describes them.")))
    else:
        blocks.append(Paragraph(
            f"A shallow decision tree over the world's parameters separates the worlds where "
            f"{arm_label(recommended)} is best on {obj.label} from those where it is not "
            "(scenario discovery):"))
        blocks.append(Bullets(tuple(r.sentence(recommended, arm_label) for r in rules)))

    if unc is not None and unc.parameters:
        blocks.append(Heading(2, "The uncertain parameters"))
        blocks.append(Table(("Parameter", "Distribution", "Why uncertain"), tuple(
            (p.key, p.describe(), p.reason) for p in unc.parameters)))
    blocks.append(Paragraph("Files: " + ", ".join(files) + "."))
    return blocks
