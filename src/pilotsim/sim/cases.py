"""A case: one need of one resident, from the day it arises to completion or giving up."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from pilotsim.sim.agents import Resident

OPEN, COMPLETED, ABANDONED, NOT_PURSUED = "open", "completed", "abandoned", "not_pursued"
IN_PERSON, ONLINE, PROXY = "in_person", "online", "proxy"
# the columns of Population.channel_memory, in this order
CHANNELS = (IN_PERSON, ONLINE, PROXY)
CHANNEL_COLUMN = {name: i for i, name in enumerate(CHANNELS)}

# Slots in the case's counter streams. Case-level decisions use slots below VISIT_BASE; visit v
# (0-based) uses VISIT_BASE + VISIT_SLOTS * v + purpose, so the n-th visit of a case draws the
# same numbers in every scenario.
S_INFO, S_CHANNEL, S_ONLINE_FAIL, S_FIRST_DELAY, S_VIA, S_PURSUE = 0, 1, 2, 3, 4, 5
VISIT_BASE, VISIT_SLOTS = 16, 16
V_WRONG, V_MISSING, V_ERROR, V_ARRIVAL, V_DELAY, V_ABANDON, V_OFFICE = range(7)
# the purposes a visit's setting off draws, taken for a day's visits at once: three from the
# choices stream, then the service time (slot 0 of the visit in service_times)
GO_PURPOSES = np.array([V_WRONG, V_MISSING, V_ARRIVAL, 0])
# Case.via value: the resident's usual desks, passing over their community's preferred office
# (a pilot's one-door centre they judge too slow today)
VIA_DESKS = -1
MAX_VISIT_SLOTS = 63


def visit_slot(visit_no: int, purpose: int) -> int:
    """The counter-stream slot of ``purpose`` at the case's ``visit_no``-th visit."""
    return VISIT_BASE + VISIT_SLOTS * (visit_no % MAX_VISIT_SLOTS) + purpose


class Case:
    """One resident's need for one service.

    Attributes:
        id: Case id (same case, same id, in every scenario with the same seed).
        resident: The resident.
        service: Service name.
        step: Index of the next step to do.
        channel: The channel the case is handled through (in_person, online, proxy).
        status: open, completed, abandoned, or not_pursued (the resident did not apply: the
            need went unmet without a case being started).
        day_opened: Day the need arose. need_min: minute it arose (since run start).
        day_closed: Day completed or abandoned (None while open).
        trips: Office visits made. wasted: of which wasted.
        wait, travel: Total queue wait and round-trip travel minutes.
        knowledge: The resident's knowledge of this procedure, 0–1.
        prechecked: Documents checked by the committee.
        informed: Asked the committee when the need arose.
        min_score, last_score: Worst and last experience (peak–end), 0–100.
        late_days: Days a proxy submission was put off beyond the stated turnaround.
        via: Where the resident chose to take the case's next visit
            (:meth:`~pilotsim.sim.model.PilotModel.office_for`): None (their community's route),
            an office index (a one-door centre open to walk-ins from outside its scope), or
            ``VIA_DESKS`` (the usual desks instead of their community's preferred centre).
    """

    __slots__ = ("channel", "day_closed", "day_opened", "id", "informed", "knowledge",
                 "last_score", "late_days", "min_score", "need_min", "prechecked", "resident",
                 "service", "status", "step", "travel", "trips", "via", "wait", "wasted")

    def __init__(self, case_id: int, resident: Resident, service: str, day: int,
                 need_min: float, knowledge: float) -> None:
        self.id = case_id
        self.resident = resident
        self.service = service
        self.day_opened = day
        self.need_min = need_min
        self.day_closed: int | None = None
        self.status = OPEN
        self.channel = IN_PERSON
        self.step = 0
        self.trips = 0
        self.wasted = 0
        self.wait = 0.0
        self.travel = 0.0
        self.knowledge = knowledge
        self.prechecked = False
        self.informed = False
        self.min_score = 101.0
        self.last_score: float | None = None
        self.via: int | None = None
        self.late_days = 0

    def remember(self, score: float) -> None:
        """Add an experience (visit or remote step) to the case's memory."""
        self.min_score = min(self.min_score, score)
        self.last_score = score

    @property
    def satisfaction(self) -> float | None:
        """Peak–end memory of the case: mean of its worst and its last experience."""
        if self.last_score is None:
            return None
        return (self.min_score + self.last_score) / 2


STATUS_CODES = (COMPLETED, ABANDONED, OPEN, NOT_PURSUED)  # the cases table's codes, in order


class CaseTable:
    """What each case is, as columns indexed by case id.

    Whose need it is, their community and the service are fixed at opening for every case, so
    the day's phases gather them for their rows by fancy indexing rather than from each
    :class:`Case`. The other columns hold the state of a *bulk row* (``docs/engine-soa.md``
    §8.6): a case that went from opening to closing on the day's arrays without a
    :class:`Case` object (``model.cases[i]`` is None). For a case that has an object, the
    object is the truth and those columns are unused. Columns keep spare capacity (doubling
    as cases are added); rows ``len(table)`` and beyond are unused.

    Attributes:
        resident: Population row of each case's resident (int64).
        community: Their community (int64).
        service: Code of the service (int32, into ``model.service_names``).
        day_opened, need_min, knowledge: The :class:`Case` attributes of those names at
            opening (every case).
        step, trips, wait, travel, min_score, last_score, day_closed: A bulk row's
            :class:`Case` attributes (``day_closed`` -1 while open).
        status: A bulk row's status as its index in :data:`STATUS_CODES` (-1: a case with an
            object).
    """

    COLUMNS = (("resident", np.int64), ("community", np.int64), ("service", np.int32),
               ("day_opened", np.int32), ("need_min", np.float64), ("knowledge", np.float64),
               ("step", np.int16), ("trips", np.int32), ("wait", np.float64),
               ("travel", np.float64), ("min_score", np.float64), ("last_score", np.float64),
               ("day_closed", np.int32), ("status", np.int8))

    __slots__ = ("_n", *(name for name, _ in COLUMNS))

    def __init__(self) -> None:
        self._n = 0
        for name, dtype in self.COLUMNS:
            setattr(self, name, np.empty(0, dtype=dtype))

    def __len__(self) -> int:
        return self._n

    def reserve(self, size: int) -> None:
        """Room for ``size`` cases in all, so :meth:`extend` need not grow the columns up to it.

        Each growth copies every column: ~11 ms over a 200,000-case M/M/c run (~35 µs of a
        c = 10 day's ~1 ms). Room not yet written is not yet memory the process holds.
        """
        if size > len(self.resident):
            n = self._n
            for name, _ in self.COLUMNS:
                old = getattr(self, name)
                grown = np.empty(size, dtype=old.dtype)
                grown[:n] = old[:n]
                setattr(self, name, grown)

    def extend(self, resident: np.ndarray, community: np.ndarray, service: np.ndarray,
               day: int = 0, need_min=0.0, knowledge=0.0) -> None:
        """Add cases ``len(self)``, ``len(self) + 1``, … with these opening columns."""
        n, k = self._n, len(resident)
        if n + k > len(self.resident):
            self.reserve(max(2 * len(self.resident), n + k, 1024))
        new = slice(n, n + k)
        self.resident[new] = resident
        self.community[new] = community
        self.service[new] = service
        self.day_opened[new] = day
        self.need_min[new] = need_min
        self.knowledge[new] = knowledge
        self.status[new] = -1  # (a case with an object; a bulk row's is set as it closes)
        self._n = n + k
