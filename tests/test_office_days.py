"""An office's days: its table of next open days follows its hours, as set at build and by a
reform; its generators of unrecorded business, seeded days ahead, are each day's own."""

from __future__ import annotations

import dataclasses

import numpy as np

from pilotsim.app import api
from pilotsim.sim.model import PilotModel
from pilotsim.spec import RunSpec

DAYS = 40


def _first_open_on_or_after(office, day: int) -> int:
    """Step day by day with ``is_open``, as visits were put off before the table."""
    while day < DAYS and not office.is_open(day):
        day += 1
    return day


def _check(office) -> None:
    assert office.open_from == [_first_open_on_or_after(office, d) for d in range(DAYS)]


def _model() -> PilotModel:
    return PilotModel(RunSpec.from_config(api.compose(["output.write=false", f"sim.days={DAYS}"])))


def test_open_from_is_the_next_open_day_as_hours_change():
    m = _model()
    for office in m.offices:
        _check(office)
    office = m.offices[0]
    same = [o for o in m.offices[1:] if o.intervals == office.intervals]
    assert same and all(o.day_open is office.day_open for o in same)  # laid out once
    before = [list(o.day_open) for o in same]
    # weekends closed in the default hours: some day's next open day is a later day
    assert any(office.open_from[d] > d for d in range(DAYS))
    office.set_hours({"wed": ((540, 720),)})  # one morning a week: gaps of six days
    _check(office)
    wednesdays = {d for d in range(DAYS) if office.is_open(d)}
    assert len(wednesdays) in (5, 6) and set(office.open_from) - {DAYS} == wednesdays
    office.set_hours({})  # closed to the public: no open day left in the run
    assert office.open_from == [DAYS] * DAYS
    # the offices that shared its old hours keep them
    assert [o.day_open for o in same] == before
    for o in same:
        _check(o)


def test_business_states_seeded_ahead_are_each_office_days_own_generator():
    m = _model()
    # days 0 and 39 of a 40-day run: the first block of days and the shorter last one
    for d in (0, 5, 31, 32, 33, DAYS - 1):
        states = m._business_states(d)
        assert len(states) == len(m.offices)
        for office, state in zip(m.offices, states, strict=True):
            fresh = m.streams.generator("background", office.index, d)
            reused = m.streams.generator_at(state)
            assert reused.bit_generator.state == fresh.bit_generator.state
            np.testing.assert_array_equal(reused.random(3), fresh.random(3))


def test_an_office_opened_mid_block_has_its_own_business_states():
    # a pilot's centre (Levers.open_office) with business of its own, opened on a day whose
    # block of states was seeded before it existed
    m = _model()
    m._business_states(3)  # the block of days 3-34 seeded for the city's offices
    spec = dataclasses.replace(m.spec.city.offices[m.offices[0].name], other_visits_per_day=5.0)
    office = m.add_office("pilot_centre", spec)
    states = m._business_states(10)
    assert len(states) == len(m.offices)
    fresh = m.streams.generator("background", office.index, 10)
    assert m.streams.generator_at(states[office.index]).bit_generator.state == \
        fresh.bit_generator.state
