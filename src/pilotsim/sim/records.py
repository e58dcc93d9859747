"""Tidy records of a run: cases, visits and community-days, as Arrow tables or DataFrames.

Visits are logged into column buffers (one list per column, categorical columns as integer
codes) while the model runs; cases are read off the model's case objects (at the end, or, in a
run that writes its folder, in id-ordered batches as they close: :class:`CaseParquetStream`); the
community-day series is derived from both, so every number in it is recomputable from the
two row-level tables. Each table is made as Arrow (:mod:`pilotsim.sim.tables`: a run writes
and summarises its folder without pandas); the ``*_table`` functions give it as a DataFrame.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from enum import IntEnum
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from pilotsim.sim import cases as C  # noqa: N812
from pilotsim.sim import tables
from pilotsim.sim.tables import categorical, nullable_int32, numbers

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

    from pilotsim.sim.model import PilotModel



class Outcome(IntEnum):
    """What a visit came to; the code is what the visit log stores (one small integer a row)."""

    SERVED = 0
    WRONG_OFFICE = 1
    MISSING_DOCUMENT = 2
    OFFICE_ERROR = 3  # served, but the step was done wrong: the resident is sent back
    CLOSED = 4  # still waiting at closing time


OUTCOMES = tuple(o.name.lower() for o in Outcome)  # the visits table's category labels, by code


class VisitLog:
    """Visit rows, compacted into typed NumPy column chunks as they fill.

    Each office-day appends its visits' columns as arrays (:meth:`add_rows`); every
    ``chunk`` rows they become one NumPy array per column (8 bytes or fewer a value instead
    of a Python object and a pointer), so a city-year never holds every visit as Python
    objects. With a ``sink`` (e.g.
    :class:`VisitParquetStream`) the chunks are handed over and not kept: the log then holds
    at most one chunk of rows.

    Args:
        chunk: Rows per chunk.
    """

    COLUMNS = ("case_id", "resident_id", "step", "office", "day", "arrival_min", "wait_min",
               "service_min", "travel_min", "outcome")
    DTYPES = (np.int64, np.int64, np.int16, np.int32, np.int32, np.float64, np.float64,
              np.float64, np.float64, np.int8)

    def __init__(self, chunk: int = 1 << 16) -> None:
        self.chunk = chunk
        self.sink: Callable[[dict[str, np.ndarray]], None] | None = None
        self.streamed = 0  # rows handed to the sink
        self._chunks: list[dict[str, np.ndarray]] = []
        self._held = 0  # rows in _chunks
        self._new_buffers()

    def _new_buffers(self) -> None:
        self._rows: list[tuple] = []  # each: one array a column (an office-day's visits)
        self._buffered = 0

    def __len__(self) -> int:
        return self.streamed + self._held + self._buffered

    def add_rows(self, case_id, resident_id, step, office, day, arrival, wait, service,
                 travel, outcome) -> None:
        """Log a day's visits: one array per column (``day``: one value for all).

        ``outcome`` holds :class:`Outcome` codes. Columns are in :attr:`COLUMNS` order.
        """
        n = len(case_id)
        self._rows.append((case_id, resident_id, step, office, np.full(n, day), arrival, wait,
                           service, travel, outcome, n))
        self._buffered += n
        if self._buffered >= self.chunk:
            self.flush(whole_chunks=True)

    def flush(self, whole_chunks: bool = False) -> None:
        """Turn the buffered rows into chunks (kept, or handed to the sink).

        ``whole_chunks``: only chunks of exactly ``chunk`` rows; the rest stays buffered.
        """
        if not self._rows:
            return
        arrays = {c: np.concatenate([part[k] for part in self._rows], dtype=t,
                                    casting="unsafe")
                  for k, (c, t) in enumerate(zip(self.COLUMNS, self.DTYPES, strict=True))}
        n = self._buffered
        self._new_buffers()
        size = self.chunk if whole_chunks else max(n, 1)
        full = n - n % size
        for a in range(0, full, size):
            self._emit({c: x[a:a + size] for c, x in arrays.items()}, size)
        if full < n:
            self._rows.append((*(arrays[c][full:] for c in self.COLUMNS), n - full))
            self._buffered = n - full

    def attach(self, sink: Callable[[dict[str, np.ndarray]], None]) -> None:
        """Stream from now on to ``sink``, handing it first the chunks held so far.

        A run's log streams from its first day; a run continued from days shared with other
        runs (:mod:`pilotsim.plugins.forking`) holds those days' chunks, which go first, in
        order: the sink gets the chunks it would have got from the first day.
        """
        self.sink = sink
        chunks, self._chunks, self._held = self._chunks, [], 0
        for arrays in chunks:
            self._emit(arrays, len(arrays[self.COLUMNS[0]]))

    def _emit(self, arrays: dict[str, np.ndarray], n: int) -> None:
        if self.sink is not None:
            self.sink(arrays)
            self.streamed += n
        else:
            self._chunks.append(arrays)
            self._held += n

    @property
    def cols(self) -> dict[str, list]:
        """Every visit held in memory, one plain list per column (as before chunking).

        For inspection and tests; :meth:`columns` gives the typed arrays without copying.
        """
        return {c: a.tolist() for c, a in self.columns().items()}

    def columns(self) -> dict[str, np.ndarray]:
        """Every visit held in memory, one typed array per column.

        Raises:
            RuntimeError: if rows were streamed to a sink (read them from there).
        """
        if self.streamed:
            raise RuntimeError(f"{self.streamed} visits were streamed to the sink, not held")
        self.flush()
        if len(self._chunks) > 1:  # concatenate once, keep one chunk
            self._chunks = [{c: np.concatenate([ch[c] for ch in self._chunks])
                             for c in self.COLUMNS}]
        if not self._chunks:
            return {c: np.empty(0, dtype=t) for c, t in zip(self.COLUMNS, self.DTYPES,
                                                            strict=True)}
        return self._chunks[0]


def visits_table(model: PilotModel) -> pd.DataFrame:
    """One row per office visit (columns documented in the README)."""
    return tables.frame(visits_arrow(model, model.visits.columns()))


def visits_arrow(model: PilotModel, c: dict[str, np.ndarray]) -> pa.Table:
    """The visits table of the visit columns ``c`` (:attr:`VisitLog.COLUMNS`), as Arrow."""
    case_id = np.asarray(c["case_id"], dtype=np.int64)
    cases = model.case_table  # (every visit's case is in it: cases open before they visit)
    return tables.table({
        "case_id": numbers(case_id),
        "resident_id": numbers(np.asarray(c["resident_id"], dtype=np.int64)),
        "community": categorical(cases.community[case_id], model.community_names),
        "service": categorical(cases.service[case_id], model.service_names),
        "step": numbers(np.asarray(c["step"], dtype=np.int16)),
        "office": categorical(c["office"], [o.name for o in model.offices]),
        "day": numbers(np.asarray(c["day"], dtype=np.int32)),
        "arrival_min": numbers(np.asarray(c["arrival_min"], dtype=np.float64)),
        "wait_min": numbers(np.asarray(c["wait_min"], dtype=np.float64)),
        "service_min": numbers(np.asarray(c["service_min"], dtype=np.float64)),
        "travel_min": numbers(np.asarray(c["travel_min"], dtype=np.float64)),
        "outcome": categorical(c["outcome"], OUTCOMES),
    })


class RowGroupWriter:
    """Row groups written to one Parquet file by a background thread, in the order given.

    pyarrow's ``ParquetWriter.write_table`` encodes, compresses and writes a row group with
    the GIL released, so with a second core the run goes on while it is written (a city-year
    writes ~20 row groups, ~0.03 s each). One writer thread takes the tables first in, first
    out: the file's bytes are those of writing each table where it was given. A failed write
    raises at the next :meth:`write` or at :meth:`close`.

    Args:
        path: File to write (created on the first :meth:`write`).
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._writer = None
        self._thread: ThreadPoolExecutor | None = None
        self._pending: list[Future] = []

    @property
    def started(self) -> bool:
        """Whether a row group was given (the file then exists)."""
        return self._writer is not None

    def write(self, table) -> None:
        """Append ``table`` (a ``pyarrow.Table``; the first one sets the schema) as a row group."""
        import pyarrow.parquet as pq

        if self._writer is None:
            self._writer = pq.ParquetWriter(self.path, table.schema)
            self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="parquet")
        while self._pending and self._pending[0].done():
            self._pending.pop(0).result()
        assert self._thread is not None
        self._pending.append(self._thread.submit(self._writer.write_table, table))

    def close(self) -> None:
        """Wait for the row groups given, then close the file."""
        if self._thread is not None:
            self._thread.shutdown(wait=True)
        pending, self._pending = self._pending, []
        try:
            for f in pending:
                f.result()
        finally:
            if self._writer is not None:
                self._writer.close()


