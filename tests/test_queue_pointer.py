"""The queue's forward-moving window pointer (and its in-window shortcut) gives exactly the
bisection-per-arrival result."""

from __future__ import annotations

import heapq
from bisect import bisect_right

from hypothesis import given, settings
from hypothesis import strategies as st

from pilotsim.sim.queueing import CounterQueue


def reference_serve(q: CounterQueue, day: int, arrivals, services):
    """The original recursion: one bisection per arrival (kept here as the oracle)."""
    close = q.day_close[day]
    free, ws, we = q.free, q.win_start, q.win_end
    waits, served = [], []
    for t, s in zip(arrivals, services, strict=True):
        if free:
            start = max(free[0], t)
            k = bisect_right(we, start)
            if k < len(ws) and ws[k] > start:
                start = ws[k]
            if k < len(ws) and start < close:
                heapq.heapreplace(free, start + s)
                waits.append(start - t)
                served.append(True)
                continue
        waits.append(max(close - t, 0.0))
        served.append(False)
    return waits, served


@st.composite
def days_of_arrivals(draw):
    gaps = draw(st.lists(st.floats(1, 300), min_size=2, max_size=12))
    edges, t = [], 0.0
    for g in gaps:
        t += g
        edges.append(t)
    windows = list(zip(edges[::2], edges[1::2], strict=False))
    # the day's close anywhere: before, inside (a window then ends for the day at the close)
    # or after the windows
    close = draw(st.floats(0, t + 100))
    n = draw(st.integers(0, 60))
    arrivals = sorted(draw(st.lists(st.floats(0, t + 50), min_size=n, max_size=n)))
    services = draw(st.lists(st.floats(0, 90), min_size=n, max_size=n))
    counters = draw(st.integers(0, 4))
    busy = draw(st.lists(st.floats(0, t), min_size=counters, max_size=counters))
    return windows, close, arrivals, services, busy


@settings(max_examples=300, deadline=None)
@given(days_of_arrivals())
def test_pointer_matches_bisection(case) -> None:
    windows, close, arrivals, services, busy = case
    fast, ref = CounterQueue(len(busy), windows, [close]), CounterQueue(len(busy), windows,
                                                                         [close])
    fast.free, ref.free = sorted(busy), sorted(busy)
    got = fast.serve(0, arrivals, services)
    want = reference_serve(ref, 0, arrivals, services)
    assert got == want
    assert fast.free == ref.free
