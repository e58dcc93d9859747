"""What the report says: digits by interval, points, costs, mechanisms, and its header."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from conftest import NO_WARMUP, RunWriter
from synthetic_runs import Case

from pilotsim.analysis.comparison import compare_sweep
from pilotsim.analysis.comparison.header import header_blocks
from pilotsim.analysis.comparison.mechanisms import where_they_queued
from pilotsim.analysis.comparison.metrics import METRICS_BY_NAME
from pilotsim.analysis.comparison.paired import paired_comparison
from pilotsim.analysis.comparison.report import (
    chance_flags,
    change_text,
    decimals_for,
    flagged_sentences,
    headline_sentence,
    headline_table,
    mechanism_sentences,
    render_markdown,
)
from pilotsim.analysis.comparison.runs import discover_runs


@pytest.mark.parametrize(("halfwidth", "decimals"), [
    (0.034, 2), (2.3, 0), (45.0, 0), (0.14, 2), (0.0004, 4), (0.5, 1), (1.2, 1),
    (0.0, 1), (float("nan"), 1)])
def test_decimals_follow_the_interval(halfwidth: float, decimals: int) -> None:
    assert decimals_for(halfwidth) == decimals


def row_for(metric: str, diffs: list[float], ref: float = 60.0) -> dict:
    n = len(diffs)
    metrics = pd.DataFrame({
        "run_id": [f"r{i}" for i in range(2 * n)], "arm": ["baseline"] * n + ["x"] * n,
        "seed": list(range(n)) * 2, "group_type": "overall", "group": "all", "metric": metric,
        "value": [ref] * n + [ref + d for d in diffs]})
    return paired_comparison(metrics, "baseline").iloc[0].to_dict()


def test_pairs_across_worlds_are_counted_as_runs_not_seeds() -> None:
    # 2 worlds × 2 seeds (a robustness study, or a swept world parameter): 4 pairs, 2 seeds
    metrics = pd.DataFrame({
        "run_id": [f"r{i}" for i in range(8)], "arm": ["baseline"] * 4 + ["x"] * 4,
        "world": ["w0", "w0", "w1", "w1"] * 2, "seed": [0, 1] * 4, "group_type": "overall",
        "group": "all", "metric": "trips_per_case",
        "value": [2.0, 2.1, 2.4, 2.2, 1.5, 1.7, 2.5, 1.9]})
    r = paired_comparison(metrics, "baseline").iloc[0].to_dict()
    assert (r["n_pairs"], r["n_better"], r["n_worlds"]) == (4, 3, 2)
    assert headline_sentence(r).endswith("better in 3 of 4 paired runs (2 worlds × seeds).")
    assert headline_table(pd.DataFrame([r])).header[5] == "Runs better (world × seed)"
    one = row_for("trips_per_case", [-0.5, -0.4])  # no world column: each pair is a seed
    assert one["n_worlds"] == 1 and headline_sentence(one).endswith("better in 2 of 2 seeds.")
    assert headline_table(pd.DataFrame([one])).header[5] == "Seeds better"


def test_satisfaction_changes_in_points_with_digits_from_its_interval() -> None:
    r = row_for("satisfaction_mean", [2.1, 2.5, 2.3, 2.6, 2.2])
    text = change_text(r, METRICS_BY_NAME["satisfaction_mean"])
    # mean +2.34, half-width 0.26: one decimal; points of the 0–100 scale, not % of 60
    assert text == "+2.3 points, 95% CI +2.1 to +2.6"


def test_an_interval_that_excludes_zero_never_prints_an_end_as_zero() -> None:
    # 95% CI −0.258 to −0.002 points: at the half-width's two decimals it read "−0.26 to
    # 0.00" beside the verdict "worse" (which_communities_first flagged such a group)
    r = row_for("one_trip_share", [-0.0004, -0.0022, -0.0009, -0.0017], ref=0.6)
    assert r["verdict"] == "worse"
    assert change_text(r, METRICS_BY_NAME["one_trip_share"]) == (
        "−0.130 points, 95% CI −0.258 to −0.002")
    unclear = row_for("one_trip_share", [-0.0003, -0.0023, -0.0009, -0.0017], ref=0.6)
    assert change_text(unclear, METRICS_BY_NAME["one_trip_share"]) == (
        "−0.13 points, 95% CI −0.27 to +0.01")  # an interval across zero keeps its digits


def test_a_precise_small_change_is_not_shown_as_zero() -> None:
    r = row_for("trips_per_case", [-0.0031, -0.0029, -0.0030, -0.0032], ref=1.5)
    table = headline_table(pd.DataFrame([r]))
    precision = table.rows[0][-1]
    assert precision != "±0.00" and precision.startswith("±0.000")


def test_costs_have_no_interval_seed_count_or_verdict() -> None:
    r = row_for("budget", [1000.0, 1200.0, 1100.0], ref=0.0)
    assert r["verdict"] == "cost"
    (cells,) = headline_table(pd.DataFrame([r])).rows
    assert cells[4] == "+1,100 budget units/year"
    assert cells[5:] == ("", "", "")


def mechanism_table(wait: list[float], visits: list[float],
                    abandonment: list[float]) -> pd.DataFrame:
    rows = []
    for seed, (w, v, a) in enumerate(zip(wait, visits, abandonment, strict=True)):
        for arm, k in (("baseline", 0.0), ("outreach", 1.0)):
            rows += [(f"{arm}{seed}", arm, seed, "overall", "all", m, base + k * d)
                     for m, base, d in (("wait_mean_min", 30.0, w),
                                        ("visits_per_year", 1e5, v),
                                        ("abandonment_rate", 0.1, a))]
    metrics = pd.DataFrame(rows, columns=["run_id", "arm", "seed", "group_type", "group",
                                          "metric", "value"])
    return paired_comparison(metrics, "baseline")


def test_a_worse_wait_is_explained_by_fewer_giving_up_and_more_visits() -> None:
    table = mechanism_table(wait=[1.0, 1.2, 0.9, 1.1], visits=[900, 1100, 1000, 950],
                            abandonment=[-0.02, -0.025, -0.018, -0.022])
    sentences = mechanism_sentences(table)
    wait = [s for s in sentences if s.startswith("Outreach: mean wait per visit got worse")]
    assert len(wait) == 1
    assert "fewer residents give up (abandonment rate −2.1 points" in wait[0]
    assert "office visits per year +0.99%, 95% CI +0.85% to +1.12%" in wait[0]
    # the extra visits are themselves explained by fewer giving up
    assert any(s.startswith("Outreach: office visits per year got worse") and
               "cases that used to stop" in s for s in sentences)


def test_more_needs_pursued_explain_more_counter_work_before_fewer_giving_up() -> None:
    table = mechanism_table(wait=[1.0, 1.2, 0.9, 1.1], visits=[900, 1100, 1000, 950],
                            abandonment=[-0.02, -0.025, -0.018, -0.022])
    unmet = table[table["metric"] == "abandonment_rate"].assign(metric="needs_unmet")
    unmet[["diff_mean", "ci_low", "ci_high"]] *= 3  # deterred residents now apply too
    sentences = mechanism_sentences(pd.concat([table, unmet], ignore_index=True))
    (visits,) = [s for s in sentences if s.startswith("Outreach: office visits per year")]
    assert "more needs are pursued to the end" in visits and "needs unmet −6" in visits


def test_the_channel_mix_gets_an_interval_but_no_verdict() -> None:
    r = row_for("online_share", [-0.08, -0.09, -0.085], ref=0.29)
    assert r["verdict"] == "not judged" and pd.isna(r["p_better"]) and r["n_better"] == 0
    (cells,) = headline_table(pd.DataFrame([r])).rows
    assert cells[1] == "cases handled online" and cells[4].startswith("−8.5 points, 95% CI")
    assert cells[5:7] == ("", "")  # no seeds better, no verdict


def channel_table(trips: list[float], online: list[float]) -> pd.DataFrame:
    """Paired rows of trips per case (level 1.0) and online share (level 0.2) per seed."""
    rows = []
    for seed, (t, o) in enumerate(zip(trips, online, strict=True)):
        for arm, k in (("one_door", 0.0), ("both", 1.0)):
            rows += [(f"{arm}{seed}", arm, seed, "overall", "all", m, base + k * d)
                     for m, base, d in (("trips_per_case", 1.0, t), ("online_share", 0.2, o))]
    metrics = pd.DataFrame(rows, columns=["run_id", "arm", "seed", "group_type", "group",
                                          "metric", "value"])
    return paired_comparison(metrics, "one_door")


def test_more_trips_per_case_from_fewer_cases_online_are_the_channel_mix() -> None:
    # 1.1 points fewer online, 0.0045 more trips: within 0.011 × 1.0 / 0.8 = 0.014
    table = channel_table(trips=[0.004, 0.005, 0.0045, 0.0045],
                          online=[-0.011, -0.012, -0.0105, -0.0115])
    (sentence,) = mechanism_sentences(table)
    assert sentence.startswith("Both: trips per case got worse")
    assert "fewer cases are handled online (cases handled online −1.13 points" in sentence
    assert "the mix of channels raises trips per case" in sentence


def test_a_channel_shift_too_small_for_the_change_does_not_explain_it() -> None:
    # 0.3 points fewer online can add at most 0.003 × 1.09 / 0.8 ≈ 0.004 trips, not 0.09
    table = channel_table(trips=[0.09, 0.085, 0.095, 0.09],
                          online=[-0.003, -0.0025, -0.0035, -0.003])
    (sentence,) = mechanism_sentences(table)
    assert "no other measure here explains it" in sentence


def wait_table(group_ref: float, group_arm: float) -> pd.DataFrame:
    """Mean wait per visit, overall 31 → 25 min and one group's levels, over four seeds."""
    rows = []
    for seed, noise in enumerate((0.3, -0.2, 0.1, -0.1)):
        for arm, overall, group in (("baseline", 31.0, group_ref),
                                    ("one_door", 25.0, group_arm)):
            rows += [(f"{arm}{seed}", arm, seed, "overall", "all", "wait_mean_min",
                      overall + noise),
                     (f"{arm}{seed}", arm, seed, "profile", "disabled", "wait_mean_min",
                      group + (noise if arm == "one_door" else 0.0))]
    metrics = pd.DataFrame(rows, columns=["run_id", "arm", "seed", "group_type", "group",
                                          "metric", "value"])
    return paired_comparison(metrics, "baseline")


