"""Standard checklists and committee outreach: residents know the procedures better.

From its start day, in the scope: every resident's knowledge of procedures moves toward 1 by
``knowledge_share`` of the gap (open cases too), the risk of arriving without a document is
multiplied by ``missing_document_factor`` (``missing_document_factor`` of the community), and
step service times vary less: their coefficient of variation is multiplied by ``cv_factor``
(same mean; exponential times become lognormal with CV ``cv_factor``; fixed times are
unchanged) — residents who arrive prepared take more predictable counter time.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from pilotsim.plugins.reforms.base import Reform
from pilotsim.sim.distributions import ServiceTime
from pilotsim.spec import Distribution
from pilotsim.spec.reform_params import Cost, ReformParams
from pilotsim.spec.schema import check

if TYPE_CHECKING:
    from pilotsim.sim.levers import Levers
    from pilotsim.spec import RunSpec


# The default cost: illustrative figures (docs/reforms.md, "Parameter reference"). Named here,
# not called in the field: Cost is frozen, so sharing one instance is safe.
COST = Cost(setup_budget=10_000, staff_hours_per_day=1, budget_per_staff_hour=40)


@dataclass(frozen=True)
class OutreachChecklistsParams(ReformParams):
    """Parameters of ``outreach_checklists``.

    Attributes:
        cost: Illustrative cost figures per community (docs/reforms.md).
        knowledge_share: Share of the gap between a resident's knowledge and 1 closed.
        missing_document_factor: Multiplier on the risk of a missing document.
        cv_factor: Multiplier on the coefficient of variation of step service times.
    """

    cost: Cost = COST
    knowledge_share: float = 0.5
    missing_document_factor: float = 0.5
    cv_factor: float = 0.7

    def check_run(self, spec: RunSpec, path: str) -> None:  # noqa: D102
        for k in ("knowledge_share", "missing_document_factor"):
            v = getattr(self, k)
            check(0 <= v <= 1, f"{path}.{k}", v, "a share in [0, 1]")
        check(0 < self.cv_factor <= 1, f"{path}.cv_factor", self.cv_factor,
              "a multiplier in (0, 1]")


def steadier(st: ServiceTime, factor: float) -> ServiceTime:
    """``st`` with its coefficient of variation multiplied by ``factor`` (same mean)."""
    if st.kind == "fixed" or factor == 1:
        return st
    cv = (1.0 if st.kind == "exponential" else st.cv) * factor
    return ServiceTime(Distribution("lognormal", st.mean, cv))


class OutreachChecklists(Reform):
    """Knowledge up, missing documents and service-time variance down (see the module)."""

    Params = OutreachChecklistsParams
    cost_unit = "community"

    def start(self, levers: Levers) -> None:  # noqa: D102
        super().start(levers)
        p: OutreachChecklistsParams = self.params  # type: ignore[assignment]
        # the knowledge share delivered per community (open cases too: what residents
        # learn applies to the procedures they are in the middle of)
        levers.raise_knowledge({c: p.knowledge_share * self.fidelity(levers, c)
                                for c in self.communities}, open_cases=True)
        for c in self.communities:
            levers.scale_risk(c, missing_document=self.toward(levers, c,
                                                              p.missing_document_factor))
            for name in levers.spec.services.catalogue:
                for i, st in enumerate(levers.service(c, name).steps):
                    levers.set_service_time(c, name, i, steadier(st.service_time, p.cv_factor))

    def units(self) -> float:  # noqa: D102
        return float(len(self.communities))
