"""Pilot designs: which sites get the reform, and from which day.

A design turns the world's sites (communities, or districts) into a *schedule*: for each
community the day the reform reaches it, or None. Site choice draws from the run's
``pilot_sites`` stream, keyed by ``site_seed`` (the run seed unless set), so site choice can
vary while residents and needs stay paired. This module holds the pilot's spec; the designs
themselves are plug-ins in :data:`pilotsim.plugins.pilots.registry.DESIGNS`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from pilotsim.spec.schema import check


@dataclass(frozen=True)
class PilotBoost:
    """Extra effort and attention at pilot sites while they are watched (absent at rollout).

    Attributes:
        knowledge: Share of residents' knowledge gap closed at pilot sites when the pilot
            starts (extra outreach and attention).
        staff: Extra committee staff time at pilot sites, as a share of their own.
        error_reduction: Share by which error rates fall at offices serving only pilot sites
            (e.g. a pilot's one-door centre).
        days: How long the boost lasts from each site's start (None: to the end of the run).
    """

    knowledge: float = 0.0
    staff: float = 0.0
    error_reduction: float = 0.0
    days: int | None = None

    def __post_init__(self) -> None:
        check(0 <= self.knowledge <= 1, "knowledge", self.knowledge, "a share in [0, 1]")
        check(self.staff >= 0, "staff", self.staff, "a share >= 0")
        check(0 <= self.error_reduction <= 1, "error_reduction", self.error_reduction,
              "a share in [0, 1]")
        check(self.days is None or self.days >= 1, "days", self.days, "None or >= 1")

    @property
    def active(self) -> bool:
        """Whether the boost does anything."""
        return bool(self.knowledge or self.staff or self.error_reduction)


@dataclass(frozen=True)
class PilotSpec:
    """A pilot design.

    Attributes:
        design: A name in :data:`pilotsim.plugins.pilots.registry.DESIGNS` (docs/pilots.md describes
            each); the default ``as_configured`` keeps each reform's own scope and start day.
            The parameters below are shared; each design uses and checks those it needs.
        unit: ``community`` or ``district``: what a site is.
        sites: Number of pilot sites (pairs, for ``matched_pairs``).
        site_names: The sites of a ``fixed`` design.
        start_day: Day the pilot (or the first wave) starts: 84, the boundary of the third
            28-day evaluation period after a 28-day warm-up (unused by ``as_configured`` and
            ``none``).
        waves: Number of waves of a stepped wedge.
        wave_interval_days: Days between waves.
        order: ``random`` or ``readiness`` (stepped wedge order).
        site_seed: Seed of the site choice (None: the run seed).
        boost: The pilot boost.
    """

    design: str = "as_configured"
    unit: Literal["community", "district"] = "community"
    sites: int = 3
    site_names: tuple[str, ...] = ()
    start_day: int = 84
    waves: int = 4
    wave_interval_days: int = 56
    order: Literal["random", "readiness"] = "random"
    site_seed: int | None = None
    boost: PilotBoost = PilotBoost()

    def __post_init__(self) -> None:
        # The designs are plug-ins; validating a spec consults their registry, the one list
        # of them (the one import from spec up to plugins: see pyproject's import-linter).
        from pilotsim.plugins.pilots.registry import DESIGNS

        check(self.design in DESIGNS, "design", self.design,
              "a pilot design, one of: " + ", ".join(DESIGNS))
        check(self.sites >= 1, "sites", self.sites, "an integer >= 1")
        check(self.start_day >= 0, "start_day", self.start_day, "a day >= 0")
        check(self.waves >= 1, "waves", self.waves, "an integer >= 1")
        check(self.wave_interval_days >= 1, "wave_interval_days", self.wave_interval_days,
              "an integer >= 1")
        DESIGNS[self.design](self).check()

    def validate(self, units: Mapping[str, float], days: int) -> None:
        """Check the design against the world (site names and counts, waves within the run).

        Args:
            units: Site name → readiness.
            days: Length of the run.
        """
        from pilotsim.plugins.pilots.registry import DESIGNS

        design = DESIGNS[self.design](self)
        for name in self.site_names:
            check(name in units, "pilot.site_names", name,
                  f"a {self.unit} of the city: " + ", ".join(units))
        if design.uses_start_day:
            check(self.start_day < days, "pilot.start_day", self.start_day,
                  f"a day before the end of the run (sim.days = {days})")
        design.validate(units, days)