def office_rows(rows: list[tuple[str, str, str, int, float]]) -> pd.DataFrame:
    """(arm, group, office, visits, mean wait) rows as RunSummaries.offices."""
    return pd.DataFrame(
        [(arm, "", "overall" if g == "all" else "profile", g, o, n, n * w)
         for arm, g, o, n, w in rows],
        columns=["arm", "world", "group_type", "group", "office", "visits", "wait_sum"])


# one door: the disabled's quiet desk (15.7 min) is absorbed; they queue at the centre
POOLED = office_rows([
    ("baseline", "all", "desk", 600, 15.7), ("baseline", "all", "civil", 1000, 28.8),
    ("baseline", "disabled", "desk", 350, 15.7), ("baseline", "disabled", "civil", 80, 27.0),
    ("one_door", "all", "civil", 2600, 25.0), ("one_door", "disabled", "civil", 270, 25.2)])


def test_a_quiet_desks_group_waiting_the_pooled_average_is_explained_by_pooling() -> None:
    # one door's disabled residents: their own desk waited 23.8, the centre's 25.2 as anyone's
    (sentence,) = flagged_sentences(wait_table(group_ref=23.8, group_arm=25.2), POOLED)
    assert sentence.startswith("One door: mean wait per visit for disabled (profile) got worse")
    assert "waited less than the average resident before (23.8 against 31.0 min)" in sentence
    assert "pooled with the busier ones" in sentence


