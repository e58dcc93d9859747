"""The pilot boost: extra effort and attention at pilot sites while they are watched.

Evaluators watch pilot sites; staff there try harder (Allcott 2015 documents how early sites
overstate effects). The boost exists only in a pilot design that treats some sites, never in
the ``none`` and ``everywhere`` worlds that give the truth of full rollout.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from pilotsim.plugins.pilots.registry import DESIGNS

if TYPE_CHECKING:
    from pilotsim.sim.levers import Levers
    from pilotsim.spec import RunSpec
    from pilotsim.spec.pilot_designs import PilotBoost


class PilotBoostWave:
    """The boost for one wave of pilot sites (an intervention of the model).

    At the wave's start, residents' knowledge at its sites closes ``knowledge`` of its gap and
    their committees get ``staff`` more staff time; offices only the wave's sites prefer (a
    pilot's own centre) make ``error_reduction`` fewer errors. All of it ends after ``days``.

    Args:
        boost: The boost's parameters.
        start_day: The wave's start day.
        communities: Names of the wave's communities.
    """

    def __init__(self, boost: PilotBoost, start_day: int, communities: list[str]) -> None:
        self.boost = boost
        self.start_day = start_day
        self.names = communities
        # what to take back when the boost ends: committee minutes added per community,
        # error-rate cuts per office
        self._staff: dict[int, float] = {}
        self._cuts: dict[int, float] = {}

    def setup(self, levers: Levers) -> None:  # noqa: D102
        self.communities = [levers.community_names.index(n) for n in self.names]

    def start(self, levers: Levers) -> None:  # noqa: D102
        b = self.boost
        levers.raise_knowledge(dict.fromkeys(self.communities, b.knowledge))
        for c in self.communities:
            org = levers.organisation(c)
            if org is not None and b.staff:
                extra = org.staff_min_per_day * b.staff
                levers.add_org_staff(c, extra)
                self._staff[c] = self._staff.get(c, 0.0) + extra
        if b.error_reduction:
            mine = set(self.communities)
            users: dict[int, set[int]] = {}
            for c, o in levers.preferred_offices.items():
                users.setdefault(o, set()).add(c)
            offices = levers.offices
            for o, cs in users.items():
                if cs <= mine:
                    cut = offices[o].error_rate * b.error_reduction
                    levers.set_error_rate(o, offices[o].error_rate - cut)
                    self._cuts[o] = cut

    def daily(self, levers: Levers, day: int) -> None:  # noqa: D102
        if self.boost.days is not None and day + 1 == self.start_day + self.boost.days:
            for c, extra in self._staff.items():
                levers.add_org_staff(c, -extra)
            offices = levers.offices
            for o, cut in self._cuts.items():
                levers.set_error_rate(o, offices[o].error_rate + cut)
            self._staff, self._cuts = {}, {}


def boost_interventions(spec: RunSpec, schedule: Mapping[str, int | None] | None
                        ) -> list[PilotBoostWave]:
    """One boost per wave of a pilot design that treats some sites but not all."""
    b = spec.pilot.boost
    if schedule is None or not b.active or not DESIGNS[spec.pilot.design].boosted:
        return []
    waves: dict[int, list[str]] = {}
    for name, day in schedule.items():
        if day is not None:
            waves.setdefault(day, []).append(name)
    return [PilotBoostWave(b, day, names) for day, names in sorted(waves.items())]
