"""The bulk day's cheaper steps give what the steps they replace gave: the needs generator
seeded days ahead is each day's own, a day's first occurrences found by sorting are a
set's, and the case table reserved ahead holds what it grew to hold."""

from __future__ import annotations

import numpy as np

from pilotsim.app import api
from pilotsim.sim.bulk import first_of_each
from pilotsim.sim.cases import CaseTable
from pilotsim.sim.model import _NEEDS_DAYS, PilotModel
from pilotsim.spec import RunSpec


def test_needs_generator_seeded_ahead_is_the_days_own():
    days = _NEEDS_DAYS + 10
    m = PilotModel(RunSpec.from_config(api.compose(["output.write=false", f"sim.days={days}"])))
    for d in (0, 1, _NEEDS_DAYS - 1, _NEEDS_DAYS, days - 1):  # both sides of a block's edge
        got = m._needs_generator(d)
        want = m.streams.generator("needs", d)
        assert np.array_equal(got.poisson(3.0, 20), want.poisson(3.0, 20))
        assert np.array_equal(got.random(20), want.random(20))
    assert not np.array_equal(m._needs_generator(1).random(5), m._needs_generator(2).random(5))


def _first_by_set(keys: list[int]) -> list[bool]:
    seen: set[int] = set()
    return [k not in seen and not seen.add(k) for k in keys]


def test_first_of_each_is_each_keys_first_occurrence():
    rng = np.random.default_rng(7)
    for n, high in ((0, 1), (1, 1), (2, 1), (5, 3), (145, 8760), (145, 40), (720, 300)):
        for _ in range(20):
            keys = rng.integers(0, high, n)
            got = first_of_each(keys)
            assert got.dtype == bool
            assert got.tolist() == _first_by_set(keys.tolist())
    assert first_of_each(np.array([4, 2, 4, 2, 9])).tolist() == [True, True, False, False, True]
    keys = rng.integers(-40, 40, 300)  # negative keys too
    assert first_of_each(keys).tolist() == _first_by_set(keys.tolist())


def test_case_table_reserved_ahead_keeps_its_rows_and_does_not_grow():
    t = CaseTable()
    t.extend(np.array([3, 4]), np.array([0, 1]), np.array([0, 0], dtype=np.int32), 5, 7.0, 0.5)
    t.reserve(5000)
    column = t.resident
    assert len(column) == 5000 and len(t) == 2
    assert t.resident[:2].tolist() == [3, 4] and t.day_opened[:2].tolist() == [5, 5]
    assert t.knowledge[:2].tolist() == [0.5, 0.5] and t.status[:2].tolist() == [-1, -1]
    t.extend(np.arange(4000), np.zeros(4000, dtype=np.int64), np.zeros(4000, dtype=np.int32))
    assert t.resident is column and len(t) == 4002  # no growth below the reservation
    assert t.resident[2:len(t)].tolist() == list(range(4000))
    t.reserve(10)  # never shrinks
    assert len(t.resident) == 5000
    t.extend(np.arange(1000), np.zeros(1000, dtype=np.int64), np.zeros(1000, dtype=np.int32))
    assert len(t.resident) == 10000 and t.resident[:2].tolist() == [3, 4]  # grows past it


def test_the_model_reserves_its_expected_cases():
    m = PilotModel(RunSpec.from_config(api.compose(["+scenario=erlang_c", "sim.days=20",
                                                    "output.write=false"])))
    room = len(m.case_table.resident)
    assert room >= 1.1 * 6 * 24 * 20  # λ = 6/h: ~2,880 cases in 20 days
    m.run()
    assert 2500 < len(m.case_table) < room and len(m.case_table.resident) == room
