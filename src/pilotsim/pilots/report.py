"""The pilot section of a report: estimate vs truth, bias and coverage, event studies, power.

Uses the comparison's report blocks and renderers, so a pilot study reads like the rest of
pilotsim's reports and can be appended to a sweep's comparison report.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import seaborn as sns

from pilotsim.comparison.figures import _new_figure, to_png
from pilotsim.comparison.report import (
    Block,
    Bullets,
    Heading,
    Image,
    Paragraph,
    Table,
    render_html,
    render_markdown,
)
from pilotsim.pilots.study import PilotStudy

LABELS = {"trips_per_case": "trips per case", "wait_min": "mean wait (min)",
          "satisfaction": "satisfaction (0–100)", "abandonment_rate": "abandonment rate",
          "one_trip_share": "one-trip share", "wasted_trips_per_case": "wasted trips per case"}


def estimate_vs_truth(study: PilotStudy, outcomes: Sequence[str]):
    """Per outcome: each design's estimates (seeds, with CIs) beside the full-rollout truth."""
    est = study.estimates[study.estimates["outcome"].isin(outcomes)].copy()
    est["label"] = est["design"] + " · " + est["method"].map(method_label)
    labels = sorted(est["label"].unique())
    fig = _new_figure(2.2 + 3.4 * len(outcomes), 1.2 + 0.7 * len(labels))
    axes = np.atleast_1d(fig.subplots(1, len(outcomes), sharey=True))
    for ax, outcome in zip(axes, outcomes, strict=True):
        e = est[est["outcome"] == outcome]
        for i, lab in enumerate(labels):
            rows = e[e["label"] == lab].reset_index(drop=True)
            y = i + np.linspace(-0.3, 0.3, len(rows)) if len(rows) > 1 else np.array([i])
            ax.hlines(y, rows["ci_low"], rows["ci_high"], color="0.7", lw=1)
            ax.plot(rows["estimate"], y, "o", ms=3, color=sns.color_palette("colorblind")[0])
        t = study.truth[study.truth["outcome"] == outcome]
        ax.axvline(t["full_rollout"].mean(), color="black", lw=1.5, label="full rollout (truth)")
        ax.axvline(0, color="0.5", lw=0.8, ls=":")
        ax.set_yticks(range(len(labels)), labels)
        ax.set(title=LABELS.get(outcome, outcome), xlabel="effect (95% CI per seed)")
    axes[0].legend(loc="lower left", fontsize=8)
    return fig


def method_label(method: str) -> str:
    """A short name of an estimator (``twfe`` → TWFE, Callaway & Sant'Anna → C&S)."""
    return "C&S" if method.startswith("callaway") else method.upper()


def event_curves(study: PilotStudy, outcome: str):
    """Event-study curves (mean over seeds, with the seeds' 2.5–97.5% range) per design."""
    es = study.event_studies[study.event_studies["outcome"] == outcome]
    fig = _new_figure(6, 3.8)
    ax = fig.subplots()
    if not es.empty:
        sns.lineplot(es, x="event_time", y="estimate", hue="design", marker="o", ax=ax,
                     palette="colorblind")
        for _, g in es.groupby("design"):
            ax.fill_between(g["event_time"], g["ci_low"], g["ci_high"], alpha=0.15)
    ax.axhline(0, color="0.5", lw=0.8)
    ax.axvline(-0.5, color="0.5", lw=0.8, ls=":")
    ax.set(title=f"Event study: {LABELS.get(outcome, outcome)}",
           xlabel=f"periods since adoption ({study.period_days} days each)",
           ylabel="effect")
    return fig


def power_curve(study: PilotStudy, outcome: str):
    """Minimum detectable effect by number of pilot sites and pilot length (placebo pilots)."""
    p = study.power[(study.power["outcome"] == outcome) & (study.power["design"] == "placebo")]
    fig = _new_figure(6, 3.8)
    ax = fig.subplots()
    if not p.empty:
        sns.lineplot(p, x="n_sites", y="mde", hue="post_periods", marker="o", ax=ax,
                     palette="viridis")
        ax.axhline(abs(p["truth_full"].iloc[0]), color="black", lw=1.2, ls="--",
                   label="|full-rollout effect|")
        ax.legend(title="post periods", fontsize=8)
    ax.set(title=f"Minimum detectable effect (80% power): {LABELS.get(outcome, outcome)}",
           xlabel="pilot sites", ylabel="MDE")
    return fig


def _f(x: float, digits: int = 3) -> str:
    return "–" if pd.isna(x) else f"{x:.{digits}f}"


