"""The replay of a day's per-group draws gives the generator's own numbers."""

import numpy as np
import pytest

from pilotsim.sim.rng import Streams, grouped_draws


def _one_group_at_a_time(gen: np.random.Generator, highs, counts):
    ints, uniforms = [], []
    for h, k in zip(highs, counts, strict=True):
        ints.append(gen.integers(0, h, k))
        uniforms.append(gen.random(k))
    return np.concatenate(ints), np.concatenate(uniforms)


@pytest.mark.parametrize("trial", range(300))
def test_grouped_draws_equal_the_calls_group_by_group(trial):
    rs = np.random.default_rng(trial)
    groups = int(rs.integers(1, 120))
    # sizes of one (no draw), small and large groups, and one whose Lemire bound rejects
    # often (2**31 + 5: the replay must give up and rewind the generator)
    highs = rs.choice([1, 1, 2, 3, 7, 500, 2704, 100_000, 3_000_000, 2**31 + 5], groups)
    counts = rs.integers(1, 6, groups)
    streams = Streams(trial)
    a, b = streams.generator("needs", 3), streams.generator("needs", 3)
    a.poisson(np.full(10, 3.0))  # as the day's needs: the counts first
    b.poisson(np.full(10, 3.0))
    want = _one_group_at_a_time(a, highs.tolist(), counts.tolist())
    got = grouped_draws(b, highs, counts)
    for w, g in zip(want, got, strict=True):
        assert w.dtype == g.dtype
        np.testing.assert_array_equal(w, g)