class VisitParquetStream:
    """Write a run's visits to Parquet as the run goes, one row group per chunk.

    Set ``model.visits.sink = stream.write`` before the run, :meth:`close` after it; the file
    holds exactly the rows and columns of :func:`visits_table`, and :meth:`read` returns that
    table (categories included).

    Args:
        path: File to write.
        model: The model whose visits these are.
    """

    def __init__(self, path: str | Path, model: PilotModel) -> None:
        self.path = Path(path)
        self.model = model
        self._writer = RowGroupWriter(self.path)

    def write(self, chunk: dict[str, np.ndarray]) -> None:
        """Append one chunk of visit columns as a row group."""
        self._writer.write(visits_arrow(self.model, chunk))

    def close(self) -> None:
        """Write the rows still buffered and close the file (an empty table if none)."""
        log = self.model.visits
        if log.sink is None:
            log.sink = self.write
        log.flush()
        if not self._writer.started:
            empty = {c: np.empty(0, dtype=t) for c, t in zip(log.COLUMNS, log.DTYPES,
                                                             strict=True)}
            self.write(empty)
        self._writer.close()

    def read(self) -> pa.Table:
        """The written visits, as Arrow (:func:`visits_frame` makes the DataFrame)."""
        return tables.read(self.path)


def visits_frame(model: PilotModel, t: pa.Table) -> pd.DataFrame:
    """The visits table ``t`` (e.g. read back from Parquet) as :func:`visits_table` gives it."""
    df = tables.frame(t)
    # Parquet keeps a dictionary per row group, so the read categories need not be the
    # table's: set the table's by label (the codes pd.Categorical of the labels gives,
    # 0.1 s for a city-year's 720,000 visits instead of 0.4 s through strings)
    for col, names in (("community", model.community_names), ("service", model.service_names),
                       ("office", [o.name for o in model.offices]), ("outcome", OUTCOMES)):
        df[col] = df[col].cat.set_categories(list(names))
    return df


