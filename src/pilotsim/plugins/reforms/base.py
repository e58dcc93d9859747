"""The reform lifecycle: set up → start (on the start day) → daily → report its cost.

A reform is an :class:`~pilotsim.sim.model.Intervention` (the model calls ``setup`` when it is
built, ``start`` at the beginning of ``start_day`` and ``daily`` at the end of every day from
then on) that also knows where it applies (:attr:`Reform.communities`), which communities it
reaches (:meth:`Reform.reached`, the run's ``treatment``) and what it cost (:meth:`Reform.report`).

Every hook is handed the model's :class:`~pilotsim.sim.levers.Levers`, not the model: a reform
reads the world through its queries and changes it only through its change methods (the list
in ``docs/reforms.md``, kept equal to the class by a test). ``setup`` gets levers that refuse
changes, so that a reform starting on day D leaves days before D identical to the baseline.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, ClassVar

from pilotsim.spec.reform_params import ReformParams, scope_communities

if TYPE_CHECKING:
    from pilotsim.sim.levers import Levers


class Reform:
    """Base class of reforms.

    Subclasses set :attr:`Params` (their parameter dataclass) and :attr:`cost_unit`, and
    implement :meth:`start`; they may override :meth:`prepare`, :meth:`daily`,
    :meth:`reached`, :meth:`units` and :meth:`measured_staff_hours`. Every hook that sees the
    world gets its :class:`~pilotsim.sim.levers.Levers` (read through its queries, change through
    its change methods; nothing else).

    Args:
        name: The reform's name in the registry and config.
        params: Its validated parameters.
    """

    Params: ClassVar[type[ReformParams]] = ReformParams
    cost_unit: ClassVar[str] = "reform"

    def __init__(self, name: str, params: ReformParams) -> None:
        self.name = name
        self.params = params
        self.start_day = params.start_day
        self.communities: list[int] = []
        self.population_share = 1.0
        self.started = False

    # -------------------------------------------------------------- lifecycle (Intervention)

    def setup(self, levers: Levers) -> None:
        """Resolve the scope and prepare (at build time; these ``levers`` refuse changes)."""
        self.communities = scope_communities(self.params.scope, levers.spec)
        people = [c.population for c in levers.spec.city.communities.values()]
        total = sum(people)
        self.population_share = sum(people[c] for c in self.communities) / total if total \
            else 0.0
        self.prepare(levers)

    def prepare(self, levers: Levers) -> None:
        """Reform-specific preparation at build time (must not change the model)."""

    def start(self, levers: Levers) -> None:
        """Apply the reform (at the start of its start day); subclasses call super first."""
        self.started = True

    def daily(self, levers: Levers, day: int) -> None:
        """Per-day hook, at the end of each day from the start day on (default: nothing)."""

    def fidelity(self, levers: Levers, community: int) -> float:
        """Share of the reform's strength delivered at ``community`` (readiness ** fidelity)."""
        kappa = self.params.readiness_fidelity
        if kappa == 0:
            return 1.0
        readiness = list(levers.spec.city.communities.values())[community].readiness
        return float(readiness**kappa)

    def toward(self, levers: Levers, community: int, factor: float) -> float:
        """A multiplier ``factor`` delivered with the site's fidelity: 1 − (1 − factor)·fid."""
        fid = self.fidelity(levers, community)
        return factor if fid == 1.0 else 1 - (1 - factor) * fid

    # -------------------------------------------------------------------------- reporting

    def reached(self) -> list[int]:
        """Indices of the communities the reform reaches (default: its scope)."""
        return list(self.communities)

    def units(self) -> float:
        """How many cost units the reform runs (default 1; see :attr:`cost_unit`)."""
        return 1.0

    def measured_staff_hours(self, active_days: int) -> float:
        """Staff-hours the reform adds and counts itself over ``active_days`` (default 0)."""
        return 0.0

    def active_days(self, levers: Levers) -> int:
        """Days the reform has been in force so far (to the end of the run once it ended)."""
        if not self.started:
            return 0
        return max(0, min(levers.day, levers.spec.sim.days) - self.start_day)

    def report(self, levers: Levers) -> dict[str, float]:
        """The reform's cost so far, with how it arose (see :data:`COST_KEYS`).

        ``budget = setup_budget + running_budget``: the one-off set-up (``setup_budget`` per
        unit) and what running the reform costs over its active days (``budget_per_day`` per
        unit and day, plus its staff-hours at ``budget_per_staff_hour``). The comparison
        annualises the set-up over ``compare.horizon_years``; the run records it as spent.
        """
        c = self.params.cost
        days = self.active_days(levers)
        units = self.units() if self.started else 0.0
        measured = self.measured_staff_hours(days) if self.started else 0.0
        staff = c.staff_hours_per_day * units * days + measured
        setup = c.setup_budget * units
        running = c.budget_per_day * units * days + c.budget_per_staff_hour * staff
        return {"staff_hours": float(staff), "budget": float(setup + running),
                "setup_budget": float(setup), "running_budget": float(running),
                "units": float(units), "active_days": float(days),
                "measured_staff_hours": float(measured), "waves": 1.0}


COST_KEYS: tuple[str, ...] = ("staff_hours", "budget", "setup_budget", "running_budget",
                              "units", "active_days", "measured_staff_hours", "waves")
"""Keys of :meth:`Reform.report`: staff-hours and budget (= set-up + running) over the run,
the cost units run (summed over waves), the longest time in force (``active_days``, days),
the staff-hours the reform measured itself, and how many waves it ran in."""


def combine_waves(reports: Sequence[Mapping[str, float]]) -> dict[str, float]:
    """One reform's cost over all its waves (a stepped wedge runs the reform once per wave).

    Every amount is summed; ``active_days`` is the longest wave's (the first one's).

    Args:
        reports: :meth:`Reform.report` of each wave of the same reform.

    Returns:
        The combined report, with the same keys.
    """
    out = {k: float(sum(r.get(k, 0.0) for r in reports)) for k in COST_KEYS}
    out["active_days"] = float(max((r.get("active_days", 0.0) for r in reports), default=0.0))
    return out
