"""The replays of the random streams (a day's per-group draws, a generator's seeding) are exact."""

import zlib

import numpy as np
import pytest

from pilotsim.sim.rng import Streams, grouped_draws, pcg64_states, poisson, uniforms_by_column


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


@pytest.mark.parametrize("seed", [0, 7, 2**32 - 1, 2**32, 2**40 + 3])
def test_a_streams_generator_is_default_rngs_of_its_entropy(seed):
    # the generator is made from the entropy's 32-bit words as an array where every int fits
    # one word; it must be the generator of the entropy as a list of ints
    streams = Streams(seed)
    for keys in [(), (0,), (3, 250), (2**32 - 1, 5)]:
        want = np.random.default_rng(
            np.random.SeedSequence([seed, zlib.crc32(b"background"), *keys]))
        got = streams.generator("background", *keys)
        np.testing.assert_array_equal(want.random(8), got.random(8))


@pytest.mark.parametrize("words", [1, 2, 3, 4, 5, 7])
def test_pcg64_states_are_numpy_s_seeding(words):
    # fewer words than SeedSequence's pool, as many, and more (the extra mixing loop)
    entropy = np.random.default_rng(words).integers(0, 2**32, (200, words), dtype=np.uint64)
    got = pcg64_states(entropy.astype(np.uint32))
    for row, (state, inc) in zip(entropy.tolist(), got, strict=True):
        want = np.random.PCG64(np.random.SeedSequence(row)).state["state"]
        assert (state, inc) == (want["state"], want["inc"])


@pytest.mark.parametrize("seed", [0, 2**32 - 1, 2**40 + 3])
def test_generator_at_a_state_draws_what_a_fresh_generator_does(seed):
    streams = Streams(seed)
    keys = [(office, day) for office in (0, 1, 152, 2**32 - 1) for day in (0, 6, 364)]
    states = streams.generator_states("background", keys)
    for key, state in zip(keys, states, strict=True):
        fresh = streams.generator("background", *key)
        want = fresh.poisson(30.0), fresh.random((4, 2)).tolist(), fresh.bit_generator.state
        reused = streams.generator_at(state)
        assert (reused.poisson(30.0), reused.random((4, 2)).tolist(),
                reused.bit_generator.state) == want


def test_uniforms_by_column_equal_each_streams_own():
    streams = Streams(7)
    cols = [streams.counter("choices")] * 3 + [streams.counter("service_times")]
    rs = np.random.default_rng(0)
    ids = rs.integers(0, 2**40, 500)
    slots = rs.integers(0, 1024, (500, 4))
    got = uniforms_by_column(cols, ids, slots)
    for j, stream in enumerate(cols):
        assert np.array_equal(got[:, j], stream.uniforms(ids, slots[:, j]))
        assert got[3, j] == stream.uniform(int(ids[3]), int(slots[3, j]))


@pytest.mark.parametrize("seed", [0, 7, 2**40 + 3])
def test_counter_uniforms_equal_the_scalar_splitmix_element_by_element(seed):
    """The array steps (key + γ folded into one offset, 0-d constants) are ``uniform``'s."""
    stream = Streams(seed).counter("choices")
    rs = np.random.default_rng(seed)
    # small and large ids, and ids whose counter wraps past 2**64 (id × 1024 ≥ 2**64)
    ids = np.concatenate([rs.integers(0, 2**20, 40), rs.integers(2**54, 2**63 - 1, 40)])
    slot = int(rs.integers(0, 1024))
    one = stream.uniforms(ids, slot)
    grid = stream.uniforms(ids[:, None], np.arange(12))
    assert one.shape == (80,) and grid.shape == (80, 12) and one.dtype == np.float64
    for i, e in enumerate(ids.tolist()):
        assert one[i] == stream.uniform(e, slot)
        assert grid[i].tolist() == [stream.uniform(e, s) for s in range(12)]
    assert stream.uniforms(ids[:0], slot).shape == (0,)


@pytest.mark.parametrize("shape", [(1, 1, 1), (2, 1, 3), (8,), (3, 3)])
def test_poisson_equals_the_array_call(shape):
    rs = np.random.default_rng(1)
    for trial in range(50):
        # zero, small (inversion) and large (≥ 10: rejection) rates
        lam = rs.choice([0.0, 0.3, 2.5, 9.99, 10.0, 144.0, 3000.0], shape)
        a, b = Streams(trial).generator("needs", 5), Streams(trial).generator("needs", 5)
        got, want = poisson(a, lam), b.poisson(lam)
        assert got.dtype == want.dtype and got.shape == want.shape
        assert np.array_equal(got, want)
        assert a.bit_generator.state == b.bit_generator.state
