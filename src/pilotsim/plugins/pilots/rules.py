"""The shipped pilot designs' assignment rules, one class each.

They are registered in :mod:`pilotsim.plugins.pilots.registry`; docs/pilots.md describes them.

Every rule draws from the ``pilot_sites`` stream in a fixed order, so the same seed gives the
same sites (``tests/pilots/test_design_schedules.py`` pins them).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from pilotsim.plugins.pilots.design_base import Design, Schedule
from pilotsim.spec.schema import check


def _chosen(units: Mapping[str, float], chosen: set[str], start: int) -> Schedule:
    return {n: (start if n in chosen else None) for n in units}


def _ranked(units: Mapping[str, float], gen: np.random.Generator, best_first: bool
            ) -> list[str]:
    """Sites by readiness; ties broken at random so equal sites are not chosen by name."""
    names = list(units)
    noise = gen.random(len(names))
    sign = -1 if best_first else 1
    return sorted(names, key=lambda n: (sign * units[n], noise[names.index(n)]))


def _fewer_than_all(pilot_sites: int, units: Mapping[str, float], unit: str) -> None:
    n = len(units)
    check(pilot_sites < n, "pilot.sites", pilot_sites,
          f"fewer pilot sites than the {n} {unit} sites (some must stay controls)")


class AsConfigured(Design):
    """No design: each reform keeps its own scope and start day."""

    uses_start_day = False
    boosted = False

    def assign(self, units: Mapping[str, float], gen: np.random.Generator) -> Schedule:  # noqa: D102
        return {}


class Nowhere(Design):
    """The reform nowhere: the counterfactual world without it."""

    uses_start_day = False
    boosted = False

    def assign(self, units: Mapping[str, float], gen: np.random.Generator) -> Schedule:  # noqa: D102
        return dict.fromkeys(units)


class Everywhere(Design):
    """Every site from ``start_day``: the world of full rollout."""

    boosted = False

    def assign(self, units: Mapping[str, float], gen: np.random.Generator) -> Schedule:  # noqa: D102
        return dict.fromkeys(units, self.pilot.start_day)


class Fixed(Design):
    """The named ``site_names``, from ``start_day``: a pilot already decided."""

    def check(self) -> None:  # noqa: D102
        check(len(self.pilot.site_names) > 0, "site_names", list(self.pilot.site_names),
              "at least one site for the fixed design")

    def assign(self, units: Mapping[str, float], gen: np.random.Generator) -> Schedule:  # noqa: D102
        return _chosen(units, set(self.pilot.site_names), self.pilot.start_day)


class RandomSites(Design):
    """``sites`` sites at random: the textbook pilot."""

    def validate(self, units: Mapping[str, float], days: int) -> None:  # noqa: D102
        _fewer_than_all(self.pilot.sites, units, self.pilot.unit)

    def assign(self, units: Mapping[str, float], gen: np.random.Generator) -> Schedule:  # noqa: D102
        chosen = set(gen.choice(list(units), size=self.pilot.sites, replace=False).tolist())
        return _chosen(units, chosen, self.pilot.start_day)


class Readiness(Design):
    """The ``sites`` best-run sites (highest readiness): the usual practice, the usual bias."""

    def validate(self, units: Mapping[str, float], days: int) -> None:  # noqa: D102
        _fewer_than_all(self.pilot.sites, units, self.pilot.unit)

    def assign(self, units: Mapping[str, float], gen: np.random.Generator) -> Schedule:  # noqa: D102
        ranked = _ranked(units, gen, best_first=True)
        return _chosen(units, set(ranked[: self.pilot.sites]), self.pilot.start_day)


class MatchedPairs(Design):
    """Sites paired by readiness; in ``sites`` pairs one of the two, at random, is treated."""

    def validate(self, units: Mapping[str, float], days: int) -> None:  # noqa: D102
        n = len(units)
        check(2 * self.pilot.sites <= n, "pilot.sites", self.pilot.sites,
              f"at most {n // 2} pairs from {n} {self.pilot.unit} sites")

    def assign(self, units: Mapping[str, float], gen: np.random.Generator) -> Schedule:  # noqa: D102
        ranked = _ranked(units, gen, best_first=False)
        pairs = [ranked[i:i + 2] for i in range(0, len(ranked) - 1, 2)]
        picked = gen.choice(len(pairs), size=self.pilot.sites, replace=False)
        chosen = {pairs[i][int(gen.integers(2))] for i in sorted(picked.tolist())}
        return _chosen(units, chosen, self.pilot.start_day)


class SteppedWedge(Design):
    """Every site, in ``waves`` waves ``wave_interval_days`` apart, in ``order``."""

    staggered = True

    def validate(self, units: Mapping[str, float], days: int) -> None:  # noqa: D102
        p = self.pilot
        last = p.start_day + (p.waves - 1) * p.wave_interval_days
        check(last < days, "pilot.waves", p.waves,
              f"waves that all start before the end of the run: the last would start on "
              f"day {last} (sim.days = {days})")
        check(p.waves <= len(units), "pilot.waves", p.waves,
              f"at most one wave per site ({len(units)})")

    def assign(self, units: Mapping[str, float], gen: np.random.Generator) -> Schedule:  # noqa: D102
        p = self.pilot
        if p.order == "readiness":
            ordered = _ranked(units, gen, best_first=True)
        else:
            names = list(units)
            ordered = [names[i] for i in gen.permutation(len(names))]
        waves = np.array_split(np.arange(len(ordered)), p.waves)
        return {ordered[i]: p.start_day + w * p.wave_interval_days
                for w, idx in enumerate(waves) for i in idx.tolist()}