def pilot_blocks(study: PilotStudy, outcomes: Sequence[str] = ("trips_per_case", "wait_min",
                                                               "satisfaction")) -> list[Block]:
    """The pilot section as report blocks."""
    a = study.assessment
    seeds = study.estimates["seed"].nunique()
    blocks: list[Block] = [
        Heading(2, "Pilot evaluation: how far can the pilot's result be trusted?"),
        Paragraph(f"Each pilot design was run with {seeds} seeds, beside the same worlds with "
                  "the reform nowhere and everywhere (same residents, same needs). The "
                  "evaluator's estimate is a difference-in-differences on community-by-period "
                  f"outcomes ({study.period_days}-day periods; two-way fixed effects with "
                  "community-clustered errors, and Callaway & Sant'Anna for staggered "
                  "designs). The truth is what full rollout does (everywhere − none)."),
    ]
    rows = []
    for _, r in a[a["outcome"].isin(outcomes)].sort_values(["outcome", "design"]).iterrows():
        rows.append((LABELS.get(r["outcome"], r["outcome"]),
                     f"{r['design']} · {method_label(r['method'])}",
                     _f(r["mean_estimate"]), _f(r["truth_full"]), _f(r["bias_full"]),
                     _f(r["sd"]), f"{r['coverage_full']:.0%}", f"{r['coverage_treated']:.0%}",
                     f"{r['wrong_decision']:.0%}"))
    blocks.append(Table(("outcome", "design · estimator", "mean estimate", "truth (full "
                         "rollout)", "bias", "SD", "CI covers full-rollout truth",
                         "CI covers pilot-site truth", "wrong decision"), tuple(rows)))
    worst = a[a["outcome"] == outcomes[0]].sort_values("bias_full", key=abs)
    if len(worst):
        best, bad = worst.iloc[0], worst.iloc[-1]
        blocks.append(Bullets((
            f"Closest to the truth on {LABELS.get(outcomes[0])}: {best['design']} "
            f"({best['method']}), bias {_f(best['bias_full'])}.",
            f"Furthest: {bad['design']} ({bad['method']}), bias {_f(bad['bias_full'])}; "
            f"it points to the wrong decision in {bad['wrong_decision']:.0%} of seeds.",
        )))
    blocks.append(Image("pilot_estimate_vs_truth.png",
                        to_png(estimate_vs_truth(study, list(outcomes))),
                        "Pilot estimates per seed against the full-rollout truth"))
    blocks.append(Image("pilot_event_study.png", to_png(event_curves(study, outcomes[0])),
                        "Event-study curves per design"))
    blocks.append(Image("pilot_power.png", to_png(power_curve(study, outcomes[0])),
                        "Minimum detectable effect by pilot sites and length"))
    sp = study.power[(study.power["design"] != "placebo") &
                     (study.power["outcome"] == outcomes[0])]
    if len(sp):
        blocks.append(Bullets(tuple(
            f"{r['design']}: power {r['simulated_power']:.0%} to detect its effect on "
            f"{LABELS.get(outcomes[0])} with {int(r['n_sites'])} sites (simulated: its own "
            f"estimates against placebo pilots on the world without the reform)."
            for _, r in sp.iterrows())))
    blocks.append(Paragraph(
        "Reading the table: bias is the mean of (estimate − truth) over seeds; coverage is how "
        "often the 95% interval contains the truth; a wrong decision is a pilot whose interval "
        "says the reform helps while full rollout would not help, or the reverse. The MDE is "
        "2.8 × the SD of placebo pilot estimates on the world without the reform."))
    return blocks


def write_study(study: PilotStudy, out_dir: Path) -> dict[str, Path]:
    """Write the study's tables (CSV), figures and a self-contained report into ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {}
    for name in ("estimates", "truth", "assessment", "event_studies", "power"):
        p = out_dir / f"pilot_{name}.csv"
        getattr(study, name).to_csv(p, index=False)
        paths[name] = p
    blocks = pilot_blocks(study)
    for b in blocks:
        if isinstance(b, Image):
            (out_dir / b.name).write_bytes(b.png)
    (out_dir / "pilot_report.html").write_text(render_html(blocks, "pilotsim pilot study"))
    (out_dir / "pilot_report.md").write_text(render_markdown(blocks))
    paths["report_html"] = out_dir / "pilot_report.html"
    paths["report_md"] = out_dir / "pilot_report.md"
    study.out_dir, study.paths = out_dir, paths
    return paths
