"""The reforms pilotsim knows, by the name configs use (an explicit table, not a scan)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import TYPE_CHECKING

from pilotsim.plugins.reforms.base import Reform
from pilotsim.plugins.reforms.community_proxy import CommunityProxy
from pilotsim.plugins.reforms.data_sharing import DataSharing
from pilotsim.plugins.reforms.office_closure import OfficeClosure
from pilotsim.plugins.reforms.one_door import OneDoor
from pilotsim.plugins.reforms.online_service import OnlineService
from pilotsim.plugins.reforms.outreach_checklists import OutreachChecklists
from pilotsim.plugins.reforms.simplify_procedures import SimplifyProcedures
from pilotsim.plugins.reforms.staffing import Staffing
from pilotsim.spec.reform_params import Scope

if TYPE_CHECKING:
    from pilotsim.spec import RunSpec

REFORMS: dict[str, type[Reform]] = {
    "one_door": OneDoor,
    "data_sharing": DataSharing,
    "simplify_procedures": SimplifyProcedures,
    "online_service": OnlineService,
    "community_proxy": CommunityProxy,
    "outreach_checklists": OutreachChecklists,
    "staffing": Staffing,
    "office_closure": OfficeClosure,
}


def build_reforms(spec: RunSpec, schedule: Mapping[str, int | None] | None = None
                  ) -> list[Reform]:
    """The spec's reforms as plug-ins, in config order (the order they apply in).

    Args:
        spec: The run spec.
        schedule: A rollout (e.g. a pilot design's): community → the day the reforms reach
            it, or None (never). When given it replaces every reform's own scope and start
            day: each reform runs once per start day (a wave), scoped to that wave's
            communities. None keeps each reform's configured scope and start day.
    """
    out: list[Reform] = []
    for name, params in spec.reform:
        if schedule is None:
            out.append(REFORMS[name](name, params))
            continue
        waves: dict[int, list[str]] = {}
        for community, day in schedule.items():
            if day is not None:
                waves.setdefault(day, []).append(community)
        for day in sorted(waves):
            wave = replace(params, start_day=int(day),
                           scope=Scope(communities=tuple(waves[day])))
            wave.check(spec, f"schedule[{day}].{name}")
            out.append(REFORMS[name](name, wave))
    return out
