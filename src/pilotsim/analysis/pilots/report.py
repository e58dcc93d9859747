"""The pilot section of a report: estimate vs truth, bias and coverage, event studies, power.

Uses the comparison's report blocks and renderers, so a pilot study reads like the rest of
pilotsim's reports and can be appended to a sweep's comparison report.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import seaborn as sns

from pilotsim.analysis.comparison.figures import _new_figure, to_png
from pilotsim.analysis.comparison.report import (
    Block,
    Bullets,
    Heading,
    Image,
    Paragraph,
    Table,
    render_html,
    render_markdown,
)

if TYPE_CHECKING:  # study writes this report: the type only, to keep the two acyclic
    from pilotsim.analysis.pilots.study import PilotStudy

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


def event_curves(study: PilotStudy, outcomes: Sequence[str]):
    """Event-study curves per design, one panel per outcome.

    Each curve is the mean over seeds, with the seeds' 2.5–97.5% range.
    """
    fig = _new_figure(1.0 + 4.2 * len(outcomes), 3.8)
    axes = np.atleast_1d(fig.subplots(1, len(outcomes)))
    for ax, outcome in zip(axes, outcomes, strict=True):
        es = study.event_studies[study.event_studies["outcome"] == outcome]
        if not es.empty:
            # One row per design and event time (already the mean over seeds), so no error
            # bar of seaborn's: its default would bootstrap, unseeded, wherever an x repeats.
            sns.lineplot(es, x="event_time", y="estimate", hue="design", marker="o", ax=ax,
                         palette="colorblind", legend=ax is axes[0], errorbar=None)
            for _, g in es.groupby("design"):
                ax.fill_between(g["event_time"], g["ci_low"], g["ci_high"], alpha=0.15)
        ax.axhline(0, color="0.5", lw=0.8)
        ax.axvline(-0.5, color="0.5", lw=0.8, ls=":")
        ax.set(title=LABELS.get(outcome, outcome),
               xlabel=f"periods since adoption ({study.period_days} days each)",
               ylabel="effect")
    return fig


def power_curve(study: PilotStudy, outcome: str):
    """Minimum detectable effect by number of pilot sites and pilot length (placebo pilots).

    Bars are ± 2 Monte Carlo standard errors of the MDE.
    """
    p = study.power[(study.power["outcome"] == outcome) & (study.power["design"] == "placebo")]
    fig = _new_figure(6, 3.8)
    ax = fig.subplots()
    if not p.empty:
        sns.lineplot(p, x="n_sites", y="mde", hue="post_periods", marker="o", ax=ax,
                     palette="viridis", errorbar=None)  # one row per point (see event_curves)
        if "mcse_mde" in p:
            ax.errorbar(p["n_sites"], p["mde"], yerr=2 * p["mcse_mde"], fmt="none",
                        ecolor="0.6", lw=0.8)
        ax.axhline(abs(p["truth_full"].iloc[0]), color="black", lw=1.2, ls="--",
                   label="|full-rollout effect|")
        ax.legend(title="post periods", fontsize=8)
    ax.set(title=f"Minimum detectable effect (80% power): {LABELS.get(outcome, outcome)}",
           xlabel="pilot sites", ylabel="MDE (bars: ± 2 Monte Carlo SE)")
    return fig


def _f(x: float, digits: int = 3) -> str:
    return "–" if pd.isna(x) else f"{x:.{digits}f}"


def _pm(x: float, err: float, digits: int = 3) -> str:
    return "–" if pd.isna(x) else f"{x:.{digits}f} ± {_f(err, digits)}"


def _pct(x: float, err: float | None = None) -> str:
    if pd.isna(x):
        return "–"
    return f"{x:.0%}" if err is None or pd.isna(err) else f"{x:.0%} ± {err:.0%}"


def _rows(a: pd.DataFrame, outcomes: Sequence[str]):
    a = a[a["outcome"].isin(outcomes)].copy()
    a["_o"] = a["outcome"].map(list(outcomes).index)
    for _, r in a.sort_values(["_o", "design", "method"]).iterrows():
        yield LABELS.get(r["outcome"], r["outcome"]), \
            f"{r['design']} · {method_label(r['method'])}", r


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
                  "designs). The simulator knows four truths: the pilot's **direct effect** "
                  "on its own sites (pilot − none there), its **spillover** on the other "
                  "sites (pilot − none there: the comparison sites move too), the **rollout "
                  "effect at the pilot's sites** (everywhere − none there) and the "
                  "**full-rollout truth** (everywhere − none, all sites) — what a decision "
                  "to roll out is about. A stepped wedge treats every site in the end, so it "
                  "has no never-piloted sites to measure a spillover on (–): its comparison "
                  "sites are the not-yet-treated ones, and their spillover is part of its "
                  "estimate − direct effect."),
    ]
    blocks.append(Heading(3, "The estimate against each truth"))
    blocks.append(Table(
        ("outcome", "design · estimator", "mean estimate", "direct effect", "spillover",
         "rollout effect at pilot's sites", "full-rollout truth",
         "bias vs full rollout (± MC error)", "bias vs direct effect (± MC error)"),
        tuple((o, d, _f(r["mean_estimate"]), _f(r["truth_direct"]), _f(r["spillover"]),
               _f(r["truth_treated"]), _f(r["truth_full"]),
               _pm(r["bias_full"], r["mcse_bias_full"]),
               _pm(r["bias_direct"], r["mcse_bias_direct"]))
              for o, d, r in _rows(a, outcomes))))
    blocks.append(Heading(3, "Where the gap to the full-rollout truth comes from"))
    blocks.append(Paragraph(
        "bias vs full rollout = (estimate − direct effect) + scale-up + site selection. "
        "*Estimate − direct effect* is the evaluator's error at the pilot's own sites: mostly "
        "the spillover, which moves the comparison sites (a DiD subtracts it) plus noise. "
        "*Scale-up* is direct effect − rollout effect at the same sites: the pilot's "
        "conditions (its own added counters, a centre others walk into, the congestion "
        "rollout brings) differ from rollout's. *Site selection* is rollout effect at the "
        "pilot's sites − full-rollout truth: the pilot's sites are not the average site "
        "(with readiness fidelity, better-run sites deliver more)."))
    blocks.append(Table(
        ("outcome", "design · estimator", "estimate − direct effect", "scale-up",
         "site selection", "bias vs full rollout"),
        tuple((o, d, _pm(r["bias_direct"], r["mcse_bias_direct"]),
               _pm(r["scale_up"], r["mcse_scale_up"]),
               _pm(r["site_selection"], r["mcse_site_selection"]), _f(r["bias_full"]))
              for o, d, r in _rows(a, outcomes))))
    blocks.append(Heading(3, "Intervals and decisions"))
    blocks.append(Table(
        ("outcome", "design · estimator", "SD of estimates", "mean cluster-robust SE",
         "SE / SD", "CI covers direct effect (± MC)", "CI covers full rollout (± MC)",
         "held back", "wrong direction"),
        tuple((o, d, _f(r["sd"]), _f(r["mean_se"]), _f(r["se_to_sd"], 2),
               _pct(r["coverage_direct"], r["mcse_coverage_direct"]),
               _pct(r["coverage_full"], r["mcse_coverage_full"]),
               _pct(r["held_back"]), _pct(r["wrong_direction"]))
              for o, d, r in _rows(a, outcomes))))
    first = a[a["outcome"] == outcomes[0]].sort_values("bias_full", key=abs)
    bullets = []
    if len(first):
        best, bad = first.iloc[0], first.iloc[-1]
        bullets += [
            f"Closest to the full-rollout truth on {LABELS.get(outcomes[0])}: "
            f"{best['design']} ({method_label(best['method'])}), bias "
            f"{_pm(best['bias_full'], best['mcse_bias_full'])}.",
            f"Furthest: {bad['design']} ({method_label(bad['method'])}), bias "
            f"{_pm(bad['bias_full'], bad['mcse_bias_full'])}; held back in "
            f"{bad['held_back']:.0%} of seeds, the wrong direction in "
            f"{bad['wrong_direction']:.0%}."]
        for _, r in first.sort_values("design").iterrows():
            terms = {"the evaluator's error (mostly spillover)": r["bias_direct"],
                     "scale-up": r["scale_up"], "site selection": r["site_selection"]}
            name, value = max(terms.items(), key=lambda kv: abs(kv[1])
                              if pd.notna(kv[1]) else -1)
            bullets.append(f"{r['design']} ({method_label(r['method'])}): the largest term "
                           f"of its bias is {name}, {_f(value)}.")
    if bullets:
        blocks.append(Bullets(tuple(bullets)))
    blocks += forecast_blocks(study)
    blocks.append(Image("pilot_estimate_vs_truth.png",
                        to_png(estimate_vs_truth(study, list(outcomes))),
                        "Pilot estimates per seed against the full-rollout truth"))
    blocks.append(Image("pilot_event_study.png", to_png(event_curves(study, list(outcomes))),
                        "Event-study curves per design, for every measure"))
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
        "Reading the tables: bias is the mean of (estimate − truth) over seeds, ± its Monte "
        "Carlo standard error (SD of the per-seed errors / √seeds); coverage is how often the "
        "evaluator's 95% interval — cluster-robust by community, t with (sites − 1) degrees "
        "of freedom — contains the truth, ± its binomial Monte Carlo error. SE / SD compares "
        "that interval's standard error with the real spread of the estimates across seeds: "
        "above 1 the intervals are wider than the estimates' own precision and coverage "
        "reads better than the pilot's precision is. *Held back*: the interval includes 0 "
        "while rollout would help (too small a pilot to tell). *Wrong direction*: the "
        "interval excludes 0 on the wrong side (it says the reform harms while it helps, or "
        "helps while it does not). The MDE is 2.8 × the SD of placebo pilot estimates on the "
        "world without the reform; it is read up to half the sites (beyond, controls run "
        "out and it rises again: its variance goes as 1/k + 1/(n − k)); bars are ± 2 Monte "
        "Carlo SE."))
    return blocks


def forecast_blocks(study: PilotStudy) -> list[Block]:
    """The forecast section: per design, forecast vs DiD extrapolation vs truth (if made)."""
    a = study.forecast_assessment
    if a is None or a.empty:
        return []
    f = study.forecasts
    level = float(f["level"].iloc[0])
    blocks: list[Block] = [
        Heading(3, "Forecast of the full rollout from the pilot's data"),
        Paragraph(
            "The DiD estimate says what the pilot did at its sites; taken for the rollout's "
            "effect it carries the spillover, scale-up and site-selection terms above. The "
            "forecast reads the pilot's data against an ensemble of worlds drawn from the "
            "priors (the `uncertainty:` declarations), each simulated with the same pilot "
            "design and with full rollout: the members whose pilot looks like this one "
            "(DiD estimate and pre-pilot level of trips, wait and wasted trips) say what "
            "rollout does in such worlds (ABC with local-linear regression adjustment; a "
            f"{level:.0%} jackknife interval from the members' leave-one-out errors; "
            "docs/pilots.md). Judged on the simulated truth over the replicate pilots: "
            f"bias ± MC error, and how often the {level:.0%} interval holds the truth "
            f"(the DiD's {level:.0%} interval: estimate ± t(sites − 1) × its "
            "cluster-robust SE). Best DiD: the estimator with the smallest |bias| for that "
            "design and measure.")]
    rows, bullets = [], []
    for (d, o), g in a.groupby(["design", "outcome"], sort=True):
        fc = g[g["method"] == "forecast"]
        best = g[g["best_did"]]
        if fc.empty or best.empty:
            continue
        fc, best = fc.iloc[0], best.iloc[0]
        rows.append((LABELS.get(o, o), d, _f(fc["truth"]), _f(fc["mean_estimate"]),
                     f"{_f(best['mean_estimate'])} ({method_label(best['method'])})",
                     _pm(fc["bias"], fc["mcse_bias"]), _pm(best["bias"], best["mcse_bias"]),
                     _pct(fc["coverage"], fc["mcse_coverage"]),
                     _pct(best["coverage"], best["mcse_coverage"]),
                     _f(fc["mean_width"]), _f(best["mean_width"]), str(int(fc["n_reps"]))))
        met_cov = abs(fc["coverage"] - level) <= 0.10
        met_bias = abs(fc["bias"]) < abs(best["bias"])
        bullets.append(
            f"{d}, {LABELS.get(o, o)}: coverage {fc['coverage']:.0%} "
            f"({'within' if met_cov else 'not within'} 10 points of {level:.0%}); |bias| "
            f"{abs(fc['bias']):.3g} {'below' if met_bias else 'not below'} the best DiD's "
            f"{abs(best['bias']):.3g}.")
    blocks.append(Table(
        ("outcome", "design", "full-rollout truth", "mean forecast", "mean DiD (best)",
         "forecast bias (± MC)", "DiD bias (± MC)", f"forecast {level:.0%} coverage",
         f"DiD {level:.0%} coverage", "forecast interval width", "DiD interval width",
         "pilots"), tuple(rows)))
    if bullets:
        blocks.append(Bullets(tuple(bullets)))
    return blocks


def write_study(study: PilotStudy, out_dir: str | Path) -> dict[str, Path]:
    """Write the study's tables (CSV), figures and a self-contained report into ``out_dir``."""
    out_dir = Path(out_dir)  # docs/pilots.md: write_study(study, folder), a name or a Path
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {}
    names = ["estimates", "truth", "assessment", "event_studies", "power"]
    if not study.forecasts.empty:
        names += ["forecasts", "forecast_assessment"]
    for name in names:
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