def test_levels_that_converge_with_no_desk_closed_are_not_called_pooled() -> None:
    # data sharing shortens everyone else's queues: the group meets the average, no desk shut
    open_desks = POOLED.assign(office=POOLED["office"].replace({"desk": "civil"}))
    (sentence,) = flagged_sentences(wait_table(group_ref=23.8, group_arm=25.2), open_desks)
    assert "pooled" not in sentence
    (no_offices,) = flagged_sentences(wait_table(group_ref=23.8, group_arm=25.2))
    assert "pooled" not in no_offices  # levels alone cannot tell


def test_a_group_that_ends_up_far_from_the_average_is_not_called_pooled() -> None:
    (sentence,) = flagged_sentences(wait_table(group_ref=23.8, group_arm=28.0), POOLED)
    assert "pooled" not in sentence
    (above,) = flagged_sentences(wait_table(group_ref=35.0, group_arm=36.0), POOLED)
    assert "pooled" not in above  # it waited more than the average before: not a quiet desk


def test_a_group_whose_own_offices_got_busier_is_told_so() -> None:
    # data sharing: the elderly stay at civil affairs, whose queue grows as others' shrink
    offices = office_rows([
        ("baseline", "all", "civil", 1000, 28.8), ("baseline", "all", "police", 1500, 35.6),
        ("baseline", "elderly", "civil", 780, 30.0), ("baseline", "elderly", "police", 100, 36),
        ("sharing", "all", "civil", 1000, 32.8), ("sharing", "all", "police", 1200, 30.6),
        ("sharing", "elderly", "civil", 790, 33.0), ("sharing", "elderly", "police", 20, 31)])
    text = where_they_queued(offices, "baseline", "sharing", "profile", "elderly")
    assert text == ("the offices they queue at got busier: civil (98% of their visits) "
                    "28.8 → 32.8 min")


