"""Named random streams derived from one run seed.

Two kinds of stream, both keyed by (run seed, stream name):

* :meth:`Streams.generator` — a NumPy ``Generator`` for draws whose *number* does not depend on
  what residents or reforms do (the population, the needs), so they are identical across
  scenarios that share a seed.
* :class:`CounterStream` — a counter-based stream (SplitMix64 over a key and a counter, the idea
  of Random123/Philox): the uniform for (entity, slot) is a pure function of the key, so a
  resident's choices and a visit's service time stay paired across scenarios however the
  scenarios diverge. A reform that changes one case cannot shift the draws of any other.
"""

from __future__ import annotations

import zlib

import numpy as np

_MASK = (1 << 64) - 1
_GAMMA = 0x9E3779B97F4A7C15
_M1, _M2 = 0xBF58476D1CE4E5B9, 0x94D049BB133111EB
SLOTS = 1024  # slots per entity in a counter stream
_U_SLOTS, _U_ONE, _U_GAMMA, _U_M1, _U_M2 = (np.uint64(x) for x in (SLOTS, 1, _GAMMA, _M1, _M2))
_U_30, _U_27, _U_31, _U_11 = (np.uint64(x) for x in (30, 27, 31, 11))
_U_32, _U_LOW32 = np.uint64(32), np.uint64(0xFFFFFFFF)
# Up to this many rates a Poisson draw is cheaper one Python call a rate (~0.5 µs each) than
# NumPy's broadcasting path (~8 µs a call, most of it argument checks)
_SCALAR_POISSON = 8
# Below this many groups the per-group calls are cheaper than replaying them (~9 µs a group
# against ~40 µs for the replay's NumPy calls)
_REPLAY_GROUPS = 6


def _name_key(name: str) -> int:
    return zlib.crc32(name.encode())


class CounterStream:
    """Uniforms on [0, 1) addressed by (entity, slot), reproducible and order-free.

    Args:
        seed: The run seed.
        name: The stream's name (``choices``, ``service_times``, ...).
    """

    __slots__ = ("_key", "key", "name")

    def __init__(self, seed: int, name: str) -> None:
        self.name = name
        ss = np.random.SeedSequence([seed, _name_key(name)])
        self.key = int(ss.generate_state(1, dtype=np.uint64)[0])
        self._key = np.uint64(self.key)

    def uniform(self, entity: int, slot: int) -> float:
        """The uniform for ``slot`` (0 ≤ slot < 1024) of ``entity`` (a case id, an office id)."""
        z = (self.key + (entity * SLOTS + slot + 1) * _GAMMA) & _MASK
        z = ((z ^ (z >> 30)) * _M1) & _MASK
        z = ((z ^ (z >> 27)) * _M2) & _MASK
        return ((z ^ (z >> 31)) >> 11) * 1.1102230246251565e-16  # / 2**53

    def uniforms(self, entities: np.ndarray, slots: np.ndarray | int) -> np.ndarray:
        """Vectorised :meth:`uniform` (same numbers) for arrays of entities and slots."""
        counter = np.asarray(entities, np.uint64) * _U_SLOTS + np.asarray(slots, np.uint64)
        if counter.ndim == 0:  # NumPy scalars warn on the wrap-around that arrays do silently
            return np.asarray(self.uniform(int(entities), int(slots)))
        return _splitmix_uniforms(counter, self._key)


def uniforms_by_column(streams: list[CounterStream], entities: np.ndarray,
                       slots: np.ndarray) -> np.ndarray:
    """Column ``j``: ``streams[j].uniforms(entities, slots[:, j])``, the same numbers.

    One pass over several streams' draws for the same entities (a day's visits draw from
    ``choices`` and ``service_times`` at once): each call's NumPy steps cost more than its
    work on a day of a few hundred rows.

    Args:
        streams: One stream per column of ``slots``.
        entities: Shape ``(n,)``.
        slots: Shape ``(n, len(streams))``.
    """
    keys = np.array([s.key for s in streams], dtype=np.uint64)
    counter = np.asarray(entities, np.uint64)[:, None] * _U_SLOTS + np.asarray(slots, np.uint64)
    return _splitmix_uniforms(counter, keys)


def _splitmix_uniforms(counter: np.ndarray, key: np.ndarray | np.uint64) -> np.ndarray:
    """:meth:`CounterStream.uniform`'s SplitMix64 steps on an array of counters.

    ``counter`` is changed in place; ``key`` is broadcast against it. The constants are made
    once, not per call.
    """
    z = counter
    z += _U_ONE
    z *= _U_GAMMA
    z += key
    z ^= z >> _U_30
    z *= _U_M1
    z ^= z >> _U_27
    z *= _U_M2
    z ^= z >> _U_31
    z >>= _U_11
    out = z.astype(np.float64)
    out *= 1.1102230246251565e-16
    return out


