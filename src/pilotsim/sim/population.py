"""The resident population as columns (one array per attribute, one row per resident).

Residents are rows first and :class:`~pilotsim.sim.agents.Resident` agents only once life gives
them something to do, so a city of a million costs arrays, not a million Python objects.
Rows are ordered by (community, profile): each group is a contiguous range, which makes
drawing needs O(needs) rather than O(residents).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pilotsim.sim.cases import CHANNELS
from pilotsim.spec import Beta, RunSpec


def _largest_remainder(total: float, shares: list[float]) -> list[int]:
    raw = [total * s for s in shares]
    counts = [int(r) for r in raw]
    short = round(total) - sum(counts)
    for i in sorted(range(len(raw)), key=lambda i: raw[i] - counts[i], reverse=True)[:short]:
        counts[i] += 1
    return counts


def _beta(gen: np.random.Generator, b: Beta, n: int) -> np.ndarray:
    if b.mean <= 0.0 or b.mean >= 1.0:  # a degenerate profile (e.g. perfect knowledge)
        return np.full(n, b.mean)
    return gen.beta(b.mean * b.concentration, (1 - b.mean) * b.concentration, n)


def group_sizes(spec: RunSpec, fraction: float) -> np.ndarray:
    """Residents per (community, profile) in a sample of ``fraction`` of the city.

    Each community holds round(population × fraction) residents split across profiles by
    largest remainder, so small samples keep the profile mix.
    """
    profiles = list(spec.behaviour.profiles)
    comms = list(spec.city.communities.values())
    sizes = np.zeros((len(comms), len(profiles)), dtype=np.int64)
    for ci, c in enumerate(comms):
        shares = [c.profile_mix.get(p, 0.0) for p in profiles]
        sizes[ci] = _largest_remainder(c.population * fraction, shares)
    return sizes


@dataclass
class Population:
    """Resident attributes as arrays; ``community`` and ``profile`` index the spec's names.

    Attributes:
        community: Community index per resident.
        profile: Profile index per resident.
        literacy: Digital literacy, 0–1.
        knowledge: General procedural knowledge, 0–1 (grows with experience and neighbours).
        patience: Wasted trips tolerated (scale of the give-up hazard).
        mobility: Travel-time multiplier.
        expectation: Expected wait per visit, minutes (moves with experience and neighbours).
        trust: Trust in public services, 0–1.
        channel_memory: The satisfaction (0–100) of a resident's last closed case of each
            channel, one column per :data:`~pilotsim.sim.cases.CHANNELS`; NaN: none yet.
            Columns, not a dict per agent, so a bulk day writes its closings at once.
        group_start: (community, profile) → first row of the group.
        group_size: (community, profile) → rows in the group.
        community_start: First row of each community (length communities + 1).
    """

    community: np.ndarray
    profile: np.ndarray
    literacy: np.ndarray
    knowledge: np.ndarray
    patience: np.ndarray
    mobility: np.ndarray
    expectation: np.ndarray
    trust: np.ndarray
    channel_memory: np.ndarray
    group_start: np.ndarray
    group_size: np.ndarray
    community_start: np.ndarray

    @property
    def size(self) -> int:
        """Number of simulated residents."""
        return len(self.community)

    @classmethod
    def build(cls, spec: RunSpec, gen: np.random.Generator) -> Population:
        """Draw the population from the ``population`` stream.

        The sample is :func:`group_sizes` at ``sim.sample_fraction``.
        """
        profiles = list(spec.behaviour.profiles)
        nc, npf = len(spec.city.communities), len(profiles)
        sizes = group_sizes(spec, spec.sim.sample_fraction)
        flat = sizes.ravel()
        starts = np.concatenate([[0], np.cumsum(flat)[:-1]])
        n = int(flat.sum())
        community = np.repeat(np.arange(nc, dtype=np.int32), sizes.sum(axis=1))
        profile = np.repeat(np.tile(np.arange(npf, dtype=np.int16), nc), flat)
        cols = {k: np.empty(n) for k in ("literacy", "knowledge", "patience", "mobility",
                                          "expectation")}
        for gi, (start, size) in enumerate(zip(starts, flat, strict=False)):
            if size == 0:
                continue
            p = spec.behaviour.profiles[profiles[gi % npf]]
            sl = slice(start, start + size)
            cols["literacy"][sl] = _beta(gen, p.literacy, size)
            cols["knowledge"][sl] = _beta(gen, p.knowledge, size)
            cols["patience"][sl] = p.patience * gen.gamma(4.0, 0.25, size)
            cols["mobility"][sl] = p.mobility * gen.lognormal(0.0, 0.2, size)
            cols["expectation"][sl] = p.expected_wait_min * gen.lognormal(-0.045, 0.3, size)
        community_start = np.concatenate([[0], np.cumsum(sizes.sum(axis=1))])
        return cls(community=community, profile=profile, trust=np.full(n, 0.6),
                   channel_memory=np.full((n, len(CHANNELS)), np.nan),
                   group_start=starts.reshape(nc, npf), group_size=sizes,
                   community_start=community_start, **cols)
