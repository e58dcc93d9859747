"""A per-day accumulator read off a running model, so the dashboard never rebuilds tables.

After each day the tracker reads only what that day added: the visit log's new rows (it keeps
the index where each day's rows start) and the cases closed that day (it keeps the list of
open cases, which is bounded by how long cases last, not by how long the run is). It stores
per-day sums and counts; ratios over any window are ratios of those sums, so a week with a
closed weekend averages correctly.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from pilotsim.sim.bulk import closed_case
from pilotsim.sim.cases import COMPLETED, NOT_PURSUED, OPEN
from pilotsim.sim.records import Outcome

if TYPE_CHECKING:
    from pilotsim.sim.cases import Case
    from pilotsim.sim.model import PilotModel

SERVED = Outcome.SERVED

# Per-day totals, one column each (all sums or counts).
TOTALS = ("closed", "completed", "abandoned", "trips", "one_trip", "in_person", "sat_sum",
          "sat_n", "visits", "wasted", "wait_sum")
# Per-day totals kept per district as well (days × districts).
DISTRICT_TOTALS = ("closed", "trips", "sat_sum", "sat_n", "visits", "wait_sum")

# The charted measures: name → (numerator, denominator, label). A case done without any trip
# (online, through the committee) is neither a one-trip case nor a failure of one: the share
# counts only completed cases that needed at least one trip.
MEASURES: dict[str, tuple[str, str, str]] = {
    "trips_per_case": ("trips", "closed", "Trips per closed case"),
    "one_trip_share": ("one_trip", "in_person", "In-person cases done in one trip"),
    "wait_mean_min": ("wait_sum", "visits", "Mean wait per visit (min)"),
    "satisfaction": ("sat_sum", "sat_n", "Satisfaction of closed cases (0–100)"),
    "abandonment": ("abandoned", "closed", "Share of closed cases abandoned"),
}


@dataclass(frozen=True)
class DayTrips:
    """Today's trips, aggregated by (community, office, wasted) for drawing.

    Attributes:
        community: Community index per row.
        office: Office index per row.
        wasted: Whether the trips of the row were wasted.
        count: Trips in the row.
    """

    community: np.ndarray
    office: np.ndarray
    wasted: np.ndarray
    count: np.ndarray


class DayTracker:
    """Per-day sums of a model's cases, visits, offices and communities.

    Call :meth:`after_step` once after every ``model.step()``.

    Args:
        model: The model to follow (from day 0).
    """

    def __init__(self, model: PilotModel) -> None:
        self.model = model
        self.day_start: list[int] = [len(model.visits)]  # visit-log row where day d starts
        self._seen_cases = 0
        self._open: list[Case] = []
        self.totals: dict[str, list[float]] = {k: [] for k in TOTALS}
        n_com = len(model.community_names)
        self.n_districts = len(model.district_names)
        self.district: dict[str, list[np.ndarray]] = {k: [] for k in DISTRICT_TOTALS}
        self.office_visits: list[np.ndarray] = []  # per day: recorded visits per office
        self.office_wait: list[np.ndarray] = []  # per day: summed wait per office
        self.office_queue: list[np.ndarray] = []  # per day: mean people waiting (estimate)
        self.community_closed = np.zeros(n_com)  # cumulative
        self.community_trips = np.zeros(n_com)
        self.community_sat_sum = np.zeros(n_com)
        self.community_sat_n = np.zeros(n_com)

    @property
    def n_offices(self) -> int:
        """Offices the model has now (a reform may have opened one since day 0)."""
        return len(self.model.offices)

    @property
    def days(self) -> int:
        """Days tracked so far."""
        return len(self.totals["closed"])

    def visit_rows(self, day: int) -> slice:
        """The visit-log rows of ``day`` (0-based, a tracked day)."""
        return slice(self.day_start[day], self.day_start[day + 1])

    def after_step(self) -> None:
        """Read what the day just simulated added."""
        d = self.model.day - 1
        if d < self.days:
            return  # the model did not advance (it had reached its last day)
        if d > self.days:
            raise RuntimeError(f"the model stepped {d - self.days + 1} days since the tracker "
                               "last read it; call after_step after every step")
        self._read_cases(d)
        self._read_visits(d)

    def _read_cases(self, d: int) -> None:
        m, t = self.model, self.totals
        self._open.extend(closed_case(m, i) if c is None else c  # (None: a bulk row)
                          for i, c in enumerate(m.cases[self._seen_cases:], self._seen_cases))
        self._seen_cases = len(m.cases)
        still_open, closed = [], []
        for case in self._open:
            if case.status != NOT_PURSUED:  # a need not pursued never opened a case
                (still_open if case.status == OPEN else closed).append(case)
        self._open = still_open
        completed = [c for c in closed if c.status == COMPLETED]
        scores = [c.satisfaction for c in closed if c.satisfaction is not None]
        t["closed"].append(len(closed))
        t["completed"].append(len(completed))
        t["abandoned"].append(len(closed) - len(completed))
        t["trips"].append(sum(c.trips for c in closed))
        t["one_trip"].append(sum(1 for c in completed if c.trips == 1))
        t["in_person"].append(sum(1 for c in completed if c.trips >= 1))
        t["sat_sum"].append(float(sum(scores)))
        t["sat_n"].append(len(scores))
        pop = m.population
        per = {k: np.zeros(self.n_districts) for k in ("closed", "trips", "sat_sum", "sat_n")}
        for c in closed:
            ci = int(pop.community[c.resident.index])
            di = int(m.community_district[ci])
            self.community_closed[ci] += 1
            self.community_trips[ci] += c.trips
            per["closed"][di] += 1
            per["trips"][di] += c.trips
            if c.satisfaction is not None:
                self.community_sat_sum[ci] += c.satisfaction
                self.community_sat_n[ci] += 1
                per["sat_sum"][di] += c.satisfaction
                per["sat_n"][di] += 1
        for k, v in per.items():
            self.district[k].append(v)

    def _read_visits(self, d: int) -> None:
        m, t = self.model, self.totals
        start, end = self.day_start[-1], len(m.visits)
        self.day_start.append(end)
        cols = m.visits.cols
        office = np.asarray(cols["office"][start:end], dtype=np.int64)
        wait = np.asarray(cols["wait_min"][start:end], dtype=np.float64)
        outcome = np.asarray(cols["outcome"][start:end], dtype=np.int64)
        t["visits"].append(end - start)
        t["wasted"].append(int((outcome != SERVED).sum()))
        t["wait_sum"].append(float(wait.sum()))
        res = np.asarray(cols["resident_id"][start:end], dtype=np.int64)
        district = m.community_district[m.population.community[res]].astype(np.int64)
        self.district["visits"].append(
            np.bincount(district, minlength=self.n_districts).astype(np.float64))
        self.district["wait_sum"].append(
            np.bincount(district, weights=wait, minlength=self.n_districts))
        n_off = self.n_offices
        n = np.bincount(office, minlength=n_off).astype(np.float64)
        w = np.bincount(office, weights=wait, minlength=n_off)
        self.office_visits.append(n)
        self.office_wait.append(w)
        self.office_queue.append(self._queue(d, n, w))

    def _queue(self, d: int, n: np.ndarray, w: np.ndarray) -> np.ndarray:
        """Mean number of people waiting while each office was open (Little's law, L = λW).

        Arrivals are the recorded visits scaled up by the sample fraction plus the office's
        expected unrecorded business; W is the recorded visits' mean wait (the queue is FCFS,
        so unrecorded visitors wait alike on average).
        """
        f = self.model.spec.sim.sample_fraction
        out = np.zeros(len(n))
        for i, office in enumerate(self.model.offices):
            windows = office.day_open[d] if d < len(office.day_open) else []
            minutes = sum(b - a for a, b in windows)
            if minutes <= 0 or n[i] == 0:
                continue
            arrivals = n[i] / f + office.other_visits_per_day
            out[i] = arrivals * (w[i] / n[i]) / minutes
        return out

    # ------------------------------------------------------------------------------ reads

    def today_trips(self) -> DayTrips:
        """The last tracked day's trips, by community, office and wasted or not."""
        if not self.days:
            empty = np.array([], dtype=np.int64)
            return DayTrips(empty, empty, empty.astype(bool), empty)
        rows = self.visit_rows(self.days - 1)
        cols = self.model.visits.cols
        res = np.asarray(cols["resident_id"][rows], dtype=np.int64)
        comm = self.model.population.community[res].astype(np.int64)
        office = np.asarray(cols["office"][rows], dtype=np.int64)
        wasted = np.asarray(cols["outcome"][rows], dtype=np.int64) != SERVED
        if not len(res):
            return DayTrips(comm, office, wasted, comm)
        key = np.stack([comm, office, wasted.astype(np.int64)], axis=1)
        uniq, count = np.unique(key, axis=0, return_counts=True)
        return DayTrips(uniq[:, 0], uniq[:, 1], uniq[:, 2].astype(bool), count)

    def series(self, window: int = 7, min_count: float = 1) -> pd.DataFrame:
        """Each measure of :data:`MEASURES` per day, over the trailing ``window`` days.

        A measure is the ratio of its summed numerator to its summed denominator over the
        window, NaN where the denominator is below ``min_count`` (the charts ask for a few
        cases, so that the first days' one or two cases do not draw 100% spikes).
        """
        idx = pd.RangeIndex(self.days, name="day")
        out = pd.DataFrame(index=idx)
        sums = {}
        for k, values in self.totals.items():
            s = np.asarray(values, dtype=np.float64)
            c = np.concatenate([[0.0], np.cumsum(s)])
            lo = np.maximum(np.arange(1, len(s) + 1) - window, 0)
            sums[k] = c[1:] - c[lo]
        for name, (num, den, _) in MEASURES.items():
            with np.errstate(invalid="ignore", divide="ignore"):
                ok = (sums[den] >= min_count) & (sums[den] > 0)
                out[name] = np.where(ok, sums[num] / np.where(ok, sums[den], 1), np.nan)
        return out

    def queue_series(self, window: int = 1) -> np.ndarray:
        """Days × offices: mean people waiting, averaged over the trailing ``window`` days.

        Offices are the model's offices now; one opened during the run reads 0 before.
        """
        n_off = self.n_offices
        if not self.office_queue:
            return np.zeros((0, n_off))
        q = np.zeros((len(self.office_queue), n_off))
        for d, row in enumerate(self.office_queue):
            q[d, :len(row)] = row
        if window <= 1:
            return q
        c = np.vstack([np.zeros(n_off), np.cumsum(q, axis=0)])
        hi = np.arange(1, len(q) + 1)
        lo = np.maximum(hi - window, 0)
        return (c[hi] - c[lo]) / (hi - lo)[:, None]

    def district_measures(self, first: int = 0, last: int | None = None) -> pd.DataFrame:
        """Per district of residence, over days ``first`` … ``last - 1`` (default: to today).

        Columns: ``wait_mean_min`` (mean wait per visit), ``satisfaction`` (closed cases),
        ``trips_per_case``, ``visits``, ``closed``; NaN where there is nothing to average.
        """
        last = self.days if last is None else last
        sums = {k: (np.sum(v[first:last], axis=0) if v[first:last] else
                    np.zeros(self.n_districts)) for k, v in self.district.items()}

        def ratio(num: str, den: str) -> np.ndarray:
            return np.where(sums[den] > 0, sums[num] / np.maximum(sums[den], 1), np.nan)

        return pd.DataFrame({"wait_mean_min": ratio("wait_sum", "visits"),
                             "satisfaction": ratio("sat_sum", "sat_n"),
                             "trips_per_case": ratio("trips", "closed"),
                             "visits": sums["visits"], "closed": sums["closed"]},
                            index=pd.Index(self.model.district_names, name="district"))

    def community_satisfaction(self) -> np.ndarray:
        """Mean satisfaction of each community's closed cases so far (NaN if none)."""
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(self.community_sat_n > 0,
                            self.community_sat_sum / np.maximum(self.community_sat_n, 1), np.nan)

    def community_trips_per_case(self) -> np.ndarray:
        """Trips per closed case of each community so far (NaN if none)."""
        return np.where(self.community_closed > 0,
                        self.community_trips / np.maximum(self.community_closed, 1), np.nan)
