"""From a run's pilot design to the schedule its reforms follow."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from pilotsim.plugins.pilots.registry import DESIGNS
from pilotsim.sim.rng import Streams

if TYPE_CHECKING:
    import numpy as np

    from pilotsim.spec import RunSpec
    from pilotsim.spec.pilot_designs import PilotSpec


def assign(pilot: PilotSpec, units: Mapping[str, float], gen: np.random.Generator
           ) -> dict[str, int | None]:
    """The pilot's schedule over sites: site → start day, or None (never during the run).

    Args:
        pilot: The design and its parameters.
        units: Site name → readiness, in the world's order.
        gen: The ``pilot_sites`` stream.

    Returns:
        A start day (or None) for every site. ``as_configured`` returns an empty dict (the
        reforms keep their own scope).
    """
    return DESIGNS[pilot.design](pilot).assign(units, gen)


def pilot_schedule(spec: RunSpec) -> tuple[dict[str, int | None], dict[str, int | None]]:
    """The design's site schedule and the community schedule it implies.

    Sites are drawn from the ``pilot_sites`` stream of ``pilot.site_seed`` (the run seed unless
    set), a stream nothing else uses: changing the site seed moves the pilot, not the residents
    or their needs.

    Returns:
        ``(sites, communities)``: site → start day or None, and community → start day or None
        (a district site reaches all its communities).
    """
    pilot = spec.pilot
    seed = spec.seed if pilot.site_seed is None else pilot.site_seed
    sites = assign(pilot, spec.pilot_units(), Streams(seed).generator("pilot_sites"))
    if pilot.unit == "community":
        return sites, dict(sites)
    return sites, {n: sites[c.district] for n, c in spec.city.communities.items()}
