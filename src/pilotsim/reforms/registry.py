"""The reforms pilotsim knows, by the name configs use (an explicit table, not a scan)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pilotsim.reforms.base import Reform
from pilotsim.reforms.community_proxy import CommunityProxy
from pilotsim.reforms.data_sharing import DataSharing
from pilotsim.reforms.one_door import OneDoor
from pilotsim.reforms.online_service import OnlineService
from pilotsim.reforms.outreach_checklists import OutreachChecklists
from pilotsim.reforms.simplify_procedures import SimplifyProcedures
from pilotsim.reforms.staffing import Staffing

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
}


def build_reforms(spec: RunSpec) -> list[Reform]:
    """The spec's reforms as plug-ins, in config order (the order they apply in)."""
    return [REFORMS[name](name, params) for name, params in spec.reform]
