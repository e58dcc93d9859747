"""The model's agents: offices, community organisations and residents (Mesa agents)."""

from __future__ import annotations

import functools
import logging
from collections.abc import Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING

import mesa
from mesa.model import ModelSignals
from mesa.model import _mesa_logger as _mesa_model_logger  # what register_agent logs to

from pilotsim.sim.cases import CHANNELS
from pilotsim.sim.distributions import ServiceTime
from pilotsim.sim.queueing import CounterQueue
from pilotsim.spec import Office as OfficeSpec
from pilotsim.spec import Organisation as OrganisationSpec
from pilotsim.spec.hours import WEEKDAYS, timeline

if TYPE_CHECKING:
    from pilotsim.sim.cases import Case
    from pilotsim.sim.model import PilotModel


class Office(mesa.Agent):
    """A government office: departments served, counters, hours, error rate, a queue.

    Reforms change it only through :class:`~pilotsim.sim.levers.Levers` (and read it through
    :class:`~pilotsim.sim.levers.OfficeView`): ``departments`` (empty: the office is closed to the
    public), ``counters`` (via :meth:`set_counters`), ``error_rate``, ``wait_info``, hours (via
    :meth:`set_hours`), ``integrated`` (a one-door window: one visit handles the consecutive
    steps of a procedure it serves, see :meth:`~pilotsim.sim.model.PilotModel.visit_span`),
    ``hands_over_processing`` (whether such a visit continues past a step with processing
    days), ``restricted_to`` and ``other_visits_per_day`` / ``other_service`` (business outside
    the catalogue). ``service_scale`` (a multiplier on its counter times) no lever changes.

    Args:
        model: The model.
        name: The office's name in the config.
        spec: Its spec.
        index: Its position among the model's offices.
    """

    def __init__(self, model: PilotModel, name: str, spec: OfficeSpec, index: int) -> None:
        super().__init__(model)
        self.name = name
        self.index = index
        self.departments: set[str] = set(spec.departments)
        self.location = spec.location
        self.error_rate = spec.error_rate
        self.wait_info = spec.wait_info
        self.other_visits_per_day = spec.other_visits_per_day
        self.other_service = ServiceTime(spec.other_service_time)
        self.service_scale = 1.0
        self.integrated = False
        # an integrated office passes a step's processed file on to the next step's counter
        # itself, so processing days do not cost the resident another visit
        self.hands_over_processing = True
        # communities routed here (None: anyone for whom it is the nearest office); residents
        # of others may still choose it if it is one of PilotModel.walk_in_centres
        self.restricted_to: set[int] | None = None
        self.pending_staffing = list(spec.staffing)
        self.queue = CounterQueue(spec.counters, [], [])
        self.set_hours(spec.intervals)
        self.today: list[tuple[float, float, Case | None, int, str]] = []
        # today's bulk rows (pilotsim.sim.bulk.BulkVisits), after the items of ``today``
        self.today_bulk = None
        self.last_queue_peak = 0
        # the mean wait of the office's last day with visitors: what a queue display
        # (wait_info) tells residents choosing where to go (NaN before any)
        self.shown_wait = float("nan")

    def set_hours(self, intervals: dict[str, tuple[tuple[int, int], ...]]) -> None:
        """Replace the weekly opening hours (minutes since midnight per weekday)."""
        spec = self.model.spec
        self.intervals = intervals
        key = tuple((day, tuple(map(tuple, iv))) for day, iv in sorted(intervals.items()))
        (self.queue.win_start, self.queue.win_end, self.queue.day_close, self.day_open,
         self.open_from) = _hours_layout(key, spec.sim.days, spec.sim.start_weekday)

    def set_counters(self, n: int, day: int) -> None:
        """Open ``n`` counters from the start of ``day``."""
        self.queue.set_counters(n, day * 1440.0)

    @property
    def counters(self) -> int:
        """Counters open now."""
        return self.queue.counters

    def is_open(self, day: int) -> bool:
        """Whether the office opens at all on ``day``."""
        return bool(self.day_open[day]) if 0 <= day < len(self.day_open) else False


@functools.lru_cache(maxsize=32)
def _hours_layout(hours: tuple, days: int, start_weekday: int) -> tuple[list, ...]:
    """Weekly ``hours`` (sorted ``(weekday, intervals)`` pairs) laid out over a run of ``days``.

    ``(window starts, window ends, day_close)`` for the queue (:func:`timeline`), then per
    day the open windows and the first day from it on that the office opens (``days``: none
    left), so a visit put off to a closed day moves to the next open one in one lookup.
    Memoised: offices share a few distinct hours (the city's 153 offices have two), and
    laying them out is ~0.7 ms an office; the lists are read, never changed, so offices
    with the same hours share them.
    """
    intervals = dict(hours)
    # one day past the horizon, so a queue still open at the end of the run is served as it
    # would be, not sent home by the end of the simulation
    windows, day_close = timeline(intervals, days + 1, start_weekday)
    day_open = [
        [(d * 1440 + a, d * 1440 + b)
         for a, b in intervals.get(WEEKDAYS[(start_weekday + d) % 7], ())]
        for d in range(days)
    ]
    open_from, nxt = [0] * days, days
    for d in range(days - 1, -1, -1):
        if day_open[d]:
            nxt = d
        open_from[d] = nxt
    return [w[0] for w in windows], [w[1] for w in windows], day_close, day_open, open_from


