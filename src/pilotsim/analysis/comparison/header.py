"""The report's header: what was run, with which code, under which assumptions.

Everything here is read from the run folders' ``metadata.json`` (the resolved config, the
package version and git commit, the reforms' costs) and from the ``compare.*`` settings, so the
header describes the runs that were compared, not the config on the machine that wrote it.

Hooks for later studies: a run whose metadata has a ``world`` (a parameter draw of a robustness
study) is counted per world; a ``calibration`` entry replaces the "not calibrated" assumption.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from pilotsim.analysis.comparison.report import Block, Bullets, Heading, Paragraph, Table, arm_label
from pilotsim.analysis.comparison.runs import Run
from pilotsim.analysis.comparison.settings import CompareSettings
from pilotsim.plugins.reforms.registry import REFORMS

SAMPLE_BIAS_BELOW = 0.5
"""Sample fractions below this carry the known wait bias (README, "Scale")."""


def _metadata(run: Run) -> dict[str, Any]:
    try:
        meta = json.loads((run.path / "metadata.json").read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return {}
    return meta if isinstance(meta, dict) else {}


def _flat(value: Any, prefix: str = "") -> list[str]:
    """``{a: {b: 1}, c: [x]}`` → ``["a.b=1", "c=[x]"]`` (plain config values, compactly)."""
    if isinstance(value, Mapping):
        out = []
        for k, v in value.items():
            out += _flat(v, f"{prefix}{k}.")
        return out
    text = json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else value
    return [f"{prefix.rstrip('.')}={text}"]


def _seeds_text(seeds: Sequence[int]) -> str:
    s = sorted(set(seeds))
    if not s:
        return "none"
    if s == list(range(s[0], s[-1] + 1)) and len(s) > 2:
        return f"{len(s)} ({s[0]}–{s[-1]})"
    return f"{len(s)} ({', '.join(map(str, s))})"


def _world_label(world: Any) -> str:
    # A run's metadata records its draw as {id, design, samples, seed, values}: the id names
    # it (the values are in robustness.md); a sweep over other keys records a plain label.
    return str(world["id"]) if isinstance(world, Mapping) and "id" in world else str(world)


def _calibration(meta: Mapping[str, Any]) -> Any:
    # A study in calibrated worlds records the calibration with the run's draw
    # (world.calibration, README "Calibrated worlds").
    world = meta.get("world")
    return meta.get("calibration") or (
        world.get("calibration") if isinstance(world, Mapping) else None)


def _one(values: Sequence[Any], what: str) -> str:
    distinct = sorted({str(v) for v in values if v is not None})
    if not distinct:
        return what
    return distinct[0] if len(distinct) == 1 else f"several ({', '.join(distinct)})"


def reform_rows(arm: str, meta: Mapping[str, Any]) -> list[tuple[str, ...]]:
    """One row per reform of an arm: its parameters, cost config and units it ran."""
    config = meta.get("config") or {}
    reforms = config.get("reform") or {}
    costs = meta.get("reform_costs") or {}
    rows = []
    for name, params in reforms.items():
        params = dict(params or {})
        cost = params.pop("cost", {}) or {}
        ran = costs.get(name, {})
        units = ran.get("units")
        waves = int(ran.get("waves", 1) or 1)
        unit = REFORMS[name].cost_unit if name in REFORMS else "unit"
        ran_text = "n/a" if units is None else f"{units:.3g} × {unit}" \
            + (f" in {waves} waves" if waves > 1 else "")
        rows.append((arm_label(arm), name, "; ".join(_flat(params)) or "defaults",
                     "; ".join(_flat(cost)) or "none", ran_text))
    pilot = config.get("pilot") or {}
    if pilot.get("design") not in (None, "as_configured"):
        keep = {k: pilot[k] for k in ("design", "unit", "sites", "start_day", "waves",
                                      "wave_interval_days", "order") if k in pilot}
        rows.append((arm_label(arm), "pilot design", "; ".join(_flat(keep)), "", ""))
    return rows


def header_blocks(runs: Sequence[Run], reference: str, arms: Sequence[str],
                  settings: CompareSettings) -> list[Block]:
    """The "What was run" section of the report.

    Args:
        runs: The usable runs compared.
        reference: The reference arm.
        arms: The compared arms.
        settings: The comparison's settings.

    Returns:
        Report blocks: a heading, the facts as bullets, the reforms table and the assumptions.
    """
    metas = {r.run_id: _metadata(r) for r in runs}
    first: dict[str, dict[str, Any]] = {}
    for r in runs:
        first.setdefault(str(r.arm), metas[r.run_id])
    any_meta = next(iter(first.values()), {})
    config = any_meta.get("config") or {}
    city = (config.get("city") or {}).get("name") or "not recorded"
    days = [r.days for r in runs]
    fractions = sorted({r.sample_fraction for r in runs})
    worlds = sorted({_world_label(m["world"]) for m in metas.values()
                     if m.get("world") is not None}, key=lambda w: (len(w), w))
    warm = sorted({settings.warmup_for(r.days) for r in runs})
    warm_text = ", ".join(map(str, warm))
    capped = warm != [settings.warmup_days]
    facts = [
        f"City: {city}; {_one(days, 'not recorded')} simulated days per run; sample fraction "
        f"{', '.join(f'{f:g}' for f in fractions)} (that share of residents simulated in "
        "full, offices at full load; totals per year are scaled to the whole population).",
        f"Seeds: {_seeds_text([int(r.seed) for r in runs if r.arm == reference])} per arm, "
        "the same in every arm (paired).",
        (f"Worlds: {len(worlds)} parameter draws ({', '.join(worlds[:5])}"
         f"{', …' if len(worlds) > 5 else ''}); every figure below pools them."
         if worlds else "Worlds: one (parameters as configured; parameter uncertainty not "
         "sampled — seed noise only)."),
        f"Arms: {arm_label(reference)} (reference) against "
        f"{', '.join(map(arm_label, arms))}; {len(runs)} complete runs.",
        "Code: pilotsim "
        f"{_one([m.get('package_version') for m in metas.values()], 'version not recorded')}"
        f", git commit {_one([m.get('git_commit') for m in metas.values()], 'not recorded')}.",
        (f"Warm-up: the first {warm_text} days of every run are left out of every measure "
         f"(compare.warmup_days = {settings.warmup_days}"
         + (", capped at a quarter of the run" if capped else "")
         + "): cases opened and visits made then. Satisfaction over time shows them."
         if warm != [0] else "Warm-up: none (compare.warmup_days = 0): every day counts."),
        f"Costs per year: running costs (staff priced) per year of the run; one-off set-up "
        f"spread over {settings.horizon_years:g} years (compare.horizon_years). A reform "
        "applied to part of the city costs its share: per unit it reaches (centres, "
        "communities, organisations, offices) or per share of residents in scope; every "
        "wave of a staggered rollout is counted.",
    ]
    rows = []
    for arm in arms:
        rows += reform_rows(arm, first.get(arm, {}))
    calibrated = [c for c in map(_calibration, metas.values()) if c]
    assumptions = [
        ("Calibration: " + _one([json.dumps(c, sort_keys=True) for c in calibrated], "")
         if calibrated else
         "Defaults are illustrative, not calibrated: the district, the services and the "
         "behaviour are sized to be plausible, not fitted to a real place. Read the direction "
         "and the relative size of effects, not their absolute level."),
        "Costs are the reforms' configured unit costs (cost: in each reform's config), not "
        "prices of a real programme.",
    ]
    if fractions and fractions[0] < SAMPLE_BIAS_BELOW:
        assumptions.append(
            # README, Scale: the figures of benchmarks/sampling_table.py (seeds 0-9)
            f"Known bias: at a sample fraction below {SAMPLE_BIAS_BELOW:g} runs wait slightly "
            "less than at full scale (default district: mean wait 31.1 min at 1, 30.5 at "
            "0.25, 30.3 at 0.1; 0.01 fewer trips per case, about half a satisfaction point "
            "more). Paired differences share the bias; where a decision turns on differences "
            "of that size, run at a sample fraction of 1.")
    blocks: list[Block] = [Heading(2, "What was run"), Bullets(tuple(facts))]
    if rows:
        blocks += [Paragraph("Reforms and their parameters (as run; units are what the cost "
                             "was counted for):"),
                   Table(("Arm", "Reform", "Parameters", "Cost config", "Ran"), tuple(rows))]
    blocks += [Paragraph("Assumptions:"), Bullets(tuple(assumptions))]
    return blocks