def test_a_group_moved_from_a_quiet_desk_is_told_where_it_queues_now() -> None:
    text = where_they_queued(POOLED, "baseline", "one_door", "profile", "disabled")
    assert text == ("they queue at other offices: civil (19% → 100% of their visits; 28.8 min "
                    "there before) instead of desk (81% → 0%; 15.7 min)")
    (sentence,) = flagged_sentences(wait_table(group_ref=23.8, group_arm=25.2), POOLED)
    assert sentence.endswith("which evens waits out; " + text + ".")
    assert where_they_queued(POOLED.iloc[:0], "baseline", "one_door", "profile",
                             "disabled") == ""


def test_offices_that_do_not_raise_the_wait_are_not_given_as_the_reason() -> None:
    # the group moved to a quieter office and every office got quieter: no office reason
    waits = {"baseline": (30.0, 34.0), "x": (28.0, 31.0)}  # offices a and b
    visits = {("baseline", "g"): (50, 50), ("x", "g"): (70, 30)}  # g moves to a
    offices = office_rows([(arm, g, o, n, w) for arm in waits for g in ("all", "g")
                           for o, n, w in zip("ab", visits.get((arm, g), (1000, 1000)),
                                              waits[arm], strict=True)])
    assert where_they_queued(offices, "baseline", "x", "profile", "g") == ""


def test_a_flagged_group_is_explained_by_its_own_measures() -> None:
    # outreach: the disabled's one-trip share falls as their formerly abandoned two-step cases
    # now complete (their abandonment −9 points), while everyone's one-trip share rises
    rows = []
    for seed, noise in enumerate((0.002, -0.001, 0.001, -0.002)):
        for arm, k in (("baseline", 0.0), ("outreach", 1.0)):
            rows += [(f"{arm}{seed}", arm, seed, gt, g, m, base + k * (d + noise))
                     for gt, g, m, base, d in (
                         ("overall", "all", "one_trip_share", 0.60, 0.05),
                         ("profile", "disabled", "one_trip_share", 0.07, -0.018),
                         ("profile", "disabled", "abandonment_rate", 0.18, -0.09))]
    metrics = pd.DataFrame(rows, columns=["run_id", "arm", "seed", "group_type", "group",
                                          "metric", "value"])
    (sentence,) = flagged_sentences(paired_comparison(metrics, "baseline"))
    assert sentence.startswith("Outreach: one-trip cases for disabled (profile) got worse")
    assert sentence.endswith("cases that used to be abandoned now go on to completion and "
                             "count with their extra trips and days (abandonment rate −9.0 "
                             "points, 95% CI −9.3 to −8.7).")


def test_the_who_gains_text_says_how_many_flags_chance_alone_gives() -> None:
    cells = pd.DataFrame({"arm": "x", "group_type": "community",
                          "metric": ["trips_per_case"] * 80, "ci_low": -0.1})
    text = chance_flags(pd.concat([cells, cells.assign(group_type="overall")]))
    assert "up to 80 group × measure cells" in text and "up to about 2 flags per arm" in text


def test_a_worse_measure_no_other_measure_explains_is_called_unexplained() -> None:
    table = mechanism_table(wait=[1.0, 1.2, 0.9, 1.1], visits=[-5, 5, 3, -2],
                            abandonment=[0.0, 0.001, -0.001, 0.0])
    (sentence,) = mechanism_sentences(table)
    assert sentence.startswith("Outreach: mean wait per visit got worse")
    assert "no other measure here explains it" in sentence


