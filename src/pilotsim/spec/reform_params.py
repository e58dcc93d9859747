"""What every reform's config holds (scope, start day, cost) and the run's set of reforms.

These are spec classes: frozen, pure data, validated by :mod:`pilotsim.spec.schema` before a model
is built. Each reform module subclasses :class:`ReformParams` with its own fields.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from pilotsim.spec.schema import SpecError, build, check

if TYPE_CHECKING:
    from pilotsim.spec import RunSpec


@dataclass(frozen=True)
class Scope:
    """Where a reform applies: the union of named districts and communities.

    In config, ``scope: all`` (every community) or
    ``scope: {districts: [east], communities: [west_01]}``.
    """

    districts: tuple[str, ...] = ()
    communities: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        check(bool(self.districts or self.communities), "", {},
              "at least one district or community, e.g. {districts: [east]}")


def scope_communities(scope: Literal["all"] | Scope, spec: RunSpec) -> list[int]:
    """Indices (in the city's order) of the communities ``scope`` covers."""
    names = list(spec.city.communities)
    if scope == "all":
        return list(range(len(names)))
    assert isinstance(scope, Scope)
    return [i for i, (n, c) in enumerate(spec.city.communities.items())
            if n in scope.communities or c.district in scope.districts]


@dataclass(frozen=True)
class Cost:
    """What a reform costs; the reform says what its *unit* is (a centre, a community, ...).

    budget = (setup_budget + budget_per_day × active days) × units
             + budget_per_staff_hour × staff hours;
    staff hours = staff_hours_per_day × units × active days + staff hours the reform adds and
    measures itself (counter-hours opened, organisation staff time added).
    Active days run from the start day to the end of the run.

    Attributes:
        setup_budget: One-off budget per unit when the reform starts.
        budget_per_day: Running budget per unit per active day.
        staff_hours_per_day: Staff-hours per unit per active day.
        budget_per_staff_hour: Price of a staff-hour (0: staff-hours are not priced).
    """

    # Written as ints, as the reform YAMLs (and configs since) write them: the composed config,
    # and with it a run's config hash, stays what it was (validation makes them floats).
    setup_budget: float = 0
    budget_per_day: float = 0
    staff_hours_per_day: float = 0
    budget_per_staff_hour: float = 0

    def __post_init__(self) -> None:
        for k in ("setup_budget", "budget_per_day", "staff_hours_per_day",
                  "budget_per_staff_hour"):
            check(getattr(self, k) >= 0, k, getattr(self, k), "a number >= 0")


@dataclass(frozen=True)
class ReformParams:
    """Parameters every reform has.

    Attributes:
        start_day: Day (0-based) the reform applies itself, at the start of that day.
        scope: ``all`` or a :class:`Scope` of districts and/or communities.
        cost: How the reform's cost is counted (each reform sets its own illustrative
            figures; docs/reforms.md, "Parameter reference").
        readiness_fidelity: How much of the reform a site delivers depends on how well run it
            is: at a community with readiness r the reform works with fidelity r ** this
            (0, the default: fully everywhere; 1: a site of readiness 0.5 delivers half).
            Reforms that act per community (outreach_checklists, community_proxy, one_door's
            reception) scale their strength by it; all-or-nothing changes (shared data,
            online services, removed steps, counters) are not scaled.
    """

    start_day: int = 0
    scope: Literal["all"] | Scope = "all"
    cost: Cost = Cost()
    readiness_fidelity: float = 0.0

    def check(self, spec: RunSpec, path: str) -> None:
        """Check the parameters against the run (names exist, days fit).

        Raises:
            SpecError: naming the key under ``path``, the value and what was expected.
        """
        days = spec.sim.days
        check(self.readiness_fidelity >= 0, f"{path}.readiness_fidelity",
              self.readiness_fidelity, "an exponent >= 0")
        check(0 <= self.start_day < days, f"{path}.start_day", self.start_day,
              f"a day from 0 to {days - 1} (the run has sim.days = {days})")
        if isinstance(self.scope, Scope):
            for i, d in enumerate(self.scope.districts):
                check(d in spec.city.districts, f"{path}.scope.districts[{i}]", d,
                      "a district of the city: " + ", ".join(spec.city.districts))
            for i, c in enumerate(self.scope.communities):
                check(c in spec.city.communities, f"{path}.scope.communities[{i}]", c,
                      "a community of the city: " + ", ".join(spec.city.communities))
        self.check_run(spec, path)

    def check_run(self, spec: RunSpec, path: str) -> None:
        """Reform-specific checks against the run (override; the default checks nothing)."""


@dataclass(frozen=True)
class ReformSet:
    """The run's reforms, in the order the config lists them (the order they apply in).

    In config, ``reform`` maps reform names to their parameters:
    ``reform: {one_door: {start_day: 0, scope: all}, data_sharing: {...}}``; empty (or
    absent) is the baseline.
    """

    items: tuple[tuple[str, ReformParams], ...] = ()

    @classmethod
    def from_plain(cls, value: Any, path: str) -> ReformSet:
        """Validate ``reform`` config data (schema hook: :func:`pilotsim.spec.schema.convert`)."""
        from pilotsim.plugins.reforms.registry import REFORMS

        if value is None:
            return cls()
        if not isinstance(value, Mapping):
            raise SpecError(path, value, "a mapping of reform name to its parameters, e.g. "
                            "{one_door: {start_day: 0}}")
        items = []
        for name, params in value.items():
            if name not in REFORMS:
                raise SpecError(path, name, "a reform name, one of: " + ", ".join(REFORMS))
            items.append((name, build(REFORMS[name].Params, params or {}, f"{path}.{name}")))
        return cls(tuple(items))

    def __iter__(self) -> Iterator[tuple[str, ReformParams]]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    @property
    def names(self) -> tuple[str, ...]:
        """Reform names in order."""
        return tuple(n for n, _ in self.items)

    @property
    def label(self) -> str:
        """The default arm label: the names joined by ``+``, or ``baseline``."""
        return "+".join(self.names) or "baseline"

    def check(self, spec: RunSpec, path: str = "reform") -> None:
        """Check every reform's parameters against the run."""
        for name, params in self.items:
            params.check(spec, f"{path}.{name}")
