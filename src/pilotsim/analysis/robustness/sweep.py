"""``robustness_sweep``: from a sweep over worlds to ``comparison/robustness.html``."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from pilotsim.analysis.comparison import figures
from pilotsim.analysis.comparison.metrics import METRICS_BY_NAME, summarise_runs
from pilotsim.analysis.comparison.report import arm_label, render_html, render_markdown
from pilotsim.analysis.comparison.runs import ComparisonError, RunCatalog, discover_runs
from pilotsim.analysis.robustness import decision, drivers, effects, flips, report
from pilotsim.spec.uncertainty import Uncertainty

log = logging.getLogger("pilotsim.analysis.robustness")

OBJECTIVE = "trips_per_case"
"""The measure the recommendation, the drivers and the flip regions are about by default."""


@dataclass
class RobustnessResult:
    """What the robustness analysis computed and where it wrote it.

    Attributes:
        reference: The reference arm.
        arms: Every arm, reference first.
        objective: The measure of the recommendation, drivers and flip regions.
        recommended: The arm with the highest P(best) on the objective.
        table: ``robustness.csv``: per arm and measure, the effect across worlds, the
            seed-only interval, P(best) and regret.
        effects: Each arm's effect in each world (``robustness_worlds.csv``).
        decision: P(best) and regret per measure and arm.
        drivers: ``arm, parameter, index, value, conf`` (``robustness_drivers.csv``).
        rules: The flip regions.
        paths: Written files by name.
    """

    reference: str
    arms: list[str]
    objective: str
    recommended: str | None
    table: pd.DataFrame
    effects: pd.DataFrame
    decision: pd.DataFrame
    drivers: pd.DataFrame
    rules: list[flips.FlipRule]
    paths: dict[str, Path] = field(default_factory=dict)

    def summary_lines(self) -> list[str]:
        """P(best), regret and top drivers on the objective, as terminal lines."""
        m = METRICS_BY_NAME[self.objective]
        lines = [f"Robustness on {m.label} across {self._n_worlds()} worlds:"]
        d = self.decision[self.decision["measure"] == self.objective]
        for _, r in d.iterrows():
            lines.append(f"  {arm_label(r.arm):<24} P(best) {r.p_best:5.0%}   regret p90 "
                         f"{r.regret_p90:.3g}, max {r.regret_max:.3g} {m.unit}")
        for arm, g in self.drivers.groupby("arm", sort=False):
            main = g["index"].iloc[0]
            top = g[g["index"] == main].nlargest(3, "value")
            lines.append(f"  drivers of {arm_label(arm)}'s effect ({main}): " + ", ".join(
                f"{p} {v:.3g}" for p, v in zip(top["parameter"], top["value"], strict=True)))
        lines += [f"  flips {r.sentence(self.recommended or '', arm_label)}"
                  for r in self.rules]
        return lines

    def _n_worlds(self) -> int:
        return int(self.effects["world"].nunique()) if not self.effects.empty else 0


def has_worlds(catalog: RunCatalog) -> bool:
    """Whether the sweep's usable runs span more than one world."""
    return len({r.world for r in catalog.usable}) > 1


def _uncertainty(catalog: RunCatalog) -> Uncertainty | None:
    """The design the runs' worlds were drawn from (None for worlds from a plain sweep)."""
    found: dict[str, Uncertainty] = {}
    for r in catalog.usable:
        if not r.world_values or not r.world.isdigit():
            continue
        meta = json.loads((r.path / "metadata.json").read_text(encoding="utf-8"))
        unc = Uncertainty.from_config((meta.get("config") or {}).get("uncertainty"))
        found[repr(unc)] = unc
        if len(found) > 1:
            raise ComparisonError(
                f"the runs' worlds come from different uncertainty designs (e.g. {r.run_id}); "
                "expected one uncertainty section per sweep folder")
    return next(iter(found.values()), None)


