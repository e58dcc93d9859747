"""The teaching presets: each composes, says what it shows, and sets up the reform world."""

import pytest

from pilotsim import api
from pilotsim.dashboard.settings import available_reforms
from pilotsim.dashboard.teaching import Teaching, preset_names, read_preset
from pilotsim.dashboard.worlds import TwinWorlds
from pilotsim.schema import SpecError

EXPECTED = {"pooling", "certificate_run", "committee_broker", "pilot_at_scale"}


def test_the_four_lessons_are_shipped():
    assert set(preset_names()) >= EXPECTED


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_preset_text_and_changes(name):
    t = read_preset(name)
    assert t.title and t.title != Teaching().title
    assert len(t.explanation.split()) > 60  # a real paragraph, not a label
    missing = [r for r in t.changes.reforms if r not in available_reforms()]
    if missing:
        pytest.skip(f"needs reforms not on main yet: {missing}")
    tw = TwinWorlds([f"+teaching={name}", "sim.days=10"])
    assert tw.teaching == t
    assert tw.reform.label != "With: no change"
    assert tw.reform.overrides != tw.baseline.overrides


def test_teaching_block_is_validated():
    with pytest.raises(SpecError, match=r"teaching\.changes\.staff_scale"):
        Teaching.from_config({"teaching": {"title": "x", "explanation": "y",
                                           "changes": {"staff_scale": "lots"}}})
    assert Teaching.from_config(api.compose(["sim.days=3"])) == Teaching()


def _stepped(name, days=100, **controls):
    t = read_preset(name)
    missing = [r for r in t.changes.reforms if r not in available_reforms()]
    if missing:
        pytest.skip(f"needs reforms not on main yet: {missing}")
    tw = TwinWorlds([f"+teaching={name}", f"sim.days={days}"], **controls)
    for _ in range(days):
        tw.step()
    return tw


def _totals(world, num, den):
    return sum(world.tracker.totals[num]) / sum(world.tracker.totals[den])


def _district(world, district):
    """(mean wait per visit, mean satisfaction) of one district's residents."""
    from pilotsim import records

    cases = records.cases_table(world.model)
    visits = records.visits_table(world.model).merge(cases[["case_id", "district"]],
                                                     on="case_id")
    closed = cases[cases["status"].isin(["completed", "abandoned"])
                   & (cases["district"] == district)]
    return (visits[visits["district"] == district]["wait_min"].mean(),
            closed["satisfaction"].mean())


@pytest.mark.parametrize("name", ["pooling", "certificate_run", "committee_broker"])
def test_each_lesson_shows_fewer_trips_and_more_one_trip_cases(name):
    tw = _stepped(name)
    b, r = tw.baseline, tw.reform
    assert _totals(r, "trips", "closed") < _totals(b, "trips", "closed")
    assert _totals(r, "one_trip", "completed") > _totals(b, "one_trip", "completed") + 0.03


def test_the_pilot_works_and_the_rollout_congests_the_west():
    pilot = _stepped("pilot_at_scale")
    east_b, east_r = _district(pilot.baseline, "east"), _district(pilot.reform, "east")
    assert east_r[0] < 0.7 * east_b[0] and east_r[1] > east_b[1] + 5  # the pilot shines
    scale = _stepped("pilot_at_scale", scope="all")
    west_b, west_r = _district(scale.baseline, "west"), _district(scale.reform, "west")
    assert west_r[0] > 1.5 * west_b[0]  # the west centre is swamped
    assert west_r[1] < east_r[1] - 10  # and its residents are far from the pilot's promise
