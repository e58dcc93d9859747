"""Community proxy and pre-check: committees submit cases for residents who cannot travel.

From its start day, each community organisation in the scope offers ``functions`` (by default
``proxy`` and ``precheck``) and gets ``extra_staff_min_per_day`` more staff minutes (at full
population scale; scaled by the sample fraction like the organisation's own time). Residents
of eligible profiles (the behaviour's ``proxy_eligible`` ones, plus ``profiles``) may choose the
proxy channel for services that allow it (the catalogue's ``proxy`` ones, plus ``services``);
the organisation's daily staff time limits how many cases it takes. A community without an
organisation is not reached.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from pilotsim.plugins.reforms.base import Reform
from pilotsim.spec.reform_params import Cost, ReformParams
from pilotsim.spec.schema import check

if TYPE_CHECKING:
    from pilotsim.sim.levers import Levers
    from pilotsim.spec import RunSpec


# The default cost: illustrative figures (docs/reforms.md, "Parameter reference"). Named here,
# not called in the field: Cost is frozen, so sharing one instance is safe.
COST = Cost(setup_budget=5000, budget_per_staff_hour=40)


@dataclass(frozen=True)
class CommunityProxyParams(ReformParams):
    """Parameters of ``community_proxy``.

    Attributes:
        cost: Illustrative cost figures per organisation (docs/reforms.md).
        extra_staff_min_per_day: Staff minutes added per organisation per day (full scale).
        functions: Functions the organisations start to offer.
        services: Services that become submittable by proxy (besides the catalogue's).
        profiles: Resident profiles that become eligible (besides the behaviour's).
    """

    cost: Cost = COST
    extra_staff_min_per_day: float = 120  # an int, as configs write it (same config hash)
    functions: tuple[Literal["information", "precheck", "proxy", "relay"], ...] = (
        "proxy", "precheck")
    services: tuple[str, ...] = ()
    profiles: tuple[str, ...] = ()

    def check_run(self, spec: RunSpec, path: str) -> None:  # noqa: D102
        check(self.extra_staff_min_per_day >= 0, f"{path}.extra_staff_min_per_day",
              self.extra_staff_min_per_day, "a number of minutes >= 0")
        cat, prof = spec.services.catalogue, spec.behaviour.profiles
        for i, s in enumerate(self.services):
            check(s in cat, f"{path}.services[{i}]", s,
                  "a service of the catalogue: " + ", ".join(cat))
        for i, p in enumerate(self.profiles):
            check(p in prof, f"{path}.profiles[{i}]", p,
                  "a profile under behaviour.profiles: " + ", ".join(prof))


class CommunityProxy(Reform):
    """Committees offering proxy submission and pre-checks (see the module docstring)."""

    Params = CommunityProxyParams
    cost_unit = "organisation"

    def prepare(self, levers: Levers) -> None:  # noqa: D102
        self.served = [c for c in self.communities if levers.organisation(c) is not None]

    def start(self, levers: Levers) -> None:  # noqa: D102
        super().start(levers)
        p: CommunityProxyParams = self.params  # type: ignore[assignment]
        scale = levers.spec.sim.sample_fraction
        for c in self.served:
            levers.add_org_functions(c, p.functions)
            levers.add_org_staff(c, p.extra_staff_min_per_day * scale * self.fidelity(levers, c))
            levers.allow_proxy(c, p.profiles)
            for s in p.services:
                levers.set_proxy(c, s)

    def reached(self) -> list[int]:
        """Communities in scope that have an organisation."""
        return list(self.served)

    def units(self) -> float:  # noqa: D102
        return float(len(self.served))

    def measured_staff_hours(self, active_days: int) -> float:
        """The added staff time, at full scale."""
        p: CommunityProxyParams = self.params  # type: ignore[assignment]
        return p.extra_staff_min_per_day / 60.0 * active_days * len(self.served)
