"""An office's table of next open days agrees with its hours, as set at build and by a reform."""

from __future__ import annotations

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


def test_open_from_is_the_next_open_day_as_hours_change():
    m = PilotModel(RunSpec.from_config(api.compose(["output.write=false", f"sim.days={DAYS}"])))
    for office in m.offices:
        _check(office)
    office = m.offices[0]
    # weekends closed in the default hours: some day's next open day is a later day
    assert any(office.open_from[d] > d for d in range(DAYS))
    office.set_hours({"wed": ((540, 720),)})  # one morning a week: gaps of six days
    _check(office)
    wednesdays = {d for d in range(DAYS) if office.is_open(d)}
    assert len(wednesdays) in (5, 6) and set(office.open_from) - {DAYS} == wednesdays
    office.set_hours({})  # closed to the public: no open day left in the run
    assert office.open_from == [DAYS] * DAYS
