"""Procedure simplification: named steps and documents are no longer required.

From its start day, for residents of the scope, removed steps are skipped (``skip`` on the
step, in the community's own view of the service) and removed documents are no longer asked
for at any step (so they cannot be forgotten). Step indices stay as in the catalogue, so cases
in progress and the visit table's ``step`` column keep their meaning.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pilotsim.plugins.reforms.base import Reform
from pilotsim.spec.reform_params import Cost, ReformParams
from pilotsim.spec.schema import check

if TYPE_CHECKING:
    from pilotsim.sim.levers import Levers
    from pilotsim.spec import RunSpec


# The default cost: illustrative figures (docs/reforms.md, "Parameter reference"). Named here,
# not called in the field: Cost is frozen, so sharing one instance is safe.
COST = Cost(setup_budget=50_000, budget_per_staff_hour=60)


@dataclass(frozen=True)
class SimplifyProceduresParams(ReformParams):
    """Parameters of ``simplify_procedures``.

    Attributes:
        cost: Illustrative cost figures per the reform (docs/reforms.md).
        remove_steps: Service → indices (0-based) of the steps removed.
        remove_documents: Documents no step requires any more.
    """

    cost: Cost = COST
    remove_steps: Mapping[str, tuple[int, ...]] = field(default_factory=dict)
    remove_documents: tuple[str, ...] = ()

    def check_run(self, spec: RunSpec, path: str) -> None:  # noqa: D102
        cat, docs = spec.services.catalogue, spec.services.documents
        check(bool(self.remove_steps or self.remove_documents), path, {},
              "at least one step (remove_steps) or document (remove_documents) to remove")
        for i, d in enumerate(self.remove_documents):
            check(d in docs, f"{path}.remove_documents[{i}]", d,
                  "a document under services.documents: " + ", ".join(docs))
        for sname, idxs in self.remove_steps.items():
            check(sname in cat, f"{path}.remove_steps.{sname}", sname,
                  "a service of the catalogue: " + ", ".join(cat))
            steps = cat[sname].steps
            for j, i in enumerate(idxs):
                check(0 <= i < len(steps), f"{path}.remove_steps.{sname}[{j}]", i,
                      f"a step index from 0 to {len(steps) - 1}")
            check(len(set(idxs)) < len(steps), f"{path}.remove_steps.{sname}", list(idxs),
                  "steps to remove that leave at least one step")
            for i in idxs:
                for later in steps[i + 1:]:
                    for d in steps[i].issues:
                        check(d not in later.requires or d in self.remove_documents,
                              f"{path}.remove_steps.{sname}", list(idxs),
                              f"removed steps whose documents no kept step needs: step {i} "
                              f"issues {d!r}, which a later step requires (add it to "
                              "remove_documents)")


class SimplifyProcedures(Reform):
    """Removed steps and documents (see the module docstring)."""

    Params = SimplifyProceduresParams

    def units(self) -> float:
        """The share of residents in scope: a pilot pays its share of the review."""
        return self.population_share

    def start(self, levers: Levers) -> None:  # noqa: D102
        super().start(levers)
        p: SimplifyProceduresParams = self.params  # type: ignore[assignment]
        for c in self.communities:
            for sname, idxs in p.remove_steps.items():
                for i in idxs:
                    levers.skip_step(c, sname, i)
            levers.drop_documents(c, p.remove_documents)
