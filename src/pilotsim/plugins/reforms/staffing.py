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
from pilotsim.spec.reform_params import Cost, ReformParams
from pilotsim.spec.schema import check

if TYPE_CHECKING:
    from pilotsim.sim.levers import Levers
    from pilotsim.spec import RunSpec


# The default cost: illustrative figures (docs/reforms.md, "Parameter reference"). Named here,
# not called in the field: Cost is frozen, so sharing one instance is safe.
COST = Cost(budget_per_staff_hour=60)


@dataclass(frozen=True)
class StaffingParams(ReformParams):
    """Parameters of ``staffing``.

    Attributes:
        cost: Illustrative cost figures per office (docs/reforms.md).
        offices: Offices changed (default: the offices the scope's residents use).
        add_counters: Counters added to each (negative: removed; at least one stays); 0 to
            change only hours or the error rate.
        counters: Counters each opens (replaces ``add_counters``).
        hours: New weekly hours, as an office's ``hours`` (weekday → intervals).
        error_rate: New error rate.
    """

    cost: Cost = COST
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

    def prepare(self, levers: Levers) -> None:  # noqa: D102
        self.offices: list[int] = []
        self._reached: list[int] = []
        self._extra_hours: list[float] = []

    def start(self, levers: Levers) -> None:
        """Change the offices, as they are on the start day (after earlier reforms).

        Offices closed to the public (no departments, e.g. desks a one-door centre absorbed)
        are left alone.
        """
        super().start(levers)
        p: StaffingParams = self.params  # type: ignore[assignment]
        needed = {st.department for s in levers.spec.services.catalogue.values()
                  for st in s.steps}
        used = {c: {levers.right_office(c, d) for d in needed} for c in self.communities}
        chosen = [levers.office_index[o] for o in p.offices] if p.offices else \
            sorted(set().union(*used.values()))
        offices = levers.offices
        self.offices = [i for i in chosen if offices[i].departments]
        self._reached = [c for c in self.communities if used[c] & set(self.offices)]
        day, days = levers.day, levers.spec.sim.days
        extra = [0.0] * (days - day)
        for i in self.offices:
            o = offices[i]
            before = [(o.counters, o.open_minutes(d)) for d in range(day, days)]
            if p.hours is not None:
                levers.set_hours(i, {d: parse_hours(v, d) for d, v in p.hours.items()})
            n = p.counters if p.counters is not None else max(1, o.counters + p.add_counters)
            levers.set_counters(i, n)
            if p.error_rate is not None:
                levers.set_error_rate(i, p.error_rate)
            for k, (c0, m0) in enumerate(before):
                extra[k] += (n * o.open_minutes(day + k) - c0 * m0) / 60.0
        self._extra_hours = extra

    def reached(self) -> list[int]:
        """Communities in scope that use a changed office."""
        return list(self._reached)

    def units(self) -> float:  # noqa: D102
        return float(len(self.offices))

    def measured_staff_hours(self, active_days: int) -> float:
        """Counter-hours added (negative if counters or hours were cut)."""
        return float(sum(self._extra_hours[:active_days]))
