"""Staffing: more (or fewer) counters, other opening hours, a different error rate.

From its start day, each affected office opens ``counters`` counters (or its current number
plus ``add_counters``), switches to ``hours`` and to ``error_rate`` where given. The affected
offices are those named under ``offices``, or else every office the scope's residents use (the
office they are routed to for a department the catalogue needs) on the start day; offices
closed to the public are left alone. The cost counts the counter-hours
added (counters × open hours after, minus before, day by day) as measured staff-hours.

Appointment slots are not modelled: booked visits would need a second queue per office with
its own counters and slot times, and a rule for who books; without data on booking rates the
result would be an assumption dressed as a finding.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pilotsim.plugins.reforms.base import Reform
from pilotsim.spec.hours import WEEKDAYS, parse_hours
from pilotsim.spec.reform_params import ReformParams
from pilotsim.spec.schema import check

if TYPE_CHECKING:
    from pilotsim.sim.model import PilotModel
    from pilotsim.spec import RunSpec


@dataclass(frozen=True)
class StaffingParams(ReformParams):
    """Parameters of ``staffing``.

    Attributes:
        offices: Offices changed (default: the offices the scope's residents use).
        add_counters: Counters added to each (negative: removed; at least one stays); 0 to
            change only hours or the error rate.
        counters: Counters each opens (replaces ``add_counters``).
        hours: New weekly hours, as an office's ``hours`` (weekday → intervals).
        error_rate: New error rate.
    """

    offices: tuple[str, ...] = ()
    add_counters: int = 1
    counters: int | None = None
    hours: Mapping[str, tuple[str, ...]] | None = None
    error_rate: float | None = None

    def check_run(self, spec: RunSpec, path: str) -> None:  # noqa: D102
        offices = spec.city.offices
        check(self.add_counters != 0 or self.counters is not None or self.hours is not None
              or self.error_rate is not None, path, {},
              "something to change: add_counters, counters, hours or error_rate")
        for i, o in enumerate(self.offices):
            check(o in offices, f"{path}.offices[{i}]", o, "an office: " + ", ".join(offices))
            check(self.counters is not None or offices[o].counters + self.add_counters >= 1,
                  f"{path}.add_counters", self.add_counters,
                  f"a change that leaves {o!r} at least one counter")
        if self.counters is not None:
            check(self.counters >= 1, f"{path}.counters", self.counters, "an integer >= 1")
        if self.error_rate is not None:
            check(0 <= self.error_rate <= 1, f"{path}.error_rate", self.error_rate,
                  "a probability in [0, 1]")
        if self.hours is not None:
            for day, v in self.hours.items():
                check(day in WEEKDAYS, f"{path}.hours.{day}", day,
                      "a weekday: " + ", ".join(WEEKDAYS))
                parse_hours(v, f"{path}.hours.{day}")
            check(any(self.hours.values()), f"{path}.hours", dict(self.hours),
                  "opening hours on at least one weekday")


class Staffing(Reform):
    """Counters, hours and error rate of offices (see the module docstring)."""

    Params = StaffingParams
    cost_unit = "office"

    def prepare(self, model: PilotModel) -> None:  # noqa: D102
        self.offices: list[int] = []
        self._reached: list[int] = []
        self._extra_hours: list[float] = []

    def start(self, model: PilotModel) -> None:
        """Change the offices, as they are on the start day (after earlier reforms).

        Offices closed to the public (no departments, e.g. desks a one-door centre absorbed)
        are left alone.
        """
        super().start(model)
        p: StaffingParams = self.params  # type: ignore[assignment]
        needed = {st.department for s in model.spec.services.catalogue.values()
                  for st in s.steps}
        used = {c: {model.routes.right(c, d) for d in needed} for c in self.communities}
        chosen = [model.office_index[o] for o in p.offices] if p.offices else \
            sorted(set().union(*used.values()))
        self.offices = [i for i in chosen if model.offices[i].departments]
        self._reached = [c for c in self.communities if used[c] & set(self.offices)]
        day, days = model.day, model.spec.sim.days
        extra = [0.0] * (days - day)
        for i in self.offices:
            o = model.offices[i]
            before = [(o.counters, _open_minutes(o.day_open[d])) for d in range(day, days)]
            if p.hours is not None:
                o.set_hours({d: parse_hours(v, d) for d, v in p.hours.items()})
            n = p.counters if p.counters is not None else max(1, o.counters + p.add_counters)
            o.set_counters(n, day)
            if p.error_rate is not None:
                o.error_rate = p.error_rate
            for k, (c0, m0) in enumerate(before):
                extra[k] += (n * _open_minutes(o.day_open[day + k]) - c0 * m0) / 60.0
        self._extra_hours = extra

    def reached(self) -> list[int]:
        """Communities in scope that use a changed office."""
        return list(self._reached)

    def units(self) -> float:  # noqa: D102
        return float(len(self.offices))

    def measured_staff_hours(self, active_days: int) -> float:
        """Counter-hours added (negative if counters or hours were cut)."""
        return float(sum(self._extra_hours[:active_days]))


def _open_minutes(windows: list[tuple[float, float]]) -> float:
    return float(sum(b - a for a, b in windows))
