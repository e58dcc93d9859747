from hypothesis import given, settings
from hypothesis import strategies as st

from pilotsim.sim.queueing import CounterQueue
from pilotsim.spec.hours import timeline

WEEKDAY = {d: ((540, 720), (840, 1050)) for d in ("mon", "tue", "wed", "thu", "fri")}


def office(counters=1, hours=WEEKDAY, days=7):
    windows, close = timeline(hours, days, 0)
    return CounterQueue(counters, windows, close)


def test_arrivals_before_opening_wait_for_it():
    q = office()
    waits, served = q.serve(0, [500.0], [10.0])
    assert served == [True] and waits == [40.0]  # (served from 540, the opening)


def test_lunch_break_pushes_service_to_the_afternoon():
    q = office()
    waits, _ = q.serve(0, [700.0, 705.0], [25.0, 10.0])
    assert waits == [0.0, 135.0]  # the second one waits through lunch: served from 840


def test_still_waiting_at_closing_goes_home():
    q = office()
    waits, served = q.serve(0, [1000.0, 1001.0], [60.0, 5.0])
    assert served == [True, False]
    assert waits[1] == 1050.0 - 1001.0


def test_the_day_closes_inside_an_open_window():
    # open around the clock, but residents waiting at the day's close (100) go home: the
    # third would start at 105, inside the window, after the close
    q = CounterQueue(1, [(0.0, 1e6)], [100.0])
    waits, served = q.serve(0, [50.0, 60.0, 70.0], [45.0, 10.0, 10.0])
    assert served == [True, True, False]
    assert waits == [0.0, 35.0, 30.0]


def test_no_counter_open_serves_nobody():
    q = CounterQueue(0, [(0.0, 1e6)], [100.0])
    assert q.serve(0, [50.0, 120.0], [5.0, 5.0]) == ([50.0, 0.0], [False, False])


def test_closed_day_serves_nobody():
    q = office()
    waits, served = q.serve(5, [5 * 1440 + 600.0], [5.0])  # day 5 is a Saturday
    assert served == [False] and waits == [0.0]


def test_round_the_clock_office_carries_its_queue_over_midnight():
    always = {d: ((0, 1440),) for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
    q = office(hours=always)
    q.serve(0, [1430.0], [30.0])
    waits, served = q.serve(1, [1441.0], [5.0])
    assert served == [True] and waits == [19.0]


def test_counters_can_be_opened_and_closed():
    q = office(counters=1)
    q.set_counters(3, 0.0)
    assert q.counters == 3
    waits, _ = q.serve(0, [600.0, 600.0, 600.0], [10.0, 10.0, 10.0])
    assert waits == [0.0, 0.0, 0.0]
    q.set_counters(1, 1440.0)
    assert q.counters == 1


@settings(max_examples=60, deadline=None)
@given(
    arrivals=st.lists(st.floats(540, 1000, allow_nan=False), min_size=1, max_size=40),
    services=st.lists(st.floats(0.5, 60, allow_nan=False), min_size=40, max_size=40),
    c=st.integers(1, 4),
)
def test_more_counters_never_lengthen_any_wait(arrivals, services, c):
    arrivals = sorted(arrivals)
    s = services[: len(arrivals)]
    w1, _ = office(c).serve(0, arrivals, s)
    w2, _ = office(c + 1).serve(0, arrivals, s)
    assert all(b <= a + 1e-9 for a, b in zip(w1, w2, strict=True))


@settings(max_examples=30, deadline=None)
@given(n=st.integers(1, 30), c=st.integers(1, 3))
def test_infinite_capacity_means_no_wait(n, c):
    arrivals = [540.0 + i for i in range(n)]
    waits, _ = office(n).serve(0, arrivals, [50.0] * n)
    assert waits == [0.0] * n
