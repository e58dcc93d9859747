"""Data sharing: offices fetch participating departments' documents instead of residents.

From its start day, for residents of the scope, every certificate issued by a step at a
participating department, and every document listed under ``documents`` (records the
government already holds, e.g. the household register), is *shared*
(:meth:`~pilotsim.sim.levers.Levers.share_documents`): residents no longer carry it, so it can no
longer be forgotten; and a relayable certificate step whose every issued document is shared is
skipped (:meth:`~pilotsim.sim.model.PilotModel.step_skippable`) — the "get a certificate from A to
bring to B" trip vanishes.
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
COST = Cost(setup_budget=500_000, budget_per_day=300, staff_hours_per_day=2,
            budget_per_staff_hour=60)


@dataclass(frozen=True)
class DataSharingParams(ReformParams):
    """Parameters of ``data_sharing``.

    Attributes:
        cost: Illustrative cost figures per department on the platform (docs/reforms.md).
        departments: ``all`` or the departments on the platform (their steps' certificates
            are shared).
        documents: Further documents offices fetch from records (residents stop carrying
            them).
    """

    cost: Cost = COST
    departments: Literal["all"] | tuple[str, ...] = "all"
    documents: tuple[str, ...] = ()

    def check_run(self, spec: RunSpec, path: str) -> None:  # noqa: D102
        known = sorted({st.department for s in spec.services.catalogue.values()
                        for st in s.steps} | {d for o in spec.city.offices.values()
                                              for d in o.departments})
        if self.departments != "all":
            for i, d in enumerate(self.departments):
                check(d in known, f"{path}.departments[{i}]", d,
                      "'all' or departments of the city: " + ", ".join(known))
        docs = spec.services.documents
        for i, d in enumerate(self.documents):
            check(d in docs, f"{path}.documents[{i}]", d,
                  "a document under services.documents: " + ", ".join(docs))

    def shared(self, spec: RunSpec) -> set[str]:
        """The documents shared: participating departments' certificates and ``documents``."""
        out = set(self.documents)
        for s in spec.services.catalogue.values():
            for st in s.steps:
                if self.departments == "all" or st.department in self.departments:
                    out.update(st.issues)
        return out


class DataSharing(Reform):
    """Shared documents and skipped certificate steps (see the module docstring)."""

    Params = DataSharingParams
    cost_unit = "department on the platform"

    def prepare(self, levers: Levers) -> None:  # noqa: D102
        p: DataSharingParams = self.params  # type: ignore[assignment]
        self.documents = p.shared(levers.spec)
        self.departments = sorted({st.department for s in levers.spec.services.catalogue.values()
                                   for st in s.steps} if p.departments == "all"
                                  else set(p.departments))

    def start(self, levers: Levers) -> None:  # noqa: D102
        super().start(levers)
        for c in self.communities:
            levers.share_documents(c, self.documents)

    def units(self) -> float:
        """Departments on the platform, times the share of residents in scope it serves."""
        return float(len(self.departments)) * self.population_share
