"""Online service: named services can be done online, wholly or up to one collection visit.

From its start day, for residents of the scope, each named service's ``online`` becomes
``full`` or ``collection``. Who uses it is the residents' channel choice (literacy, effort,
past experience); failed attempts fall back to in person.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from pilotsim.plugins.reforms.base import Reform
from pilotsim.spec.reform_params import Cost, ReformParams
from pilotsim.spec.schema import check

if TYPE_CHECKING:
    from pilotsim.sim.levers import Levers
    from pilotsim.spec import RunSpec


# The default cost: illustrative figures (docs/reforms.md, "Parameter reference"). Named here,
# not called in the field: Cost is frozen, so sharing one instance is safe.
COST = Cost(setup_budget=300_000, budget_per_day=200, staff_hours_per_day=4,
            budget_per_staff_hour=60)


@dataclass(frozen=True)
class OnlineServiceParams(ReformParams):
    """Parameters of ``online_service``.

    Attributes:
        cost: Illustrative cost figures per service (docs/reforms.md).
        services: Service → ``full`` (wholly online) or ``collection`` (online up to one
            collection visit at the last step's office).
    """

    cost: Cost = COST
    services: Mapping[str, Literal["full", "collection"]] = field(default_factory=dict)

    def check_run(self, spec: RunSpec, path: str) -> None:  # noqa: D102
        cat = spec.services.catalogue
        check(bool(self.services), f"{path}.services", {},
              "at least one service: mode, e.g. {residence_registration: full}")
        for s in self.services:
            check(s in cat, f"{path}.services.{s}", s,
                  "a service of the catalogue: " + ", ".join(cat))


class OnlineService(Reform):
    """Services made available online (see the module docstring)."""

    Params = OnlineServiceParams
    cost_unit = "service"

    def start(self, levers: Levers) -> None:  # noqa: D102
        super().start(levers)
        p: OnlineServiceParams = self.params  # type: ignore[assignment]
        for c in self.communities:
            for s, mode in p.services.items():
                levers.set_online(c, s, mode)

    def units(self) -> float:
        """Services put online, times the share of residents in scope they serve."""
        services = self.params.services  # type: ignore[attr-defined]
        return float(len(services)) * self.population_share
