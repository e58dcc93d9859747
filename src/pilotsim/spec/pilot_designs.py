"""Pilot designs: which sites get the reform, and from which day.

A design turns the world's sites (communities, or districts) into a *schedule*: for each
community the day the reform reaches it, or None. Site choice draws from the run's
``pilot_sites`` stream, keyed by ``site_seed`` (the run seed unless set), so site choice can
vary while residents and needs stay paired.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

import numpy as np

from pilotsim.spec.schema import check

DESIGNS = ("as_configured", "none", "everywhere", "random", "matched_pairs", "readiness",
           "stepped_wedge", "fixed")


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
        design: ``as_configured`` (each reform's own scope and start day), ``none`` (the reform
            nowhere: the counterfactual world without it), ``everywhere`` (all sites from
            ``start_day``), ``random`` (``sites`` at random), ``matched_pairs`` (``sites``
            pairs of similar sites, one of each treated at random), ``readiness`` (the
            ``sites`` best-run sites: the usual practice and the usual bias),
            ``stepped_wedge`` (all sites in ``waves`` waves every ``wave_interval_days``,
            order random or by readiness), ``fixed`` (the named ``site_names``).
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

    design: Literal["as_configured", "none", "everywhere", "random", "matched_pairs",
                    "readiness", "stepped_wedge", "fixed"] = "as_configured"
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
        check(self.sites >= 1, "sites", self.sites, "an integer >= 1")
        check(self.start_day >= 0, "start_day", self.start_day, "a day >= 0")
        check(self.waves >= 1, "waves", self.waves, "an integer >= 1")
        check(self.wave_interval_days >= 1, "wave_interval_days", self.wave_interval_days,
              "an integer >= 1")
        check(self.design != "fixed" or len(self.site_names) > 0, "site_names",
              list(self.site_names), "at least one site for the fixed design")

    def validate(self, units: Mapping[str, float], days: int) -> None:
        """Check the design against the world (site names and counts, waves within the run).

        Args:
            units: Site name → readiness.
            days: Length of the run.
        """
        n = len(units)
        if self.design in ("random", "readiness"):
            check(self.sites < n, "pilot.sites", self.sites,
                  f"fewer pilot sites than the {n} {self.unit} sites (some must stay controls)")
        if self.design == "matched_pairs":
            check(2 * self.sites <= n, "pilot.sites", self.sites,
                  f"at most {n // 2} pairs from {n} {self.unit} sites")
        for name in self.site_names:
            check(name in units, "pilot.site_names", name,
                  f"a {self.unit} of the city: " + ", ".join(units))
        if self.design not in ("none", "as_configured"):  # both leave start_day unused
            check(self.start_day < days, "pilot.start_day", self.start_day,
                  f"a day before the end of the run (sim.days = {days})")
        if self.design == "stepped_wedge":
            last = self.start_day + (self.waves - 1) * self.wave_interval_days
            check(last < days, "pilot.waves", self.waves,
                  f"waves that all start before the end of the run: the last would start on "
                  f"day {last} (sim.days = {days})")
            check(self.waves <= n, "pilot.waves", self.waves, f"at most one wave per site ({n})")


def assign(pilot: PilotSpec, units: Mapping[str, float], gen: np.random.Generator
           ) -> dict[str, int | None]:
    """The pilot's schedule over sites: site → start day, or None (never during the run).

    Args:
        pilot: The design.
        units: Site name → readiness, in the world's order.
        gen: The ``pilot_sites`` stream.

    Returns:
        A start day (or None) for every site. ``as_configured`` returns an empty dict (the
        reforms keep their own scope).
    """
    names = list(units)
    start = pilot.start_day
    d = pilot.design
    if d == "as_configured":
        return {}
    if d == "none":
        return dict.fromkeys(names)
    if d == "everywhere":
        return dict.fromkeys(names, start)
    if d == "fixed":
        return {n: (start if n in pilot.site_names else None) for n in names}
    if d == "random":
        chosen = set(gen.choice(names, size=pilot.sites, replace=False).tolist())
    elif d == "readiness":
        # best-run first; ties broken at random so equal sites are not chosen by name
        noise = gen.random(len(names))
        ranked = sorted(names, key=lambda n: (-units[n], noise[names.index(n)]))
        chosen = set(ranked[: pilot.sites])
    elif d == "matched_pairs":
        noise = gen.random(len(names))
        ranked = sorted(names, key=lambda n: (units[n], noise[names.index(n)]))
        pairs = [ranked[i:i + 2] for i in range(0, len(ranked) - 1, 2)]
        picked = gen.choice(len(pairs), size=pilot.sites, replace=False)
        chosen = {pairs[i][int(gen.integers(2))] for i in sorted(picked.tolist())}
    elif d == "stepped_wedge":
        if pilot.order == "readiness":
            noise = gen.random(len(names))
            ordered = sorted(names, key=lambda n: (-units[n], noise[names.index(n)]))
        else:
            ordered = [names[i] for i in gen.permutation(len(names))]
        waves = np.array_split(np.arange(len(ordered)), pilot.waves)
        return {ordered[i]: start + w * pilot.wave_interval_days
                for w, idx in enumerate(waves) for i in idx.tolist()}
    else:  # pragma: no cover - Literal-validated
        raise ValueError(d)
    return {n: (start if n in chosen else None) for n in names}