# the cases table's codes: a bulk row's status column holds the same codes, and its channel
# (in person) is code 0
_STATUSES = list(C.STATUS_CODES)
_CHANNELS = list(C.CHANNELS)


def cases_table(model: PilotModel, start: int = 0, stop: int | None = None) -> pd.DataFrame:
    """One row per case (columns documented in the README), cases ``start`` to ``stop``.

    Args:
        model: The model.
        start: First case id.
        stop: One past the last case id (None: every case opened so far).
    """
    return tables.frame(cases_arrow(model, start, stop))


def cases_arrow(model: PilotModel, start: int = 0, stop: int | None = None) -> pa.Table:
    """:func:`cases_table` as Arrow.

    Every column is gathered as numbers straight into an array (categories as codes, an open
    case's closing day as -1), not as Python objects. A slice has the whole table's columns,
    types and categories (a :class:`CaseParquetStream` writes the table slice by slice).
    """
    cs = model.cases if start == 0 and stop is None else model.cases[start:stop]
    pop = model.population
    n = len(cs)
    closing = (_STATUSES.index("completed"), _STATUSES.index("abandoned"))
    case_id = np.arange(start, start + n, dtype=np.int64)  # a case's id is its row
    res = model.case_table.resident[start:start + n].copy()
    col = _case_columns(model, cs, start)
    opened, closed, status_code = col["opened"], col["closed"], col["status"]
    comm = model.case_table.community[start:start + n]
    still_open = closed < 0
    threshold = model.spec.behaviour.channels.online_literacy_threshold
    return tables.table({
        "case_id": numbers(case_id),
        "resident_id": numbers(res),
        "profile": categorical(pop.profile[res], model.profile_names),
        "community": categorical(comm, model.community_names),
        "district": categorical(model.community_district[comm], model.district_names),
        "service": categorical(model.case_table.service[start:start + n], model.service_names),
        "channel": categorical(col["channel"], _CHANNELS),
        "day_opened": numbers(opened),
        "day_closed": nullable_int32(closed, still_open),
        "status": categorical(status_code, _STATUSES),
        "trips": numbers(col["trips"]),
        "wasted_trips": numbers(col["wasted"]),
        "wait_min": numbers(col["wait"]),
        "travel_min": numbers(col["travel"]),
        "satisfaction": numbers(np.where(np.isin(status_code, closing), col["satisfaction"],
                                         np.nan)),
        "digitally_excluded": numbers(pop.literacy[res] < threshold),
        "duration_days": nullable_int32(closed - opened, still_open),
    })


