"""The pilot boost: extra effort and attention at pilot sites while they are watched.

Evaluators watch pilot sites; staff there try harder (Allcott 2015 documents how early sites
overstate effects). The boost exists only in a pilot design that treats some sites, never in
the ``none`` and ``everywhere`` worlds that give the truth of full rollout.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pilotsim.sim.model import PilotModel
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
        self._undo: list = []

    def setup(self, model: PilotModel) -> None:  # noqa: D102
        self.communities = [model.community_names.index(n) for n in self.names]

    def start(self, model: PilotModel) -> None:  # noqa: D102
        b, pop = self.boost, model.population
        for c in self.communities:
            rows = slice(pop.community_start[c], pop.community_start[c + 1])
            pop.knowledge[rows] += b.knowledge * (1.0 - pop.knowledge[rows])
            org = model.organisation_of.get(c)
            if org is not None and b.staff:
                extra = org.staff_min_per_day * b.staff
                org.staff_min_per_day += extra
                self._undo.append(lambda o=org, x=extra: setattr(
                    o, "staff_min_per_day", o.staff_min_per_day - x))
        if b.error_reduction:
            mine = set(self.communities)
            users: dict[int, set[int]] = {}
            for c, o in model.routes.preferred.items():
                users.setdefault(o, set()).add(c)
            for o, cs in users.items():
                if cs <= mine:
                    office = model.offices[o]
                    cut = office.error_rate * b.error_reduction
                    office.error_rate -= cut
                    self._undo.append(lambda of=office, x=cut: setattr(
                        of, "error_rate", of.error_rate + x))

    def daily(self, model: PilotModel, day: int) -> None:  # noqa: D102
        if self.boost.days is not None and day + 1 == self.start_day + self.boost.days:
            for undo in self._undo:
                undo()
            self._undo = []


def boost_interventions(spec: RunSpec, schedule: Mapping[str, int | None] | None
                        ) -> list[PilotBoostWave]:
    """One boost per wave of a pilot design that treats some sites but not all."""
    b = spec.pilot.boost
    if schedule is None or not b.active or spec.pilot.design in ("none", "everywhere",
                                                                 "as_configured"):
        return []
    waves: dict[int, list[str]] = {}
    for name, day in schedule.items():
        if day is not None:
            waves.setdefault(day, []).append(name)
    return [PilotBoostWave(b, day, names) for day, names in sorted(waves.items())]
