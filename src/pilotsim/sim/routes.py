"""Travel times from communities to offices, and which office a resident goes to for a step."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from pilotsim.sim.agents import Office
from pilotsim.spec import City


def travel_matrix(city: City, offices: Sequence[Office]) -> np.ndarray:
    """One-way travel minutes, communities × offices, before residents' mobility."""
    t = city.travel
    out = np.empty((len(city.communities), len(offices)))
    for ci, c in enumerate(city.communities.values()):
        for oi, o in enumerate(offices):
            km = math.dist(c.location, o.location)
            out[ci, oi] = t.overhead_min + 60.0 * km / t.speed_km_per_h
    return out


class Routes:
    """Nearest office serving a department, and the wrong office a confused resident tries.

    Recomputed whenever offices change departments (e.g. a one-door reform), via
    :meth:`update`. A community may have a preferred office (:meth:`prefer`, e.g. its one-door
    centre): its residents go there for every department that office serves.

    Args:
        travel: One-way travel minutes, communities × offices.
        offices: The model's offices.
    """

    def __init__(self, travel: np.ndarray, offices: Sequence[Office]) -> None:
        self.travel = travel
        self.offices = offices
        self.preferred: dict[int, int] = {}
        self.update()

    def prefer(self, community: int, office: int) -> None:
        """Send ``community``'s residents to ``office`` for every department it serves."""
        self.preferred[community] = office
        self.update()

    def serves(self, office: int, community: int) -> bool:
        """Whether ``office`` receives residents of ``community`` (see Office.restricted_to)."""
        allowed = self.offices[office].restricted_to
        return allowed is None or community in allowed

    def update(self) -> None:
        """Recompute routes from the offices' current departments."""
        self._right: dict[tuple[int, str], int] = {}
        self._wrong: dict[tuple[int, str], int] = {}
        self._usual: dict[tuple[int, str], int] = {}
        self._order = [list(np.argsort(row, kind="stable")) for row in self.travel]

    def right(self, community: int, department: str) -> int:
        """Index of the nearest office serving ``department`` (the resident's intended one)."""
        try:  # the hot path: one dict lookup
            return self._right[community, department]
        except KeyError:
            pass
        key = (community, department)
        if key not in self._right:
            pref = self.preferred.get(community)
            if pref is not None and department in self.offices[pref].departments:
                self._right[key] = pref
            else:
                self._right[key] = next(
                    (int(o) for o in self._order[community]
                     if department in self.offices[o].departments
                     and self.serves(int(o), community)),
                    -1,
                )
        return self._right[key]

    def usual(self, community: int, department: str) -> int:
        """The nearest office serving ``department``, passing over a preferred office.

        The desks a community used before its one-door centre opened (while they still serve
        the department); the centre itself if nothing else does. Other integrated centres (a
        neighbouring district's) are not the resident's desks and are passed over too.
        """
        try:
            return self._usual[community, department]
        except KeyError:
            pass
        pref = self.preferred.get(community)
        out = next((int(o) for o in self._order[community]
                    if int(o) != pref and not self.offices[o].integrated
                    and department in self.offices[o].departments
                    and self.serves(int(o), community)), -1)
        self._usual[community, department] = out if out >= 0 else \
            self.right(community, department)
        return self._usual[community, department]

    def wrong(self, community: int, department: str) -> int:
        """Where a resident who does not know the procedure goes instead.

        The nearest open office (one serving some department) that does not serve
        ``department``; if every open office serves it, the right office itself (the wrong
        counter: turned away all the same).
        """
        try:
            return self._wrong[community, department]
        except KeyError:
            pass
        key = (community, department)
        if key not in self._wrong:
            self._wrong[key] = next(
                (int(o) for o in self._order[community]
                 if self.offices[o].departments and self.serves(int(o), community)
                 and department not in self.offices[o].departments),
                self.right(community, department),
            )
        return self._wrong[key]