_CASE_COLUMNS = (("opened", np.int32), ("closed", np.int32), ("status", np.int8),
                 ("channel", np.int8), ("trips", np.int32), ("wasted", np.int32),
                 ("wait", np.float64), ("travel", np.float64), ("satisfaction", np.float64))


def _case_columns(model: PilotModel, cs: list, start: int) -> dict[str, np.ndarray]:
    """The per-case columns of ``cs`` (cases ``start``, ``start + 1``, …) as arrays.

    A case with an object is read from it; a bulk row (None: ``pilotsim.sim.bulk``) from the
    case table's columns: closed, in person, no wasted trip.
    """
    n = len(cs)
    objs = [x for x in cs if x is not None]
    status = {s: i for i, s in enumerate(_STATUSES)}
    channel = {s: i for i, s in enumerate(_CHANNELS)}
    channel["not_pursued"] = -1  # (a need not pursued has no channel)
    k = len(objs)

    def column(values, dtype):
        return np.fromiter(values, dtype=dtype, count=k)

    out = {
        "opened": column((x.day_opened for x in objs), np.int32),
        "closed": column((-1 if x.day_closed is None else x.day_closed for x in objs), np.int32),
        "status": column((status[x.status] for x in objs), np.int8),
        "channel": column((channel["not_pursued" if x.status == "not_pursued" else x.channel]
                           for x in objs), np.int8),
        "trips": column((x.trips for x in objs), np.int32),
        "wasted": column((x.wasted for x in objs), np.int32),
        "wait": column((x.wait for x in objs), np.float64),
        "travel": column((x.travel for x in objs), np.float64),
        "satisfaction": np.array([x.satisfaction for x in objs], dtype=np.float64).reshape(k),
    }
    if k == n:
        return out
    rows = np.arange(start, start + n)
    held = np.fromiter((x is not None for x in cs), dtype=bool, count=n)
    t, b = model.case_table, rows[~held]
    if (t.status[b] < 0).any():
        raise RuntimeError("cases_table: some of these cases were let go by a CaseParquetStream "
                           "(read them from its file)")
    bulk = {"opened": t.day_opened[b], "closed": t.day_closed[b], "status": t.status[b],
            "channel": np.full(len(b), _CHANNELS.index(C.IN_PERSON)), "trips": t.trips[b],
            "wasted": np.zeros(len(b)),
            "wait": t.wait[b], "travel": t.travel[b],
            "satisfaction": (t.min_score[b] + t.last_score[b]) / 2}
    for name, dtype in _CASE_COLUMNS:
        both = np.empty(n, dtype=dtype)
        both[held], both[~held] = out[name], bulk[name]
        out[name] = both
    return out