class Organisation(mesa.Agent):
    """A community organisation with a daily budget of staff minutes.

    Args:
        model: The model.
        name: Its name in the config.
        spec: Its spec.
        community: Index of the community it serves.
        scale: Sample fraction: staff time is scaled with the simulated population.
    """

    def __init__(
        self, model: PilotModel, name: str, spec: OrganisationSpec, community: int, scale: float
    ) -> None:
        super().__init__(model)
        self.name = name
        self.community = community
        self.functions: set[str] = set(spec.functions)
        self.scale = scale
        self.staff_min_per_day = spec.staff_min_per_day * scale
        self.remaining = self.staff_min_per_day
        self.used_today = 0.0
        self.used_total = 0.0

    def start_day(self) -> None:
        """Reset the day's staff time.

        When sampling (scale f < 1), time left unused carries over, up to the share the
        unsimulated residents would have used: the sampled residents then meet at most the
        committee's full daily capacity and use a share f of it on average, instead of a
        budget too small for whole tasks (f = 0.1 of 120 minutes is 12: one 10-minute contact
        a day and never the pre-check after it). At f = 1 nothing carries over.
        """
        carry = min(self.remaining, self.staff_min_per_day * (1 / self.scale - 1))
        self.remaining = self.staff_min_per_day + carry
        self.used_today = 0.0

    def offers(self, function: str) -> bool:
        """Whether it offers ``function`` (information, precheck, proxy, relay)."""
        return function in self.functions

    def use(self, function: str, minutes: float) -> bool:
        """Spend ``minutes`` on ``function`` if it is offered and time remains today."""
        if function not in self.functions or self.remaining < minutes:
            return False
        self.remaining -= minutes
        self.used_today += minutes
        self.used_total += minutes
        return True


def _registers_quietly(model: PilotModel, cls: type[mesa.Agent]) -> bool:
    """Whether Mesa's agent sets alone would see ``cls`` agents registered one at a time.

    No subscriber to the model's ``agents`` signals, no signal batch, no dataset tracking
    ``cls``, no debug log of Mesa's model; and Mesa has made the type's agent set.
    """
    return (not cls._datasets and model._batch_context is None
            and not model._has_subscribers("agents", ModelSignals.AGENT_ADDED)
            and not _mesa_model_logger.isEnabledFor(logging.DEBUG)
            and cls in model.agents_by_type)


class Resident(mesa.Agent):
    """A resident with something to do; attributes live in the model's population arrays.

    Args:
        model: The model.
        index: The resident's row in :class:`~pilotsim.sim.population.Population`.
    """

    def __init__(self, model: PilotModel, index: int) -> None:
        super().__init__(model)
        self._own(index, int(model.population.community[index]))

    def _own(self, index: int, community: int) -> None:
        self.index = index
        # the community's row, read on every step of a case (a NumPy lookup each time costs
        # more than the attribute)
        self.community_index = community
        # the cases with an object (a bulk day's rows have none: pilotsim.sim.bulk's
        # resident_cases gives both)
        self.cases: list[Case] = []

    @property
    def channel_memory(self) -> Mapping[str, float]:
        """``{channel: satisfaction of the last closed case by it}``, read-only.

        Read from :attr:`~pilotsim.sim.population.Population.channel_memory` (the only copy):
        a write here would change nothing, so it raises instead.
        """
        row = self.model.population.channel_memory[self.index].tolist()
        return MappingProxyType({name: x for name, x in zip(CHANNELS, row, strict=True)
                                 if x == x})

    @classmethod
    def create_many(cls, model: PilotModel, rows: list[int]) -> list[Resident]:
        """Agents of population rows ``rows`` (none an agent yet), made and registered in order.

        What ``[Resident(model, r) for r in rows]`` gives — the same attributes and
        ``unique_id`` values, in ``model.agents`` and ``model.agents_by_type[Resident]`` in the
        same order — with Mesa's registration done once for all of them. Mesa 3.5 registers
        one agent at a time (``Model.register_agent``: its signal wrapper, a debug message
        formatted whether or not it is logged, two set insertions), ~14,000 of the ~23,000
        instructions an agent costs; a city-year makes ~424,000 residents. Whenever anything
        would see the registrations one by one — a subscriber to the model's ``agents``
        signals, a signal batch, a dataset tracking residents, Mesa's debug log — or no
        resident is registered yet (Mesa makes the type's agent set then), every agent is
        made by Mesa's own path instead.
        """
        if not rows:
            return []
        if not _registers_quietly(model, cls):
            return [cls(model, r) for r in rows]
        first = model.agent_id_counter
        agents = []
        for uid, r, c in zip(range(first, first + len(rows)), rows,
                             model.population.community[rows].tolist(), strict=True):
            a = cls.__new__(cls)
            a.model, a.unique_id, a.pos = model, uid, None  # Agent.__init__'s, in its order
            a._own(r, c)
            agents.append(a)
        model.agent_id_counter = first + len(agents)
        added = dict.fromkeys(agents)
        model.agents._agents.update(added)
        model.agents_by_type[cls]._agents.update(added)
        return agents

    @property
    def profile(self) -> str:
        """The resident's profile name."""
        return self.model.profile_names[self.model.population.profile[self.index]]

    @property
    def community(self) -> str:
        """The resident's community name."""
        return self.model.community_names[self.model.population.community[self.index]]
