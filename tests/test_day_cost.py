"""The bulk day's cheaper steps give what the steps they replace gave: the needs generator
seeded days ahead is each day's own, and a day's first occurrences found by sorting are a
set's."""

from __future__ import annotations

import numpy as np

from pilotsim.app import api
from pilotsim.sim.bulk import first_of_each
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
