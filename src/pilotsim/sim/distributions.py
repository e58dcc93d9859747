"""Service-time distributions sampled by inverse CDF from a given uniform.

Sampling from a supplied uniform (rather than from a generator) lets a visit's service time come
from the case's own counter stream, so the same visit takes the same time in every scenario.
"""

from __future__ import annotations

import math
from statistics import NormalDist

import numpy as np

from pilotsim.spec import Distribution

_STD_NORMAL = NormalDist()


class ServiceTime:
    """A frozen :class:`~pilotsim.spec.Distribution` ready to sample.

    Args:
        spec: The distribution's spec.
        scale: Multiplier on the mean (reforms that speed up or slow down a step).
    """

    __slots__ = ("cv", "kind", "mean", "mu", "sigma")

    def __init__(self, spec: Distribution, scale: float = 1.0) -> None:
        self.kind = spec.dist
        self.mean = spec.mean * scale
        self.cv = spec.cv
        if self.kind == "lognormal":
            self.sigma = math.sqrt(math.log1p(spec.cv**2))
            self.mu = math.log(self.mean) - self.sigma**2 / 2
        else:
            self.sigma = self.mu = 0.0

    def sample(self, u: float) -> float:
        """The quantile at ``u`` in (0, 1), in minutes."""
        if self.kind == "exponential":
            return -self.mean * math.log1p(-u)
        if self.kind == "lognormal":
            return math.exp(self.mu + self.sigma * _STD_NORMAL.inv_cdf(min(max(u, 1e-12),
                                                                          1 - 1e-12)))
        return self.mean

    def sample_many(self, us: list[float]) -> list[float]:
        """:meth:`sample` of each uniform in ``us`` (the same numbers, one call)."""
        if self.kind == "exponential":
            m, log1p = -self.mean, math.log1p
            return [m * log1p(-u) for u in us]
        if self.kind == "lognormal":
            mu, sigma, inv, exp = self.mu, self.sigma, _STD_NORMAL.inv_cdf, math.exp
            return [exp(mu + sigma * inv(min(max(u, 1e-12), 1 - 1e-12))) for u in us]
        return [self.mean] * len(us)

    def sample_array(self, us: np.ndarray) -> np.ndarray:
        """:meth:`sample` of an array of uniforms, vectorised.

        NumPy's ``log1p``/``exp`` (and SciPy's normal quantile) may differ from ``math``'s in
        the last bit, so this serves the unrecorded background visits (whose exact values are
        no result); recorded visits use :meth:`sample`.
        """
        if self.kind == "exponential":
            return -self.mean * np.log1p(-us)
        if self.kind == "lognormal":
            from scipy.special import ndtri  # only sampled runs with lognormal steps need it

            return np.exp(self.mu + self.sigma * ndtri(np.clip(us, 1e-12, 1 - 1e-12)))
        return np.full(len(us), self.mean)

    @property
    def variance(self) -> float:
        """Variance in minutes²."""
        if self.kind == "exponential":
            return self.mean**2
        if self.kind == "lognormal":
            return (self.cv * self.mean) ** 2
        return 0.0


def sum_of(parts: list[ServiceTime]) -> ServiceTime:
    """The service time of several steps done in one sitting, as one distribution.

    Same mean and variance as the sum of independent ``parts`` (moment matching, the
    Fenton–Wilkinson approximation for sums of lognormals): a lognormal unless every part is
    fixed. One distribution lets the visit keep its single service-time draw, so a reform run
    stays paired with its baseline draw for draw.
    """
    mean = sum(p.mean for p in parts)
    var = sum(p.variance for p in parts)
    if var <= 0:
        return ServiceTime(Distribution("fixed", mean))
    return ServiceTime(Distribution("lognormal", mean, math.sqrt(var) / mean))
