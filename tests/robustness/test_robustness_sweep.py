"""The robustness report and world pairing, on synthetic run folders with known answers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pilotsim.analysis.comparison import compare_sweep
from pilotsim.analysis.comparison.runs import discover_runs
from pilotsim.analysis.robustness import robustness_sweep
from pilotsim.spec.uncertainty import Uncertainty
from tests.comparison.synthetic_runs import Case as _Case
from tests.comparison.synthetic_runs import write_run


def Case(**kw: object) -> _Case:  # noqa: N802  (reads as the dataclass it builds)
    """A synthetic case opened after the comparison's warm-up (a quarter of 28 days)."""
    return _Case(day_opened=10, **kw)

SECTION = {"design": "morris", "samples": 10, "seed": 2, "parameters": {
    "behaviour.knowledge.wrong_office": {"dist": "uniform", "low": 0.0, "high": 0.6,
                                         "reason": "synthetic"},
    "behaviour.word_of_mouth.weight": {"dist": "uniform", "low": 0.0, "high": 1.0,
                                       "reason": "synthetic, no effect"}}}


def _set_meta(folder: Path, **extra: object) -> None:
    path = folder / "metadata.json"
    meta = json.loads(path.read_text())
    meta.update(extra)
    path.write_text(json.dumps(meta))


def build_world_sweep(root: Path) -> Uncertainty:
    """Baseline: 2 trips per case everywhere. One door: 1 trip while wrong_office < 0.3, else
    3 (it flips). Data sharing: always 1.5 (second best where one door wins). The Morris grid
    puts wrong_office at 0, 0.2, 0.4 and 0.6."""
    unc = Uncertainty.from_config(SECTION)
    for world in range(unc.n_worlds):
        values = unc.world_values(world)
        wrong = values["behaviour.knowledge.wrong_office"]
        trips = {"baseline": 2, "one_door": 1 if wrong < 0.3 else 3}
        for seed in (0, 1):
            for arm, t in trips.items():
                cost = {"staff_hours": 0.0, "budget": 1000.0} if arm != "baseline" else None
                folder = write_run(root / arm / f"world{world}" / f"seed{seed}", arm=arm,
                                   seed=seed, cost=cost, cases=[Case(trips=t), Case(trips=t)])
                _set_meta(folder, config={"arm": arm, "world": world, "uncertainty": SECTION},
                          world={"id": world, "design": "morris", "samples": 10, "seed": 2,
                                 "values": values})
            folder = write_run(root / "data_sharing" / f"world{world}" / f"seed{seed}",
                               arm="data_sharing", seed=seed,
                               cases=[Case(trips=1), Case(trips=2)])
            _set_meta(folder, config={"arm": "data_sharing", "world": world,
                                      "uncertainty": SECTION},
                      world={"id": world, "design": "morris", "samples": 10, "seed": 2,
                             "values": values})
    return unc


def test_report_gives_p_best_regret_drivers_and_the_flip_region(tmp_path: Path) -> None:
    unc = build_world_sweep(tmp_path)
    wrong = unc.value_table()[:, 0]
    n_win = int((wrong < 0.3).sum())
    result = robustness_sweep(tmp_path)
    d = result.decision.set_index(["measure", "arm"]).loc["trips_per_case"]
    assert d.loc["one_door", "p_best"] == pytest.approx(n_win / unc.n_worlds)
    assert d.loc["data_sharing", "p_best"] == pytest.approx(1 - n_win / unc.n_worlds)
    assert d.loc["one_door", "regret_max"] == pytest.approx(1.5)  # 3 vs 1.5 trips
    assert d.loc["data_sharing", "regret_max"] == pytest.approx(0.5)
    table = result.table.set_index(["measure", "arm"])
    row = table.loc[("trips_per_case", "one_door")]
    assert row["effect_p05"] == pytest.approx(-1.0) and row["effect_p95"] == pytest.approx(1.0)
    assert row["seed_halfwidth"] == 0  # identical seeds: no seed noise at all
    drivers = result.drivers.query("arm == 'one_door' and index == 'mu_star'").set_index(
        "parameter")
    assert drivers.loc["behaviour.knowledge.wrong_office", "value"] > 0.5
    assert drivers.loc["behaviour.word_of_mouth.weight", "value"] == 0  # μ*: no effect at all
    recommended = result.recommended
    assert recommended in ("one_door", "data_sharing")
    (rule,) = result.rules
    ((param, op, threshold),) = rule.conditions
    assert param == "behaviour.knowledge.wrong_office"
    assert op == ("<" if recommended == "data_sharing" else ">=")
    assert threshold == pytest.approx(0.3, abs=0.05)
    assert rule.density == 1.0 and rule.coverage == 1.0
    html = result.paths["robustness_html"].read_text()
    for text in ("How robust is the ranking?", "P(best)", "What drives it",
                 "Where the decision flips", "behaviour.knowledge.wrong_office"):
        assert text in html
    assert "about 2% shorter than at full scale" in html  # README, Scale; not "upward"
    assert result.paths["robustness_csv"].is_file()
    assert result.paths["robustness_drivers_png"].is_file()