def test_header_says_what_was_run(run_writer: RunWriter) -> None:
    reform = {"outreach_checklists": {"start_day": 0, "scope": "all", "knowledge_share": 0.5,
                                      "cost": {"setup_budget": 10000, "budget_per_day": 0}}}
    for seed in (0, 1, 2):
        for arm in ("baseline", "outreach_checklists"):
            folder = run_writer(
                f"{arm}/s{seed}", arm=arm, seed=seed, sample_fraction=0.2,
                cases=[Case(trips=2 if arm == "baseline" else 1)],
                config={"city": {"name": "Test district"}, "sim": {"days": 28},
                        "reform": reform if arm != "baseline" else {},
                        "pilot": {"design": "stepped_wedge", "waves": 4}
                        if arm != "baseline" else {"design": "as_configured"}},
                extra_meta={"git_commit": "abc1234",
                            "reform_costs": {"outreach_checklists": {"units": 12.0,
                                                                     "waves": 4.0}}
                            if arm != "baseline" else {}})
    md = compare_sweep(folder.parent.parent, settings=NO_WARMUP).paths["report_md"].read_text(
        encoding="utf-8")
    assert "## What was run" in md
    assert "City: Test district; 28 simulated days per run; sample fraction 0.2" in md
    assert "Seeds: 3 (0–2) per arm" in md
    assert "Worlds: one" in md
    assert "pilotsim 0.1.0, git commit abc1234" in md
    assert "Warm-up: none" in md
    assert "spread over 5 years (compare.horizon_years)" in md
    assert ("| Outreach checklists | outreach_checklists | start_day=0; scope=all; "
            "knowledge_share=0.5 | setup_budget=10000; budget_per_day=0 | "
            "12 × community in 4 waves |") in md
    assert "| Outreach checklists | pilot design | design=stepped_wedge; waves=4 |" in md
    assert "Defaults are illustrative, not calibrated" in md
    assert "Known bias: at a sample fraction below 0.5 runs wait slightly less" in md
    assert "30.3 at 0.1" in md  # the README's figures (Scale), not the clone design's


def test_header_counts_worlds_and_names_a_calibration(run_writer: RunWriter,
                                                       tmp_path: Path) -> None:
    # the hook a robustness study uses: runs that record the world (parameter draw) they are in
    for world in ("w0", "w1"):
        for arm in ("baseline", "x"):
            run_writer(f"{world}/{arm}", arm=arm, seed=0, cases=[Case(trips=1)],
                       extra_meta={"world": world, "calibration": {"kpis": "k.csv"}})
    runs = list(discover_runs(tmp_path / "sweep").runs)
    text = render_markdown(header_blocks(runs, "baseline", ["x"], NO_WARMUP))
    assert "Worlds: 2 parameter draws (w0, w1)" in text
    assert 'Calibration: {"kpis": "k.csv"}' in text and "not calibrated" not in text


def test_header_names_drawn_worlds_by_their_id_and_calibration(run_writer: RunWriter,
                                                                tmp_path: Path) -> None:
    # a robustness run records its draw as a mapping: the header names it by id, in order,
    # and a draw from a calibrated posterior carries its calibration (README, "Calibrated
    # worlds"): the report must not call such worlds uncalibrated
    for world in range(11):
        draw = {"id": world, "design": "ensemble", "samples": 11, "seed": 0,
                "values": {"behaviour.knowledge.wrong_office": 0.1 + world / 100},
                "calibration": {"targets": "kpis.csv"}}
        for arm in ("baseline", "x"):
            run_writer(f"w{world}/{arm}", arm=arm, seed=0, cases=[Case(trips=1)],
                       extra_meta={"world": draw})
    runs = list(discover_runs(tmp_path / "sweep").runs)
    text = render_markdown(header_blocks(runs, "baseline", ["x"], NO_WARMUP))
    assert "Worlds: 11 parameter draws (0, 1, 2, 3, 4, …)" in text
    assert "wrong_office" not in text
    assert 'Calibration: {"targets": "kpis.csv"}' in text and "not calibrated" not in text
