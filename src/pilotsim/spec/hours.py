"""Opening hours: parsing ``"HH:MM-HH:MM"`` strings and laying them out on the run's timeline."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping

from pilotsim.spec.schema import SpecError

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_MIN = 1440


def _minute(text: str, key: str, whole: str) -> int:
    try:
        hh, mm = text.split(":")
        h, m = int(hh), int(mm)
    except ValueError:
        raise SpecError(key, whole, "an interval 'HH:MM-HH:MM', e.g. '08:30-12:00'") from None
    if not (0 <= h <= 24 and 0 <= m < 60) or (h == 24 and m):
        raise SpecError(key, whole, "times between 00:00 and 24:00")
    return 60 * h + m


def parse_hours(intervals: Iterable[str], key: str) -> tuple[tuple[int, int], ...]:
    """Parse ``["08:30-12:00", "13:30-17:00"]`` into sorted minute intervals.

    Raises:
        SpecError: if an interval is malformed, empty, or overlaps another.
    """
    if isinstance(intervals, str):
        raise SpecError(key, intervals, "a list of intervals like ['08:30-12:00']")
    out = []
    for text in intervals:
        if not isinstance(text, str) or text.count("-") != 1:
            raise SpecError(key, text, "an interval 'HH:MM-HH:MM', e.g. '08:30-12:00'")
        a, b = text.split("-")
        start, end = _minute(a.strip(), key, text), _minute(b.strip(), key, text)
        if end <= start:
            raise SpecError(key, text, "an interval that ends after it starts")
        out.append((start, end))
    out.sort()
    for (_, e1), (s2, _) in itertools.pairwise(out):
        if s2 < e1:
            raise SpecError(key, list(intervals), "intervals that do not overlap")
    return tuple(out)


def timeline(
    hours: Mapping[str, tuple[tuple[int, int], ...]], days: int, start_weekday: int
) -> tuple[list[tuple[float, float]], list[float]]:
    """Lay weekly hours out over ``days`` days as absolute minutes since the run's start.

    Intervals that touch (``…-24:00`` then ``00:00-…`` next day) merge, so an office open
    around the clock has one window and never sends anyone home.

    Returns:
        ``(windows, day_close)``: merged open windows ``(start, end)``, and for each day the
        minute at which a resident who arrived that day and is still waiting goes home (the
        end of the last window that opens on or before that day; ``-inf`` if none).
    """
    windows: list[list[float]] = []
    day_close = [float("-inf")] * days
    for d in range(days):
        for a, b in hours.get(WEEKDAYS[(start_weekday + d) % 7], ()):
            s, e = d * DAY_MIN + a, d * DAY_MIN + b
            if windows and windows[-1][1] >= s:
                windows[-1][1] = max(windows[-1][1], e)
            else:
                windows.append([s, e])
    # a window closes for all days whose arrivals it serves: fill day_close from the windows
    wi = 0
    for d in range(days):
        end_of_day = (d + 1) * DAY_MIN
        while wi + 1 < len(windows) and windows[wi + 1][0] < end_of_day:
            wi += 1
        if windows and windows[wi][0] < end_of_day and windows[wi][1] > d * DAY_MIN:
            day_close[d] = windows[wi][1]
    return [(s, e) for s, e in windows], day_close
