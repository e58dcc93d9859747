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
        # the same SplitMix64 steps in place on one array (constants made once, not per call)
        z = counter
        z += _U_ONE
        z *= _U_GAMMA
        z += self._key
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
        # one is made per office and day)
        return np.random.Generator(np.random.PCG64(
            np.random.SeedSequence([self.seed, _name_key(name), *keys])))

    def counter(self, name: str) -> CounterStream:
        """The counter-based stream ``name``."""
        if name not in self._counters:
            self._counters[name] = CounterStream(self.seed, name)
        return self._counters[name]