class CaseParquetStream:
    """Write a run's cases to Parquet as they close, in case id order, and let them go.

    Cases close out of id order, and the file must hold them in id order (the table
    :func:`cases_table` makes): after each day, :meth:`after_day` extends the run of closed
    cases from the first id not yet written; once that run holds ``chunk`` cases it is
    written as one row group, and those cases are dropped from the model (``model.cases[i]``
    becomes None, and the case leaves its resident's list), so a long run holds only its open
    cases and the closed ones behind the oldest open case. :meth:`close` writes the rest,
    open cases included, in id order: the file then holds exactly :func:`cases_table` of the
    whole run, and :meth:`read` returns that table.

    Args:
        path: File to write.
        model: The model whose cases these are (a visit names its case's community and
            service from ``model.case_table``, which keeps them after the case is let go).
        chunk: Closed cases a row group holds at least (the last one: whatever is left);
            None: :attr:`CHUNK`.
    """

    CHUNK = 1 << 16
    """The default ``chunk``."""

    def __init__(self, path: str | Path, model: PilotModel, chunk: int | None = None) -> None:
        chunk = self.CHUNK if chunk is None else chunk
        if chunk < 1:
            raise ValueError(f"CaseParquetStream chunk={chunk!r}: expected a positive integer "
                             "(cases a row group holds)")
        self.path = Path(path)
        self.model = model
        self.chunk = chunk
        self.written = 0  # cases 0 .. written - 1 are in the file (and gone from the model)
        self._closed_to = 0  # cases written .. _closed_to - 1 are closed, not yet written
        self._writer = RowGroupWriter(self.path)

    def after_day(self) -> None:
        """Write the closed cases ahead of the first open one, if they fill a row group."""
        from pilotsim.sim.cases import OPEN

        cs = self.model.cases
        k, n = self._closed_to, len(cs)
        # a closed case never opens again (None: a bulk row, closed the day it opened)
        while k < n and (cs[k] is None or cs[k].status != OPEN):
            k += 1
        self._closed_to = k
        if k - self.written >= self.chunk:
            self._write(k)

    def _write(self, stop: int, release: bool = True) -> None:
        self._writer.write(cases_arrow(self.model, self.written, stop))
        if release:
            cs = self.model.cases
            for i in range(self.written, stop):
                case = cs[i]
                if case is not None:
                    case.resident.cases.remove(case)
                    cs[i] = None
        self.written = stop

    def close(self) -> None:
        """Write every case not written yet (open ones too), in id order; close the file."""
        if not self._writer.started or self.written < len(self.model.cases):
            # kept in the model: nothing runs on, and the final model stays inspectable
            self._write(len(self.model.cases), release=False)
        self._writer.close()

    def read(self) -> pa.Table:
        """The written cases, as Arrow: :func:`cases_arrow` of the whole run."""
        return tables.read(self.path)


def site_days_table(model: PilotModel, cases: pd.DataFrame, visits: pd.DataFrame) -> pd.DataFrame:
    """One row per community per day, derived from the case and visit tables."""
    import pyarrow as pa

    return tables.frame(site_days_arrow(model, pa.Table.from_pandas(cases, preserve_index=False),
                                        pa.Table.from_pandas(visits, preserve_index=False)))


