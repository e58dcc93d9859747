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
# The array steps' constants as 0-d arrays, not NumPy scalars: a ufunc converts a scalar
# operand to an array on every call (~6,800 instructions an in-place step on a few
# counters against ~4,700 with a 0-d array), and a day's draws are ~14 such steps a call
_U_SLOTS, _U_GAMMA, _U_M1, _U_M2 = (np.array(x, dtype=np.uint64)
                                    for x in (SLOTS, _GAMMA, _M1, _M2))
_U_30, _U_27, _U_31, _U_11 = (np.array(x, dtype=np.uint64) for x in (30, 27, 31, 11))
_U_32, _U_LOW32 = np.array(32, dtype=np.uint64), np.array(0xFFFFFFFF, dtype=np.uint64)
_TO_UNIT = np.array(1.1102230246251565e-16)  # 2**-53: 53 random bits to [0, 1)
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

    __slots__ = ("_offset", "key", "name")

    def __init__(self, seed: int, name: str) -> None:
        self.name = name
        ss = np.random.SeedSequence([seed, _name_key(name)])
        self.key = int(ss.generate_state(1, dtype=np.uint64)[0])
        self._offset = np.array(_offset(self.key), dtype=np.uint64)  # (0-d: see _U_SLOTS)

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
        return _splitmix_uniforms(counter, self._offset)


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
    offsets = np.array([s._offset for s in streams], dtype=np.uint64)  # each stream's own
    counter = np.asarray(entities, np.uint64)[:, None] * _U_SLOTS + np.asarray(slots, np.uint64)
    return _splitmix_uniforms(counter, offsets)


def _offset(key: int) -> int:
    """``key + γ`` modulo 2**64, what the array steps add after multiplying by ``γ``.

    :meth:`CounterStream.uniform`'s first step ``(counter + 1) × γ + key`` is
    ``counter × γ + (key + γ)`` modulo 2**64: one array step fewer a call.
    """
    return (key + _GAMMA) & _MASK


def _splitmix_uniforms(counter: np.ndarray, offset: np.ndarray) -> np.ndarray:
    """:meth:`CounterStream.uniform`'s SplitMix64 steps on an array of counters.

    ``counter`` is changed in place; ``offset`` (:func:`_offset` of the key, 0-d or one per
    column) is broadcast against it. The constants are made once, not per call.
    """
    z = counter
    z *= _U_GAMMA
    z += offset
    z ^= z >> _U_30
    z *= _U_M1
    z ^= z >> _U_27
    z *= _U_M2
    z ^= z >> _U_31
    z >>= _U_11
    out = z.astype(np.float64)
    out *= _TO_UNIT
    return out


def _one_word_each(entropy: list[int]) -> bool:
    """Whether every int of ``entropy`` is one 32-bit word of ``SeedSequence``'s pool."""
    return all(0 <= k <= 0xFFFFFFFF for k in entropy)


class Streams:
    """The run's named streams. There is no other source of randomness in a run.

    Args:
        seed: The run seed.
    """

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self._counters: dict[str, CounterStream] = {}
        self._reusable: np.random.Generator | None = None  # see generator_at

    def generator(self, name: str, *keys: int) -> np.random.Generator:
        """A fresh NumPy Generator for stream ``name`` (optionally sub-keyed, e.g. by day)."""
        # default_rng's own steps without its argument checks (the same generator, ~25 % cheaper;
        # one is made per office and day). SeedSequence turns each int of its entropy into
        # 32-bit words, one word for an int below 2**32; given those words as a uint32 array it
        # skips that conversion (~9 µs), and the pool, so the generator, is the same.
        entropy = self._entropy(name, keys)
        if _one_word_each(entropy):
            entropy = np.array(entropy, dtype=np.uint32)
        return np.random.Generator(np.random.PCG64(np.random.SeedSequence(entropy)))

    def _entropy(self, name: str, keys: tuple[int, ...]) -> list[int]:
        """What seeds ``generator(name, *keys)``: the run seed, the name's key, the keys."""
        return [self.seed, _name_key(name), *keys]

    def generator_states(self, name: str, keys: list[tuple[int, ...]]) -> list[dict]:
        """For each key tuple ``k``, the state ``generator(name, *k)`` starts in.

        Made all at once (:func:`pcg64_states`): a day's offices each draw their business
        outside the catalogue from their own generator, and making one costs ~88,000
        instructions (``SeedSequence``'s and ``PCG64``'s Python-level steps) against ~15,000
        for setting a state (:meth:`generator_at`). Keys with words of 2**32 or more (a seed
        that large) take NumPy's own path.
        """
        entropy = [self._entropy(name, k) for k in keys]
        if not entropy:
            return []
        if not all(map(_one_word_each, entropy)):
            return [np.random.PCG64(np.random.SeedSequence(row)).state for row in entropy]
        return [{"bit_generator": "PCG64", "state": {"state": st, "inc": inc},
                 "has_uint32": 0, "uinteger": 0}
                for st, inc in pcg64_states(np.array(entropy, dtype=np.uint32))]

    def generator_at(self, state: dict) -> np.random.Generator:
        """The streams' one reusable generator, set to ``state`` (from :meth:`generator_states`).

        It draws what a fresh ``generator(name, *k)`` would; it is the same object on every
        call, so a caller's draws from it end when the next call sets another state.
        """
        if self._reusable is None:
            self._reusable = np.random.Generator(np.random.PCG64(0))
        self._reusable.bit_generator.state = state
        return self._reusable

    def counter(self, name: str) -> CounterStream:
        """The counter-based stream ``name``."""
        if name not in self._counters:
            self._counters[name] = CounterStream(self.seed, name)
        return self._counters[name]