def robustness_sweep(sweep_dir: str | Path, reference: str = "baseline",
                     objective: str = OBJECTIVE, run_metrics: pd.DataFrame | None = None,
                     out_dir: str | Path | None = None) -> RobustnessResult:
    """Write the robustness report of a sweep that ran every arm in several worlds.

    Args:
        sweep_dir: The sweep folder (run folders at any depth).
        reference: The arm effects are measured against.
        objective: The measure of the recommendation, drivers and flip regions.
        run_metrics: The comparison's per-run metrics, if already computed
            (``ComparisonResult.run_metrics``); read from the runs otherwise.
        out_dir: Output folder; default ``sweep_dir/comparison``.

    Returns:
        The tables and the written paths.

    Raises:
        ComparisonError: no usable runs, one world only, the reference arm missing, or an
            unknown objective.
    """
    if objective not in METRICS_BY_NAME:
        raise ComparisonError(f"objective '{objective}' is not a measure; expected one of "
                              + ", ".join(METRICS_BY_NAME))
    catalog = discover_runs(sweep_dir)
    usable = catalog.usable
    if not has_worlds(catalog):
        raise ComparisonError(
            f"'{sweep_dir}' has runs of one world only; a robustness report needs runs in "
            "several worlds (uncertainty=... with a world sweep, e.g. +experiment=robustness)")
    arms_found = catalog.arms
    if reference not in arms_found:
        raise ComparisonError(f"reference arm '{reference}' has no complete run; expected one "
                              f"of: {', '.join(arms_found)}")
    arms = [reference, *[a for a in arms_found if a != reference]]
    unc = _uncertainty(catalog)
    if run_metrics is None:
        run_metrics = summarise_runs(usable).metrics
    rows = effects.overall(run_metrics)
    levels = effects.world_levels(rows)
    eff = effects.world_effects(rows, reference)
    summary = effects.effect_summary(eff)
    # the comparison's budget per year (set-up spread over compare.horizon_years), not the
    # run's total: a half-year run would otherwise carry a whole set-up against half a year's
    # effect, and rank arms unlike the comparison's decision table
    budget = run_metrics[(run_metrics["metric"] == "budget")
                         & (run_metrics["group_type"] == "overall")]
    costs = (budget.groupby(["arm", "world"], as_index=False)["value"].mean()
             .rename(columns={"value": "budget"}))
    table_d = decision.decision_table(levels, reference, arms, costs, objective)

    obj = table_d[table_d["measure"] == objective]
    recommended = (str(obj.sort_values("p_best", ascending=False, kind="stable")["arm"].iloc[0])
                   if not obj.empty else None)

    world_values = {r.world: dict(r.world_values) for r in usable}
    values = flips.numeric_values(world_values)
    rules: list[flips.FlipRule] = []
    if recommended is not None and not values.empty:
        best = decision.best_arms(levels, objective, arms)
        rules = flips.flip_rules(values, best, recommended)

    sens: dict[str, drivers.Sensitivity] = {}
    note = "the worlds were not drawn from an uncertainty design"
    if unc is not None:
        note = {"morris": f"Morris elementary effects, {unc.samples} trajectories",
                "sobol": f"Sobol' indices, Saltelli base sample {unc.samples}",
                "lhs": f"RBD-FAST on a Latin hypercube of {unc.samples}",
                "ensemble": "worlds resampled from a calibration's posterior"}[unc.design]
        for arm in arms[1:]:
            e = eff[(eff["arm"] == arm) & (eff["metric"] == objective)]
            y = pd.Series(e["effect"].to_numpy(), index=e["world"].astype(int).to_numpy())
            try:
                sens[arm] = drivers.sensitivity(unc, y)
            except drivers.SensitivityUnavailableError as e:
                log.warning("no sensitivity indices for %s: %s", arm, e)
                note = f"{note}; none for {arm_label(arm)}: {e}"
    driver_table = pd.concat(
        [s.table.assign(arm=a) for a, s in sens.items()], ignore_index=True)[
        ["arm", "parameter", "index", "value", "conf"]] if sens else pd.DataFrame(
        columns=["arm", "parameter", "index", "value", "conf"])

    table = summary.rename(columns={"metric": "measure"}).merge(
        table_d, on=["measure", "arm"], how="outer")
    out = Path(out_dir) if out_dir is not None else catalog.sweep_dir / "comparison"
    out.mkdir(parents=True, exist_ok=True)
    paths = {"robustness_html": out / "robustness.html", "robustness_md": out / "robustness.md",
             "robustness_csv": out / "robustness.csv",
             "robustness_worlds_csv": out / "robustness_worlds.csv",
             "robustness_drivers_csv": out / "robustness_drivers.csv"}
    png = None
    if sens:
        png = figures.to_png(report.tornado(sens, METRICS_BY_NAME[objective].label))
        paths["robustness_drivers_png"] = out / "robustness_drivers.png"
        paths["robustness_drivers_png"].write_bytes(png)
    table.to_csv(paths["robustness_csv"], index=False)
    eff.to_csv(paths["robustness_worlds_csv"], index=False)
    driver_table.to_csv(paths["robustness_drivers_csv"], index=False)

    header = _header(catalog, unc, arms, reference)
    blocks = report.build(
        reference=reference, arms=arms, objective=objective, unc=unc, summary=summary,
        decision=table_d, recommended=recommended, sens=sens, sens_note=note, rules=rules,
        header=header, figure=png, files=sorted(p.name for p in paths.values()))
    title = "pilotsim robustness: " + ", ".join(map(arm_label, arms))
    paths["robustness_html"].write_text(render_html(blocks, title), encoding="utf-8")
    paths["robustness_md"].write_text(render_markdown(blocks), encoding="utf-8")
    return RobustnessResult(reference, arms, objective, recommended, table, eff, table_d,
                            driver_table, rules, paths)


