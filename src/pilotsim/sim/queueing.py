"""An exact multi-server FCFS queue in continuous time, with opening hours.

Arrivals are served in order of arrival by the counter that frees first (the Kiefer–Wolfowitz
recursion on a heap of counter-free times): exact for G/G/c FCFS, no per-minute ticks. A
resident who arrives before opening waits for it; one still waiting when the office closes for
the day goes home. Counter-free times persist across days, so an office open around the clock
carries its queue over midnight.
"""

from __future__ import annotations

import heapq
from bisect import bisect_right
from collections.abc import Sequence


class CounterQueue:
    """The counters of one office and the queue in front of them.

    Args:
        counters: Number of counters open.
        windows: Merged open windows over the run, absolute minutes ``(start, end)``.
        day_close: Per day, the minute at which residents still waiting go home.
    """

    __slots__ = ("day_close", "free", "win_end", "win_start")

    def __init__(
        self, counters: int, windows: Sequence[tuple[float, float]], day_close: Sequence[float]
    ) -> None:
        self.free: list[float] = [0.0] * counters
        self.win_start = [w[0] for w in windows]
        self.win_end = [w[1] for w in windows]
        self.day_close = list(day_close)

    @property
    def counters(self) -> int:
        """Counters currently open."""
        return len(self.free)

    def set_counters(self, n: int, at: float) -> None:
        """Open or close counters from minute ``at``.

        New counters are free at ``at``; closing counters removes those that would free
        last, so a counter closes after finishing the resident it is serving.
        """
        if n > len(self.free):
            self.free.extend([at] * (n - len(self.free)))
        elif n < len(self.free):
            self.free = sorted(self.free)[:n]
        heapq.heapify(self.free)

    def next_open(self, t: float) -> float | None:
        """The first minute at or after ``t`` when the office is open (None: never again)."""
        k = bisect_right(self.win_end, t)
        if k >= len(self.win_start):
            return None
        return max(t, self.win_start[k])

    def serve(
        self, day: int, arrivals: Sequence[float], services: Sequence[float]
    ) -> tuple[list[float], list[bool]]:
        """Serve one day's arrivals, given in increasing order of arrival time.

        Args:
            day: The day (0-based) the arrivals belong to.
            arrivals: Arrival minutes since the run's start, sorted.
            services: Service minutes each arrival would need.

        Returns:
            ``(waits, served)``: minutes each waited (until service, or until going home),
            and whether they were served (service started at arrival + wait).
        """
        close = self.day_close[day]
        free, ws, we = self.free, self.win_start, self.win_end
        waits: list[float] = []
        served: list[bool] = []
        add_wait, add_served = waits.append, served.append
        if not free:  # no counter open: everyone waits until closing
            for t in arrivals:
                add_wait(close - t if close > t else 0.0)
                add_served(False)
            return waits, served
        nwin = len(ws)
        replace = heapq.heapreplace
        # A counter's start time never decreases (the heap's minimum only grows and arrivals
        # come sorted), so the window a start falls in is found by moving a pointer forward
        # rather than by a bisection per arrival; ``k`` is always bisect_right(we, start).
        # While a start stays in [lo, hi) (window k's opening to the earlier of its end and
        # the day's close) it is served as it is, with no pointer to move: the one test most
        # arrivals take (a round-the-clock office: all of them).
        k = -1
        lo = hi = 0.0
        for t, s in zip(arrivals, services, strict=False):
            f = free[0]
            start = f if f > t else t
            if lo <= start < hi:
                replace(free, start + s)
                add_wait(start - t)
                add_served(True)
                continue
            if k < 0:
                k = bisect_right(we, start)
            else:
                while k < nwin and we[k] <= start:
                    k += 1
            if k < nwin:
                lo, hi = ws[k], min(we[k], close)
                if lo > start:
                    start = lo
                if start < close:
                    replace(free, start + s)
                    add_wait(start - t)
                    add_served(True)
                    continue
            add_wait(close - t if close > t else 0.0)
            add_served(False)
        return waits, served
