"""``compare_sweep``: from a sweep folder to tables, figures and a report."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from pilotsim.analysis.comparison import figures, header, report
from pilotsim.analysis.comparison.cost_effectiveness import cost_effectiveness
from pilotsim.analysis.comparison.metrics import summarise_runs
from pilotsim.analysis.comparison.paired import (
    Target,
    paired_comparison,
    paired_differences,
    unpaired_runs,
)
from pilotsim.analysis.comparison.runs import ComparisonError, discover_runs
from pilotsim.analysis.comparison.settings import CompareSettings


@dataclass
class ComparisonResult:
    """What a comparison computed and where it wrote it.

    Attributes:
        reference: The reference arm.
        arms: The compared arms (reference excluded), sorted.
        comparison: The tidy comparison table (``paired.COLUMNS``), also in comparison.csv.
        run_metrics: Per-run metrics (``run_id, arm, seed, group_type, group, metric, value``).
        pairs: Per-seed paired differences behind ``comparison``.
        cost_effectiveness: Cost per unit saved per arm and effect, ranked
            (``cost_effectiveness.COLUMNS``), also in cost_effectiveness.csv.
        settings: The settings the comparison ran with (warm-up, horizon, target).
        runs: Every run folder found, with status and the reason a run was left out.
        unpaired: Runs left out of a pairing for want of a partner seed.
        weekly: Weekly satisfaction per run.
        headlines: One headline sentence per compared arm.
        headline_text: The headline table and the decision table as aligned plain text.
        out_dir: Folder the outputs were written to.
        paths: Written files by name (``comparison_csv``, ``report_html``, …).
    """

    reference: str
    arms: list[str]
    comparison: pd.DataFrame
    run_metrics: pd.DataFrame
    pairs: pd.DataFrame
    cost_effectiveness: pd.DataFrame
    settings: CompareSettings
    runs: pd.DataFrame
    unpaired: pd.DataFrame
    weekly: pd.DataFrame
    headlines: list[str]
    headline_text: str
    out_dir: Path
    paths: dict[str, Path] = field(default_factory=dict)

    @property
    def flagged(self) -> pd.DataFrame:
        """Subgroup rows whose significant change runs against the overall change."""
        return self.comparison[self.comparison["opposite_to_overall"].astype(bool)]


def _target_text(target: Target | None) -> str:
    if target is None:
        return ("no target half-width was set, so the table shows the 95% CI half-width "
                "(±) instead of whether there were enough seeds.")
    parts = []
    if target.relative is not None:
        parts.append(f"±{100 * target.relative:g}% of the reference level")
    parts += [f"±{v:g} for {k}" for k, v in target.absolute.items()]
    return ("the 95% CI half-width was required to be at most " + ", ".join(parts)
            + " (measures with no applicable target show the half-width).")


def _terminal_text(comparison: pd.DataFrame, ce: pd.DataFrame) -> str:
    text = report.plain_table(report.headline_table(comparison))
    decision = report.decision_table(ce, comparison)
    if decision is not None:
        text += "\n\nDecision table (ranked by cost per trip saved; 95% CI):\n" + \
            report.plain_table(decision)
    return text


def compare_sweep(sweep_dir: str | Path, reference: str = "baseline",
                  target_halfwidth: float | Mapping[str, float] | None = None,
                  out_dir: str | Path | None = None, *, batch_size: int = 64,
                  extra_blocks: Sequence[report.Block] = (),
                  settings: CompareSettings | None = None) -> ComparisonResult:
    """Compare every arm of a sweep with the reference arm and write tables, figures, report.

    Args:
        sweep_dir: Folder holding run folders (any depth; each with metadata.json).
        reference: Arm the others are compared against.
        target_halfwidth: Precision wanted for the 95% CI of each difference: a number is a
            fraction of the reference mean (0.05 = ±5%); a mapping gives an absolute
            half-width per metric name (e.g. ``{"trips_per_case": 0.05}``); ``None``: the
            settings' ``target_halfwidth`` (none by default).
        out_dir: Output folder (created); default ``sweep_dir/comparison``.
        batch_size: Runs read per DuckDB query.
        extra_blocks: Further report sections, appended (e.g. a pilot study's).
        settings: ``compare.*`` settings: warm-up, set-up horizon, target (default:
            :class:`CompareSettings` defaults).

    Returns:
        The computed tables and the paths written.

    Raises:
        ComparisonError: If the folder is missing, holds no complete run, the reference arm
            has no complete run, no other arm has one, or the target is malformed.
    """
    settings = settings or CompareSettings()
    target = Target.parse(target_halfwidth) if target_halfwidth is not None else \
        settings.target
    catalog = discover_runs(sweep_dir)
    usable = catalog.usable
    if not usable:
        statuses = pd.Series([r.status for r in catalog.runs]).value_counts()
        found = ", ".join(f"{n} {s}" for s, n in statuses.items()) or "none"
        raise ComparisonError(
            f"no complete runs under '{sweep_dir}' (run folders found: {found}); expected run "
            "folders whose metadata.json has status \"complete\"")
    arms = catalog.arms
    if reference not in arms:
        raise ComparisonError(
            f"reference arm '{reference}' has no complete run in '{sweep_dir}'; expected one "
            f"of: {', '.join(arms)}")
    compared = [a for a in arms if a != reference]
    if not compared:
        raise ComparisonError(
            f"only the reference arm '{reference}' has complete runs in '{sweep_dir}'; "
            "nothing to compare it with")

    summaries = summarise_runs(usable, batch_size=batch_size, settings=settings)
    pairs = paired_differences(summaries.metrics, reference)
    comparison = paired_comparison(summaries.metrics, reference, target)
    ce = cost_effectiveness(pairs)
    unpaired = unpaired_runs(usable, reference)
    runs_table = catalog.to_frame()

    out = Path(out_dir) if out_dir is not None else catalog.sweep_dir / "comparison"
    out.mkdir(parents=True, exist_ok=True)
    order = [reference, *compared]
    pngs = {
        "distributions.png": figures.distributions(summaries.trips_hist, summaries.wait_hist,
                                                   order),
        "paired_differences.png": figures.paired_differences(pairs, comparison, compared),
        "satisfaction_over_time.png": figures.satisfaction_over_time(
            summaries.weekly, order, max((settings.warmup_for(r.days) for r in usable),
                                         default=0)),
        "communities.png": figures.community_heatmap(comparison, compared),
    }
    png_bytes = {name: figures.to_png(fig) for name, fig in pngs.items()}

    paths = {
        "comparison_csv": out / "comparison.csv",
        "comparison_parquet": out / "comparison.parquet",
        "cost_effectiveness_csv": out / "cost_effectiveness.csv",
        "run_metrics_parquet": out / "run_metrics.parquet",
        "runs_csv": out / "runs.csv",
        "report_html": out / "report.html",
        "report_md": out / "report.md",
    }
    for name, data in png_bytes.items():
        paths[name.removesuffix(".png")] = out / name
        (out / name).write_bytes(data)
    comparison.to_csv(paths["comparison_csv"], index=False)
    comparison.to_parquet(paths["comparison_parquet"], index=False)
    ce.to_csv(paths["cost_effectiveness_csv"], index=False)
    summaries.metrics.to_parquet(paths["run_metrics_parquet"], index=False)
    runs_table.to_csv(paths["runs_csv"], index=False)

    blocks = report.build_report(
        reference=reference, arms=compared, comparison=comparison, runs=runs_table,
        unpaired=unpaired, figures=png_bytes, target_text=_target_text(target),
        files=sorted(p.name for p in paths.values()), cost_effectiveness=ce,
        header=header.header_blocks(usable, reference, compared, settings),
        offices=summaries.offices)
    blocks = [*blocks, *extra_blocks]
    for b in extra_blocks:
        if isinstance(b, report.Image):
            (out / b.name).write_bytes(b.png)
    title = f"pilotsim comparison: {', '.join(map(report.arm_label, compared))} vs " \
            f"{report.arm_label(reference)}"
    paths["report_html"].write_text(report.render_html(blocks, title), encoding="utf-8")
    paths["report_md"].write_text(report.render_markdown(blocks), encoding="utf-8")

    return ComparisonResult(
        reference=reference, arms=compared, comparison=comparison,
        run_metrics=summaries.metrics, pairs=pairs, cost_effectiveness=ce, settings=settings,
        runs=runs_table, unpaired=unpaired,
        weekly=summaries.weekly, headlines=report.headline_sentences(comparison),
        headline_text=_terminal_text(comparison, ce), out_dir=out,
        paths=paths)


__all__ = ["ComparisonError", "ComparisonResult", "compare_sweep"]
