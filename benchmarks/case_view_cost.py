"""What a case attribute costs as a ``Case`` slot, as a view over a column, and to gather.

    python benchmarks/case_view_cost.py

The design question of ``docs/engine-soa.md`` §8.4: if a case's fields lived in columns and
``Case`` became a view (a property per attribute), what would each scalar read and write cost
against today's slot, and what does a day's gather of one attribute cost from objects, from a
Python list column and from a NumPy column? Prints nanoseconds, the best of 7 repeats.
"""

from __future__ import annotations

import operator
import timeit

import numpy as np

from pilotsim.sim.cases import Case

N = 1000
ROWS = np.arange(0, N, 7)  # a day's rows: every 7th case


class _ArrayColumns:
    __slots__ = ("trips", "wait")

    def __init__(self) -> None:
        self.trips = np.zeros(N, dtype=np.int64)
        self.wait = np.zeros(N)


class _ArrayView:
    """A case whose fields are properties over NumPy columns."""

    __slots__ = ("_t", "id")

    def __init__(self, i: int, t: _ArrayColumns | _ListColumns) -> None:
        self.id, self._t = i, t

    @property
    def trips(self) -> int:
        return self._t.trips.item(self.id)

    @trips.setter
    def trips(self, v: int) -> None:
        self._t.trips[self.id] = v

    @property
    def wait(self) -> float:
        return self._t.wait.item(self.id)

    @wait.setter
    def wait(self, v: float) -> None:
        self._t.wait[self.id] = v


class _ListColumns:
    __slots__ = ("trips",)

    def __init__(self) -> None:
        self.trips = [0] * N


class _ListView(_ArrayView):
    """A case whose ``trips`` is a property over a Python list column."""

    __slots__ = ()

    def _set_trips(self, v: int) -> None:
        self._t.trips[self.id] = v

    trips = property(lambda self: self._t.trips[self.id], _set_trips)


def _ns(stmt: str, names: dict, number: int, per: int = 1) -> float:
    return min(timeit.repeat(stmt, globals=names, number=number, repeat=7)) / number / per * 1e9


def main() -> None:
    cases = [Case(i, None, "s", 0, 0.0, 0.5) for i in range(N)]
    arrays, lists = _ArrayColumns(), _ListColumns()
    names = {"c": cases[5], "v": _ArrayView(5, arrays), "lv": _ListView(5, lists)}
    for label, stmt in (("read slot      c.trips", "c.trips"),
                        ("read NumPy view v.trips", "v.trips"),
                        ("read list view lv.trips", "lv.trips"),
                        ("write slot     c.trips = 3", "c.trips = 3"),
                        ("write NumPy view v.trips = 3", "v.trips = 3"),
                        ("write list view lv.trips = 3", "lv.trips = 3"),
                        ("slot      c.wait += 1.5", "c.wait += 1.5"),
                        ("NumPy view v.wait += 1.5", "v.wait += 1.5")):
        print(f"{label:32s} {_ns(stmt, names, 200_000):7.1f} ns")
    day = {"sub": [cases[i] for i in ROWS.tolist()], "ids": ROWS, "idl": ROWS.tolist(),
           "lists": lists, "arrays": arrays, "np": np, "operator": operator, "n": len(ROWS)}
    for label, stmt in (
            ("gather from objects (fromiter)",
             "np.fromiter((x.trips for x in sub), dtype=np.int64, count=n)"),
            ("gather from a list (itemgetter)",
             "np.array(operator.itemgetter(*idl)(lists.trips), dtype=np.int64)"),
            ("gather from a NumPy column", "arrays.trips[ids]")):
        print(f"{label:32s} {_ns(stmt, day, 5000, len(ROWS)):7.1f} ns a row")


if __name__ == "__main__":
    main()
