"""Office closure: named offices close; their residents go to the next office instead.

What it changes, from its start day: each office in ``offices`` stops serving the public (no
departments: ``routes`` then sends its residents to the nearest office still serving each
department), and, with ``move_other_visits`` (the default), its business outside the catalogue
moves too, to the open office nearest to it serving each of its departments (split evenly by
department; the receiving office keeps its own service-time distribution for that business).
A one-door centre that closes stops taking walk-ins. Visits already planned go to the new
office (on its next open day if it is closed that day).

Everything that follows comes out of the model, not out of this module: longer trips raise the
burden residents expect, so fewer of them apply (:mod:`pilotsim.sim.takeup`), more of those who do
give up after a wasted trip (the travel term of the give-up hazard), and the neighbouring
office's queue grows — the mechanisms Deshpande & Li (2019) measured for Social Security
field-office closures (fewer applications, most among the less educated and lower-income;
congestion at neighbouring offices).

``scope`` does not choose what closes (an office closes for everyone); the communities it
reaches are those in scope whose residents used a closed office on the start day. Closing
every office of a department is refused when the config is validated. Savings are not
counted (costs are non-negative); ``cost`` can price the closure itself (e.g. severance).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pilotsim.plugins.reforms.base import Reform
from pilotsim.spec.reform_params import ReformParams
from pilotsim.spec.schema import check

if TYPE_CHECKING:
    from pilotsim.sim.levers import Levers
    from pilotsim.spec import RunSpec


@dataclass(frozen=True)
class OfficeClosureParams(ReformParams):
    """Parameters of ``office_closure``.

    Attributes:
        offices: Offices that close (at least one; each department they serve must keep
            another office).
        move_other_visits: Move the closed offices' business outside the catalogue
            (``other_visits_per_day``) to the nearest open office serving the same
            department (False: that business disappears with the office).
    """

    offices: tuple[str, ...] = ()
    move_other_visits: bool = True

    def check_run(self, spec: RunSpec, path: str) -> None:  # noqa: D102
        offices = spec.city.offices
        check(len(self.offices) > 0, f"{path}.offices", list(self.offices),
              "at least one office to close: " + ", ".join(offices))
        for i, o in enumerate(self.offices):
            check(o in offices, f"{path}.offices[{i}]", o, "an office: " + ", ".join(offices))
        closing = set(self.offices)
        for i, o in enumerate(self.offices):
            for dep in offices[o].departments:
                others = [n for n, x in offices.items() if dep in x.departments
                          and n not in closing]
                check(bool(others), f"{path}.offices[{i}]", o,
                      f"an office whose department {dep!r} another open office also serves "
                      f"(closing it leaves nobody serving {dep!r})")


class OfficeClosure(Reform):
    """Named offices close; residents and business re-route (see the module docstring)."""

    Params = OfficeClosureParams
    cost_unit = "office"

    def prepare(self, levers: Levers) -> None:  # noqa: D102
        self._reached: list[int] = []

    def start(self, levers: Levers) -> None:
        """Close the offices and re-route, as the world is on the start day."""
        super().start(levers)
        p: OfficeClosureParams = self.params  # type: ignore[assignment]
        offices = levers.offices
        closing = [offices[levers.office_index[n]] for n in p.offices]
        closed = {o.index for o in closing}
        needed = {st.department for s in levers.spec.services.catalogue.values()
                  for st in s.steps}
        self._reached = [c for c in self.communities
                         if any(levers.right_office(c, d) in closed for d in needed)]
        for o in closing:
            departments = sorted(o.departments)
            for dep in departments:
                to = [x for x in offices if dep in x.departments
                      and x.index not in closed]
                if not to:  # an earlier reform (e.g. a one-door merge) left only this one
                    raise RuntimeError(f"office_closure: closing {o.name!r} on day "
                                       f"{levers.day} leaves nobody serving {dep!r}")
                if p.move_other_visits and departments:
                    nearest = min(to, key=lambda x: math.dist(x.location, o.location))
                    levers.set_other_business(nearest.index, nearest.other_visits_per_day
                                              + o.other_visits_per_day / len(departments))
            levers.close_office(o.index)

    def reached(self) -> list[int]:
        """Communities in scope whose residents used a closed office."""
        return list(self._reached)

    def units(self) -> float:  # noqa: D102
        return float(len(self.params.offices))  # type: ignore[attr-defined]
