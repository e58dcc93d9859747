"""The pilot designs pilotsim knows, by the name configs use (an explicit table, not a scan).

Adding a design: its class (a :class:`~pilotsim.plugins.pilots.design_base.Design`), one line
here, and ``conf/pilot/NAME.yaml`` (docs/pilots.md, "How to add a design").
"""

from __future__ import annotations

from pilotsim.plugins.pilots.design_base import Design
from pilotsim.plugins.pilots.rules import (
    AsConfigured,
    Everywhere,
    Fixed,
    MatchedPairs,
    Nowhere,
    RandomSites,
    Readiness,
    SteppedWedge,
)

AS_CONFIGURED = "as_configured"  # no design: the reforms keep their own scope and start day

DESIGNS: dict[str, type[Design]] = {
    AS_CONFIGURED: AsConfigured,
    "none": Nowhere,
    "everywhere": Everywhere,
    "random": RandomSites,
    "matched_pairs": MatchedPairs,
    "readiness": Readiness,
    "stepped_wedge": SteppedWedge,
    "fixed": Fixed,
}