def test_cost_effectiveness_spreads_the_set_up_over_the_horizon_as_the_comparison_does(
        tmp_path: Path) -> None:
    """A centre (set-up 10,000) against a platform (5,000 running over the 28 days), same gain.

    Over the run the centre costs more (10,000 against 5,000); per year it costs less
    (10,000 / 5 = 2,000 against 5,000 × 365 / 28 = 65,179): the comparison's decision table
    ranks it first, and so must the robustness report.
    """
    costs = {"centre": {"staff_hours": 0.0, "budget": 10_000.0, "setup_budget": 10_000.0},
             "platform": {"staff_hours": 0.0, "budget": 5_000.0, "setup_budget": 0.0}}
    for world in (0, 1):
        for seed in (0, 1):
            for arm, t in (("baseline", 2), ("centre", 1), ("platform", 1)):
                folder = write_run(tmp_path / arm / f"world{world}" / f"seed{seed}", arm=arm,
                                   seed=seed, cost=costs.get(arm),
                                   cases=[Case(trips=t), Case(trips=t)])
                _set_meta(folder, config={"arm": arm, "seed": seed, "behaviour": {
                    "knowledge": {"wrong_office": 0.1 * (world + 1)}}})  # a swept world
    result = robustness_sweep(tmp_path)
    ce = result.decision.set_index(["measure", "arm"]).loc["cost_per_trips_per_case"]
    assert ce.loc["centre", "p_best"] == 1.0 and ce.loc["platform", "p_best"] == 0.0
    # regret: the platform's budget per year per trip per case saved, less the centre's
    assert ce.loc["platform", "regret_max"] == pytest.approx(5_000 * 365 / 28 - 2_000)
    assert (result.decision["unit"] == "budget units a year per unit of trips per case saved"
            ).any()


def test_a_sweep_over_a_non_arm_key_pairs_within_each_value(tmp_path: Path) -> None:
    """`behaviour.knowledge.wrong_office=0.1,0.2` used to lose half its runs as duplicates."""
    for value, trips in ((0.1, {"baseline": 2, "one_door": 1}),
                         (0.2, {"baseline": 3, "one_door": 1})):
        for arm, t in trips.items():
            for seed in (0, 1):
                folder = write_run(tmp_path / arm / f"wo{value}_seed{seed}", arm=arm, seed=seed,
                                   cases=[Case(trips=t)])
                _set_meta(folder, config={"arm": arm, "seed": seed, "behaviour": {
                    "knowledge": {"wrong_office": value}}})
    catalog = discover_runs(tmp_path)
    assert catalog.problems == []
    assert {r.world for r in catalog.runs} == {"behaviour.knowledge.wrong_office=0.1",
                                              "behaviour.knowledge.wrong_office=0.2"}
    result = compare_sweep(tmp_path)
    row = result.comparison.query("group_type == 'overall' and metric == 'trips_per_case'")
    assert int(row["n_pairs"].iloc[0]) == 4                   # paired within world and seed
    assert row["diff_mean"].iloc[0] == pytest.approx(-1.5)    # (−1 −1 −2 −2) / 4
    assert result.unpaired.empty
    robust = robustness_sweep(tmp_path)
    assert robust.decision.query("measure == 'trips_per_case' and arm == 'one_door'")[
        "p_best"].iloc[0] == 1.0