def site_days_arrow(model: PilotModel, cases: pa.Table, visits: pa.Table) -> pa.Table:
    """:func:`site_days_table` of the case and visit tables as Arrow (e.g. read back)."""
    days = model.spec.sim.days
    names = model.community_names
    n = days * len(names)
    # Each row's community-day as one number, ``day * len(names) + position in names``: counts
    # are ``bincount``s of it, means are grouped by it.
    status = _codes(cases, "status", _STATUSES)
    case_community = _codes(cases, "community", names)
    opened = _slots(tables.values(cases.column("day_opened"), -1), case_community, names, days)
    unmet = status == _STATUSES.index("not_pursued")
    completed = status == _STATUSES.index("completed")
    abandoned = status == _STATUSES.index("abandoned")
    closed = completed | abandoned
    shut = _slots(np.where(closed, tables.values(cases.column("day_closed"), -1), -1),
                  case_community, names, days)
    trip = _slots(tables.values(visits.column("day"), -1), _codes(visits, "community", names),
                  names, days)
    wasted = _codes(visits, "outcome", OUTCOMES) != Outcome.SERVED
    one_trip = completed & (tables.values(cases.column("trips"), 0) <= 1)
    counts = {"cases_opened": (opened, ~unmet), "needs_not_pursued": (opened, unmet),
              "cases_closed": (shut, closed), "cases_completed": (shut, completed),
              "cases_abandoned": (shut, abandoned), "one_trip_cases": (shut, one_trip),
              "trips": (trip, None), "wasted_trips": (trip, wasted)}
    counted = {col: _count(slot, rows, n) for col, (slot, rows) in counts.items()}
    with np.errstate(invalid="ignore", divide="ignore"):
        rate = counted["cases_abandoned"] / np.where(counted["cases_closed"] > 0,
                                                      counted["cases_closed"], np.nan)
    return tables.table({
        "day": numbers(np.repeat(np.arange(days, dtype=np.int32), len(names))),
        "community": categorical(np.tile(np.arange(len(names)), days), names),
        "district": categorical(np.tile(np.asarray(model.community_district), days),
                                model.district_names),
        **{col: numbers(c) for col, c in counted.items()},
        "wait_min_mean": numbers(_mean(tables.values(visits.column("wait_min")), trip, n)),
        "satisfaction_mean": numbers(_mean(tables.values(cases.column("satisfaction")), shut,
                                           n)),
        "abandonment_rate": numbers(rate),
    })


def _codes(t: pa.Table, name: str, names: list[str] | tuple[str, ...]) -> np.ndarray:
    column = t.column(name)
    if not hasattr(column.type, "index_type"):  # labels, not a categorical
        column = column.dictionary_encode()
    return tables.codes(column, names)


def _slots(day: np.ndarray, pos: np.ndarray, names: list[str], days: int) -> np.ndarray:
    """Each row's community-day number; -1 for a row outside the run's days or communities."""
    d = day.astype(np.int64)
    return np.where((pos >= 0) & (d >= 0) & (d < days), d * len(names) + pos, -1)


def _count(slot: np.ndarray, rows: np.ndarray | None, n: int) -> np.ndarray:
    keep = slot >= 0 if rows is None else (slot >= 0) & rows
    return np.bincount(slot[keep], minlength=n).astype(np.int32)


def _mean(values: np.ndarray, slot: np.ndarray, n: int) -> np.ndarray:
    """Each community-day's mean of ``values`` (NaN: none), bit for bit as pandas' grouped mean.

    pandas (``groupby(...).mean()``, Cython's ``group_mean``) adds a group's values in row
    order with Kahan's compensated summation; the same sums run here for every group at once,
    step ``i`` adding each group's ``i``-th value.
    """
    keep = (slot >= 0) & ~np.isnan(values)
    s = slot[keep]
    v = values[keep][np.argsort(s, kind="stable")]  # by group, each in row order
    count = np.bincount(s, minlength=n)
    # the groups with the most values first: step i works on a prefix of them (views)
    groups = np.argsort(-count, kind="stable")
    depth = -count[groups]
    first = (np.cumsum(count) - count)[groups]  # each group's first value in v
    sums, compensation = np.zeros(n), np.zeros(n)
    with np.errstate(invalid="ignore", divide="ignore"):  # (inf - inf: NaN, as in pandas)
        for i in range(-depth[0] if n else 0):
            k = np.searchsorted(depth, -i)  # the groups with an i-th value
            y = v[first[:k] + i] - compensation[:k]
            t = sums[:k] + y
            c = t - sums[:k] - y
            c[np.isnan(c)] = 0.0  # as pandas: an infinite value leaves no NaN compensation
            compensation[:k] = c
            sums[:k] = t
        total = np.empty(n)
        total[groups] = sums
        return np.where(count > 0, total / count, np.nan)
