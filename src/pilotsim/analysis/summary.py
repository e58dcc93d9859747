"""The short summary table a run prints at the end (overall and by resident profile).

The figures are computed from NumPy arrays, bit for bit as pandas' reductions made them
(``Series.mean``: a float's NaN left out, the sum taken in float64; ``Series.quantile``:
``np.quantile`` of the values not NaN), so the command prints its summary from the Arrow tables
it wrote (:func:`summary_rows`, :func:`format_rows`) without importing pandas;
:func:`summary_table` gives the same figures as a DataFrame.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from pilotsim.spec import Satisfaction

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

SATISFIED_THRESHOLD = Satisfaction.satisfied_threshold
"""The default of ``behaviour.satisfaction.satisfied_threshold``."""

Rows = dict[str, dict[str, Any]]
"""The summary as rows: group ("all", then each profile) → column → figure."""


@dataclass(frozen=True)
class _Columns:
    """The columns the summary reads, as arrays (categoricals as codes into their labels)."""

    status: np.ndarray
    statuses: list[str]
    profile: np.ndarray
    profiles: list[str]
    case_id: np.ndarray
    trips: np.ndarray
    wasted: np.ndarray
    satisfaction: np.ndarray
    visit_case_id: np.ndarray
    wait: np.ndarray


def summary_table(cases: pd.DataFrame, visits: pd.DataFrame,
                  satisfied_threshold: float = SATISFIED_THRESHOLD) -> pd.DataFrame:
    """Headline figures overall and by profile.

    Columns: needs (every need, a row of the case table), cases (needs pursued),
    trips_per_case (closed cases), one_trip_share (completed cases done in at most one trip),
    wasted_per_case, wait_mean_min and wait_p90_min (per visit), satisfaction (closed cases,
    0–100), share_satisfied (closed cases scored at or above ``satisfied_threshold``, the
    run's ``behaviour.satisfaction.satisfied_threshold``), abandonment (abandoned / closed),
    needs_unmet (needs not pursued or abandoned / needs not still open).
    """
    import pandas as pd

    def coded(column: pd.Series) -> tuple[np.ndarray, list[str]]:
        cat = column.astype("category").array
        return cat.codes.astype(np.int64), [str(c) for c in cat.categories]

    status, statuses = coded(cases["status"])
    profile, profiles = coded(cases["profile"])
    rows = _rows(_Columns(
        status, statuses, profile, profiles, cases["case_id"].to_numpy(),
        cases["trips"].to_numpy(), cases["wasted_trips"].to_numpy(),
        cases["satisfaction"].to_numpy(dtype=np.float64, na_value=np.nan),
        visits["case_id"].to_numpy(), visits["wait_min"].to_numpy(dtype=np.float64)),
        satisfied_threshold)
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis("profile")


def summary_rows(cases: pa.Table, visits: pa.Table,
                 satisfied_threshold: float = SATISFIED_THRESHOLD) -> Rows:
    """:func:`summary_table`'s figures from Arrow tables (e.g. a run folder's), as rows."""
    from pilotsim.sim import tables

    def coded(column: pa.ChunkedArray) -> tuple[np.ndarray, list[str]]:
        # the labels in the order pandas' frame of the column has them (the chunks'
        # dictionaries unified: the first's, then each one not seen yet)
        labels: dict[str, None] = {}
        for chunk in column.chunks:
            labels.update(dict.fromkeys(chunk.dictionary.to_pylist()))
        return tables.codes(column, list(labels)), list(labels)

    status, statuses = coded(cases.column("status"))
    profile, profiles = coded(cases.column("profile"))
    return _rows(_Columns(
        status, statuses, profile, profiles, tables.values(cases.column("case_id")),
        tables.values(cases.column("trips")), tables.values(cases.column("wasted_trips")),
        tables.values(cases.column("satisfaction")), tables.values(visits.column("case_id")),
        tables.values(visits.column("wait_min"))), satisfied_threshold)


def _rows(c: _Columns, satisfied_threshold: float) -> Rows:
    def has(*labels: str) -> np.ndarray:
        return np.isin(c.status, [c.statuses.index(x) for x in labels if x in c.statuses])

    is_closed = has("completed", "abandoned")
    is_completed = has("completed")
    is_settled = ~has("open")
    is_pursued = ~has("not_pursued")
    is_unmet = has("not_pursued", "abandoned")
    is_abandoned = has("abandoned")
    visit_profile = _visit_profiles(c.case_id, c.profile, c.visit_case_id)
    n, v = len(c.status), len(c.wait)
    groups = [("all", np.ones(n, dtype=bool), np.ones(v, dtype=bool))] + [
        (p, c.profile == i, visit_profile == i) for i, p in enumerate(c.profiles)]
    rows = {}
    for name, in_group, its_visits in groups:
        closed = in_group & is_closed
        done = in_group & is_completed
        settled = int((in_group & is_settled).sum())
        unmet = int((in_group & is_unmet).sum())
        n_closed = int(closed.sum())
        waits = c.wait[its_visits]
        waits = waits[~np.isnan(waits)]
        rows[name] = {
            "needs": int(in_group.sum()),
            "cases": int((in_group & is_pursued).sum()),
            "trips_per_case": _mean(c.trips[closed]),
            "one_trip_share": _mean(c.trips[done] <= 1) if done.any() else float("nan"),
            "wasted_per_case": _mean(c.wasted[closed]),
            "wait_mean_min": _mean(c.wait[its_visits]),
            "wait_p90_min": np.quantile(waits, 0.9) if len(waits) else float("nan"),
            "satisfaction": _mean(c.satisfaction[closed]),
            "share_satisfied": share_satisfied(c.satisfaction[closed], satisfied_threshold),
            "abandonment": _mean(is_abandoned[closed]) if n_closed else float("nan"),
            "needs_unmet": unmet / settled if settled else float("nan"),
        }
    return rows


def _mean(x: np.ndarray) -> float:
    """``pd.Series(x).mean()``: NaN left out (as zeros in the sum), summed in float64."""
    if x.dtype.kind == "f":
        nan = np.isnan(x)
        count = np.float64(x.size - nan.sum())
        total = (np.where(nan, 0.0, x) if nan.any() else x).sum(dtype=np.float64)
    else:
        count = np.float64(x.size)
        total = x.sum(dtype=np.int64 if x.dtype.kind == "b" else np.float64)
    return total / count if count > 0 else np.nan


def _visit_profiles(case_id: np.ndarray, profile: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """Each visit's case's profile code (-1: its case is not among the cases).

    A run's case table has each case at row ``case_id``: the codes are then read by position;
    any other table (a filtered one) is looked up by ``case_id``.
    """
    n = len(profile)
    if np.array_equal(case_id, np.arange(n)) and (wanted.size == 0 or (
            wanted.min() >= 0 and wanted.max() < n)):
        return profile[wanted]
    order = np.argsort(case_id, kind="stable")
    at = np.minimum(np.searchsorted(case_id[order], wanted), max(n - 1, 0))
    found = (case_id[order][at] == wanted) if n else np.zeros(len(wanted), dtype=bool)
    return np.where(found, profile[order][at] if n else -1, -1)


def share_satisfied(scores: np.ndarray, threshold: float) -> float:
    """Share of the closed cases' ``scores`` at or above ``threshold`` (NaN if none).

    Cases without a score (NaN) are left out, as a survey leaves out those it could not ask.
    """
    scored = scores[~np.isnan(scores)]
    return float((scored >= threshold).mean()) if len(scored) else float("nan")


_FORMATS = {"needs": "{:,.0f}", "cases": "{:,.0f}", "trips_per_case": "{:.2f}",
            "one_trip_share": "{:.1%}", "wasted_per_case": "{:.2f}", "wait_mean_min": "{:.1f}",
            "wait_p90_min": "{:.1f}", "satisfaction": "{:.1f}", "share_satisfied": "{:.1%}",
            "abandonment": "{:.1%}", "needs_unmet": "{:.1%}"}


def format_summary(table: pd.DataFrame) -> str:
    """The summary as aligned plain text."""
    return format_rows(table.to_dict(orient="index"), table.index.name)


def format_rows(rows: Mapping[str, Mapping[str, Any]], index_name: str | None = "profile") -> str:
    """The summary's rows as aligned plain text, as ``DataFrame.to_string`` lays them out.

    A missing figure shows as "–". The layout is pandas' for columns of strings: the index
    left-aligned under its name, each column right-aligned to its widest entry, each value
    with a space before it, columns one space apart.
    """
    names = list(next(iter(rows.values()), {}))
    labels = [str(k) for k in rows]
    cells = {col: [_shown(col, r[col]) for r in rows.values()] for col in names}
    first = max([len(x) for x in labels] + [len(index_name or "")])
    widths = {col: max([len(col)] + [len(x) + 1 for x in cells[col]]) for col in names}
    lines = [" " * first + "".join(" " + col.rjust(widths[col]) for col in names)]
    if index_name is not None:
        lines.append(index_name.ljust(first) + "".join(" " * (widths[c] + 1) for c in names))
    for i, label in enumerate(labels):
        lines.append(label.ljust(first) + "".join(
            " " + (" " + cells[col][i]).rjust(widths[col]) for col in names))
    return "\n".join(lines)


def _shown(col: str, x: Any) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    f = _FORMATS.get(col)
    return f.format(x) if f else str(x)
