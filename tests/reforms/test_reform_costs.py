"""Costs follow scope: a reform in part of the city costs its share; every wave is counted."""

import pytest

from pilotsim.plugins.reforms.base import COST_KEYS, combine_waves

from .runs import DAYS, run

PEOPLE = {"east_01": 5600, "east_02": 4800, "east_03": 5200, "east_04": 4400,
          "east_05": 5400, "east_06": 4600, "west_01": 5000, "west_02": 5300,
          "west_03": 4700, "west_04": 5100, "west_05": 4900, "west_06": 5000}
EAST = sum(v for k, v in PEOPLE.items() if k.startswith("east"))
# the stepped wedge below: waves every 14 days from day 14, four waves over twelve communities
WEDGE = ("pilot=stepped_wedge", "pilot.start_day=14", "pilot.wave_interval_days=14",
         "pilot.waves=4")


def cost_of(result, reform):
    return result.metadata["reform_costs"][reform]


def test_population_share_matches_the_city_config():
    spec = run().model.spec
    assert {n: c.population for n, c in spec.city.communities.items()} == PEOPLE


def test_outreach_in_three_communities_costs_a_quarter_of_twelve():
    everywhere = cost_of(run("reform=outreach_checklists"), "outreach_checklists")
    three = cost_of(run("reform=outreach_checklists",
                        "reform.outreach_checklists.scope={communities:[east_01,east_02,west_01]}"),
                    "outreach_checklists")
    assert (everywhere["units"], three["units"]) == (12, 3)
    for k in ("staff_hours", "budget", "setup_budget", "running_budget"):
        assert three[k] == pytest.approx(everywhere[k] / 4)
    # 1 staff-hour per community-day, priced at 40; set-up 10,000 per community
    assert three["staff_hours"] == pytest.approx(3 * DAYS)
    assert three["setup_budget"] == pytest.approx(3 * 10_000)
    assert three["budget"] == pytest.approx(3 * 10_000 + 40 * 3 * DAYS)


def test_data_sharing_in_one_district_costs_its_residents_share():
    everywhere = cost_of(run("reform=data_sharing"), "data_sharing")
    east = cost_of(run("reform=data_sharing", "reform.data_sharing.scope={districts:[east]}"),
                   "data_sharing")
    share = EAST / sum(PEOPLE.values())
    assert east["units"] == pytest.approx(everywhere["units"] * share)
    assert east["budget"] == pytest.approx(everywhere["budget"] * share)


def test_community_level_one_door_pays_for_the_share_it_reaches():
    door = run("reform=one_door", "reform.one_door.level=community",
               "reform.one_door.scope={communities:[east_01,east_02]}")
    cost = cost_of(door, "one_door")
    assert cost["units"] == pytest.approx((5600 + 4800) / EAST)
    assert cost["setup_budget"] == pytest.approx(1_500_000 * (5600 + 4800) / EAST)


def test_stepped_wedge_counts_every_wave():
    wedge = run("reform=outreach_checklists", *WEDGE)
    cost = cost_of(wedge, "outreach_checklists")
    starts = [d for d in wedge.metadata["treatment"].values()]
    assert None not in starts and len(set(starts)) == 4
    assert cost["waves"] == 4 and cost["units"] == 12
    assert cost["active_days"] == DAYS - 14  # the first wave's
    # one staff-hour per community per day from its own wave's start
    staff = sum(DAYS - d for d in starts)
    assert cost["staff_hours"] == pytest.approx(staff)
    assert cost["budget"] == pytest.approx(12 * 10_000 + 40 * staff)
    assert wedge.metadata["cost"]["budget"] == pytest.approx(cost["budget"])


def test_stepped_wedge_of_community_centres_adds_up_to_whole_centres():
    wedge = run("reform=one_door", "reform.one_door.level=community", *WEDGE)
    cost = cost_of(wedge, "one_door")
    assert cost["waves"] == 4
    assert cost["units"] == pytest.approx(2.0)  # both districts, reached in parts
    assert cost["setup_budget"] == pytest.approx(2 * 1_500_000)


def test_combine_waves_sums_amounts_and_keeps_the_longest_time_in_force():
    a = dict.fromkeys(COST_KEYS, 1.0) | {"active_days": 50.0}
    b = dict.fromkeys(COST_KEYS, 2.0) | {"active_days": 30.0}
    both = combine_waves([a, b])
    assert both["active_days"] == 50.0
    assert {k: v for k, v in both.items() if k != "active_days"} == {
        k: 3.0 for k in COST_KEYS if k != "active_days"}
