"""What the page shows of the two worlds on one day, copied out while nothing steps them.

The play loop steps the worlds in one thread while the page is drawn in another (a tab
click, a resize). Views therefore never read a running model: :func:`take` copies, under the
worlds' lock, the few arrays and tables a page needs into a frozen :class:`Snapshot`, and the
views draw from that. Copying is cheap (per-day sums, a few dozen communities and offices).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from pilotsim.app.api import reform_metadata
from pilotsim.app.dashboard.tracker import MEASURES
from pilotsim.spec.hours import WEEKDAYS

if TYPE_CHECKING:
    from pilotsim.app.dashboard.worlds import TwinWorlds, World

WINDOW = 7  # days in the trailing window of the charts and the table
MIN_CASES = 10  # a window's ratio is charted once its denominator reaches this many


@dataclass(frozen=True)
class WorldView:
    """One world on the snapshot's day.

    Attributes:
        name: ``baseline`` or ``reform``.
        label: What the trainer reads above it.
        series: Per day: the measures of :data:`~.tracker.MEASURES` (trailing window).
        queues: Days × offices: people waiting while open (trailing window).
        office_names: Display names of the offices (a one-door centre says so).
        office_xy: Offices' (x, y) in km.
        office_open: Whether each office has counters today.
        office_queue_today: People waiting on average at each office on the last day.
        community_satisfaction: Per community: mean satisfaction of its closed cases so far.
        community_trips: Per community: trips per closed case so far.
        reached: Per community: whether a reform has reached it.
        trips: Rows (community, office, wasted, count) of the last day's trips.
        districts: Per district of residence, since the comparison started (see
            :meth:`~.tracker.DayTracker.district_measures`).
    """

    name: str
    label: str
    series: pd.DataFrame
    queues: np.ndarray
    office_names: list[str]
    office_xy: np.ndarray
    office_open: np.ndarray
    office_queue_today: np.ndarray
    community_satisfaction: np.ndarray
    community_trips: np.ndarray
    reached: np.ndarray
    trips: np.ndarray
    districts: pd.DataFrame


@dataclass(frozen=True)
class Snapshot:
    """Both worlds on one day, as plain data.

    Attributes:
        day: Days simulated so far.
        days: Days the run lasts.
        weekday: Weekday of the last simulated day (``mon`` … ``sun``), "" before day 1.
        compare_from: First day of the comparison (the reforms' start: the warm-up before it
            is the same in both worlds).
        worlds: (baseline, reform).
        headline: The headline table (rows: measures; columns: world × window).
        community_names: Names of the communities.
        community_xy: Communities' (x, y) in km.
        community_population: Residents per community.
        cost: The reform world's cost so far (``budget``, ``staff_hours``), or None.
    """

    day: int
    days: int
    weekday: str
    compare_from: int
    worlds: tuple[WorldView, WorldView]
    headline: pd.DataFrame
    community_names: list[str]
    community_xy: np.ndarray
    community_population: np.ndarray
    cost: dict[str, float] | None


def office_label(office) -> str:
    """An office's name as the trainer reads it; a one-door centre is called one."""
    name = office.name.replace("_", " ")
    if office.name.startswith("one_door_"):  # a centre the reform opened (community level)
        return "one-door centre " + office.name.removeprefix("one_door_").replace("_", " ")
    if getattr(office, "integrated", False):  # a desk that became its district's centre
        return f"one-door centre (at {name})"
    return name


def reached(world: World) -> np.ndarray:
    """Whether a reform has reached each community by now (started and in its scope)."""
    m = world.model
    out = np.zeros(len(m.community_names), dtype=bool)
    for r in getattr(m, "reforms", ()):
        if r.started:
            out[list(r.reached())] = True
    return out


def _world(world: World, compare_from: int, window: int) -> WorldView:
    m, tr = world.model, world.tracker
    t = tr.today_trips()
    q_today = tr.office_queue[-1] if tr.office_queue else np.zeros(0)
    q = np.zeros(len(m.offices))
    q[:len(q_today)] = q_today
    return WorldView(
        name=world.name, label=world.label,
        series=tr.series(window, MIN_CASES),
        queues=tr.queue_series(window),
        office_names=[office_label(o) for o in m.offices],
        office_xy=np.array([o.location for o in m.offices], dtype=float),
        office_open=np.array([o.counters > 0 for o in m.offices]),
        office_queue_today=q,
        community_satisfaction=tr.community_satisfaction(),
        community_trips=tr.community_trips_per_case(),
        reached=reached(world),
        trips=np.column_stack([t.community, t.office, t.wasted.astype(np.int64), t.count]),
        districts=tr.district_measures(min(compare_from, tr.days)))


def headline_table(twins: TwinWorlds, compare_from: int, window: int = WINDOW) -> pd.DataFrame:
    """The measures as numbers: each world's trailing window and since the comparison began.

    Columns ``baseline: last 7 days``, ``reform: last 7 days``, ``baseline: since day N``,
    ``reform: since day N`` (N: ``compare_from``, the reforms' start).
    """
    since = f"since day {compare_from}"
    rows = {}
    for num, den, label in MEASURES.values():
        row = {}
        for span in (f"last {window} days", since):
            for w in twins.worlds:
                t = w.tracker
                lo = max(0, t.days - window) if span != since else min(compare_from, t.days)
                d = float(np.sum(t.totals[den][lo:]))
                row[f"{w.name}: {span}"] = float(np.sum(t.totals[num][lo:])) / d if d else np.nan
        rows[label] = row
    rows["Cases closed"] = {
        f"{w.name}: {span}": float(np.sum(w.tracker.totals["closed"][lo:]))
        for span, lo in ((f"last {window} days", max(0, twins.day - window)),
                         (since, min(compare_from, twins.day)))
        for w in twins.worlds}
    return pd.DataFrame.from_dict(rows, orient="index")


def take(twins: TwinWorlds, window: int = WINDOW) -> Snapshot:
    """Copy what the page shows, holding the worlds' lock (see the module docstring)."""
    with twins.lock:
        base = twins.baseline.model
        spec = base.spec
        city = spec.city
        day = twins.day
        compare_from = twins.compare_from
        reform_model = twins.reform.model
        cost = reform_metadata(reform_model)["cost"] if getattr(
            reform_model, "reforms", None) else None
        return Snapshot(
            day=day, days=spec.sim.days,
            weekday=WEEKDAYS[(spec.sim.start_weekday + day - 1) % 7] if day else "",
            compare_from=compare_from,
            worlds=(_world(twins.baseline, compare_from, window),
                    _world(twins.reform, compare_from, window)),
            headline=headline_table(twins, compare_from, window),
            community_names=list(city.communities),
            community_xy=np.array([c.location for c in city.communities.values()],
                                  dtype=float),
            community_population=np.array([c.population for c in city.communities.values()],
                                          dtype=float),
            cost=cost)