class Streams:
    """The run's named streams. There is no other source of randomness in a run.

    Args:
        seed: The run seed.
    """

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self._counters: dict[str, CounterStream] = {}

    def generator(self, name: str, *keys: int) -> np.random.Generator:
        """A fresh NumPy Generator for stream ``name`` (optionally sub-keyed, e.g. by day)."""
        # default_rng's own steps without its argument checks (the same generator, ~25 % cheaper;
        # one is made per office and day). SeedSequence turns each int of its entropy into
        # 32-bit words, one word for an int below 2**32; given those words as a uint32 array it
        # skips that conversion (~9 µs), and the pool, so the generator, is the same.
        entropy = [self.seed, _name_key(name), *keys]
        if all(0 <= k <= 0xFFFFFFFF for k in entropy):
            entropy = np.array(entropy, dtype=np.uint32)
        return np.random.Generator(np.random.PCG64(np.random.SeedSequence(entropy)))

    def counter(self, name: str) -> CounterStream:
        """The counter-based stream ``name``."""
        if name not in self._counters:
            self._counters[name] = CounterStream(self.seed, name)
        return self._counters[name]


def poisson(gen: np.random.Generator, lam: np.ndarray) -> np.ndarray:
    """``gen.poisson(lam)`` for an array ``lam``: the same counts, the generator left alike.

    NumPy draws an array's counts element by element in C order with the same sampler as a
    scalar call, so for a few rates (a small scenario's day of needs) the scalar calls give
    the same numbers without the array path's fixed cost.
    """
    if lam.size > _SCALAR_POISSON:
        return gen.poisson(lam)
    draw = gen.poisson
    return np.array([draw(x) for x in lam.ravel().tolist()], dtype=np.int64).reshape(lam.shape)


def grouped_draws(gen: np.random.Generator, highs: np.ndarray,
                  counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``gen.integers(0, h, k)`` then ``gen.random(k)`` for each group ``(h, k)`` in order.

    Returns both kinds of draws concatenated over the groups: the same numbers as the calls
    one group at a time, which cost ~9 µs a group in NumPy's argument handling (a day's needs
    are tens to thousands of groups). Many groups are replayed from the generator's raw
    64-bit outputs (:func:`_replay`); a day whose replay would need a rejection, or a
    generator not in the state the replay assumes, makes the calls.

    Args:
        gen: A generator of the run's streams (PCG64).
        highs: Per group, the exclusive upper bound of its integers (≥ 1).
        counts: Per group, how many integers and how many uniforms.
    """
    if len(counts) >= _REPLAY_GROUPS and type(gen.bit_generator) is np.random.PCG64:
        state = gen.bit_generator.state
        if not state["has_uint32"]:
            got = _replay(gen, np.asarray(highs, np.int64), np.asarray(counts, np.int64))
            if got is not None:
                return got
            gen.bit_generator.state = state  # rewind: the calls draw from where it was
    ints, uniforms = [], []
    for h, k in zip(np.asarray(highs).tolist(), np.asarray(counts).tolist(), strict=True):
        ints.append(gen.integers(0, h, k))
        uniforms.append(gen.random(k))
    if len(ints) == 1:  # one group (a one-community scenario's day): nothing to join
        return ints[0], uniforms[0]
    return np.concatenate(ints), np.concatenate(uniforms)


def _replay(gen: np.random.Generator, highs: np.ndarray,
            counts: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """:func:`grouped_draws` from raw outputs, or None where a call would have rejected.

    What the calls do (NumPy's ``Generator``, unchanged since 1.17): ``integers(0, h, k)``
    takes each value by Lemire's method from a 32-bit output, ``(u32 × h) >> 32``, redrawing
    when the low 32 bits of the product fall below ``2**32 mod h`` (then it returns None);
    ``h = 1`` draws nothing. PCG64 serves 32-bit outputs as the low then the high half of one
    64-bit output, keeping the high half for the next 32-bit request even across other calls.
    ``random(k)`` takes ``k`` whole 64-bit outputs, ``(x >> 11) / 2**53``. So the 32-bit
    values are the halves of the outputs fetched for them, and each output's place in the
    raw sequence follows from how many outputs each kind had taken before it.
    """
    n32 = np.where(highs > 1, counts, 0)  # 32-bit values each group's integers take
    half0 = np.cumsum(n32) - n32  # each group's first 32-bit value (its index)
    before = np.cumsum(counts) - counts  # uniforms' outputs of the groups before each
    total32, total = int(n32.sum()), int(counts.sum())
    raw = gen.bit_generator.random_raw((total32 + 1) // 2 + total)
    # the j-th output fetched for 32-bit values is fetched by the group whose value 2j it is,
    # after that group's predecessors' uniforms
    group = np.repeat(np.arange(len(counts)), n32)
    h = np.arange(total32)
    j = h >> 1
    word = raw[j + before[group[j << 1]]]
    u32 = np.where(h & 1, word >> _U_32, word & _U_LOW32)
    high = np.repeat(highs, n32).astype(np.uint64)
    product = u32 * high  # < 2**64: both factors are below 2**32
    if ((product & _U_LOW32) < (np.uint64(1 << 32) - high) % high).any():
        return None
    ints = np.zeros(total, np.int64)
    ints[np.repeat(highs > 1, counts)] = (product >> _U_32).astype(np.int64)
    # group g's uniforms follow its integers: the 32-bit outputs fetched by then, ceil(·/2)
    fetched = (half0 + n32 + 1) // 2
    group = np.repeat(np.arange(len(counts)), counts)
    at = fetched[group] + np.arange(total)  # (before[group] + position within the group)
    uniforms = (raw[at] >> _U_11).astype(np.float64)
    uniforms *= 1.1102230246251565e-16  # / 2**53
    return ints, uniforms