# SeedSequence's hash constants (NumPy's bit_generator.pyx, after M. E. O'Neill's seed_seq
# alternative) and PCG64's 128-bit LCG multiplier (its pcg64.h)
_INIT_A, _MULT_A, _INIT_B, _MULT_B = 0x43B0D7E5, 0x931E8875, 0x8B51F9DD, 0x58F38DED
_MIX_L, _MIX_R, _XSHIFT, _M32 = 0xCA01F9DD, 0x4973F715, 16, 0xFFFFFFFF
_PCG_MULT, _M128 = 0x2360ED051FC65DA44385DF649FCCF645, (1 << 128) - 1
_POOL = 4  # SeedSequence's default pool size, words


def pcg64_states(entropy: np.ndarray) -> list[tuple[int, int]]:
    """``PCG64(SeedSequence(row))``'s ``(state, inc)`` for each row of 32-bit ``entropy``.

    NumPy's steps, on all rows at once: ``SeedSequence`` hashes the words into a pool of
    four (each word through ``hashmix``, whose multiplier advances with every use whatever
    the data, so it is the same sequence for every row; then every pool word mixed with every
    other's hash; then any words past the fourth), ``generate_state(4, uint64)`` hashes the
    pool, cycled, into eight 32-bit words read as four little-endian 64-bit ones, and
    ``PCG64`` seeds its LCG with the first two as the 128-bit start and the last two as the
    stream (``pcg_setseq_128_srandom_r``). The words are unsigned 32-bit, so NumPy's
    wrap-around on arrays is the C arithmetic. ``tests/test_grouped_draws.py`` compares it
    with NumPy's own for random entropy.

    Args:
        entropy: Shape ``(rows, words)``, ``uint32``, ``words ≥ 1``.
    """
    hc = _INIT_A

    def hashmix(value: np.ndarray) -> np.ndarray:
        nonlocal hc
        value = value ^ np.uint32(hc)
        hc = (hc * _MULT_A) & _M32
        value *= np.uint32(hc)
        value ^= value >> np.uint32(_XSHIFT)
        return value

    def mix(x: np.ndarray, y: np.ndarray) -> np.ndarray:
        out = np.uint32(_MIX_L) * x - np.uint32(_MIX_R) * y
        out ^= out >> np.uint32(_XSHIFT)
        return out

    rows, width = entropy.shape
    zero = np.zeros(rows, dtype=np.uint32)
    pool = [hashmix(entropy[:, i] if i < width else zero) for i in range(_POOL)]
    for src in range(_POOL):
        for dst in range(_POOL):
            if src != dst:
                pool[dst] = mix(pool[dst], hashmix(pool[src]))
    for src in range(_POOL, width):
        for dst in range(_POOL):
            pool[dst] = mix(pool[dst], hashmix(entropy[:, src]))
    hb, words = _INIT_B, []
    for i in range(2 * _POOL):  # generate_state(4, uint64): eight 32-bit words
        value = pool[i % _POOL] ^ np.uint32(hb)
        hb = (hb * _MULT_B) & _M32
        value *= np.uint32(hb)
        value ^= value >> np.uint32(_XSHIFT)
        words.append(value.astype(np.uint64))
    w64 = [(words[2 * k] | (words[2 * k + 1] << np.uint64(32))).tolist() for k in range(4)]
    out = []
    for s0, s1, i0, i1 in zip(*w64, strict=True):
        inc = ((((i0 << 64) | i1) << 1) | 1) & _M128
        state = ((inc + ((s0 << 64) | s1)) * _PCG_MULT + inc) & _M128
        out.append((state, inc))
    return out


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
    uniforms *= _TO_UNIT  # / 2**53
    return ints, uniforms
