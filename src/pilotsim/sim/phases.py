"""The day as data: an ordered list of named phases, each timed (as Starsim's loop is).

:class:`~pilotsim.sim.model.PilotModel` holds its day as a :class:`DayPlan`; ``step()`` runs the
phases in order. Printing the plan shows what a day does, in order; after a run each phase's
cumulative seconds say where the time went (written to the run's ``metadata.json`` as
``phase_seconds``).
"""

from __future__ import annotations

from collections.abc import Callable
from time import perf_counter


class Phase:
    """One named part of the day.

    Args:
        name: Short name (a key of ``phase_seconds``).
        does: What it does, in one line (the plan's second column).
        run: The work, called with the day.
    """

    __slots__ = ("does", "name", "run", "seconds")

    def __init__(self, name: str, does: str, run: Callable[[int], None]) -> None:
        self.name = name
        self.does = does
        self.run = run
        self.seconds = 0.0  # cumulative perf_counter seconds over the run's days

    def __repr__(self) -> str:
        return f"Phase({self.name!r})"


class DayPlan(list):
    """The phases of a day, in the order they run; ``str()`` is a small table of them."""

    def run_day(self, day: int) -> None:
        """Run every phase for ``day``, adding each one's time to its ``seconds``.

        Two ``perf_counter`` calls a phase (7 a day: ~1 µs of a day's milliseconds).
        """
        clock = perf_counter
        t = clock()
        for phase in self:
            phase.run(day)
            now = clock()
            phase.seconds += now - t
            t = now

    def seconds(self) -> dict[str, float]:
        """Cumulative seconds per phase, in plan order."""
        return {p.name: p.seconds for p in self}

    def __str__(self) -> str:
        width = max((len(p.name) for p in self), default=5)
        rows = [f"{'#':>2}  {'phase':<{width}}  does", f"{'-' * 2}  {'-' * width}  {'-' * 4}"]
        rows += [f"{i:>2}  {p.name:<{width}}  {p.does}" for i, p in enumerate(self, 1)]
        return "\n".join(rows)