def _header(catalog: RunCatalog, unc: Uncertainty | None, arms: list[str],
            reference: str) -> list[str]:
    usable = catalog.usable
    worlds = sorted({r.world for r in usable})
    seeds = sorted({int(r.seed) for r in usable if r.seed is not None})
    days = sorted({r.days for r in usable if r.days is not None})
    meta = json.loads((usable[0].path / "metadata.json").read_text(encoding="utf-8"))
    frac = meta.get("sample_fraction")
    text = [f"{len(usable)} complete runs: {len(arms)} arms ({', '.join(map(arm_label, arms))})"
            f" in {len(worlds)} worlds with {len(seeds)} seed{'s' if len(seeds) != 1 else ''} "
            f"each, paired within world and seed; effects are measured against "
            f"{arm_label(reference)}."]
    calibration = (meta.get("world") or {}).get("calibration")
    if calibration:  # worlds from a posterior ensemble: say what it was calibrated to
        text.append(f"The {len(worlds)} worlds are drawn from the posterior ensemble "
                    f"{calibration['posterior']}, calibrated to {calibration['targets']} on "
                    f"{calibration['calibrated_at']} ({calibration['method']}).")
    elif unc is not None:
        text.append(f"The worlds are the {unc.design} design (samples = {unc.samples}, seed "
                    f"{unc.seed}) over {len(unc.parameters)} uncertain parameters (listed at "
                    "the end).")
    else:
        text.append("The worlds are the sweep's settings of keys that are not arms.")
    text.append(f"Each run simulates {', '.join(map(str, days))} days at a sample fraction of "
                f"{frac} (a share of the residents, offices at full load), chosen so that the "
                "study runs in minutes; waits come out about 2% shorter than at full scale "
                "at 0.1 and 0.25 (README, Scale), and paired effects share that offset.")
    left = len(catalog.problems)
    if left:
        text.append(f"{left} run folder(s) were left out (see comparison/runs.csv).")
    return text
