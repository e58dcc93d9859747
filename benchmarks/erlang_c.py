"""The Erlang C validation scenario (``pilotsim +scenario=erlang_c``) and its SimPy twin.

The scenario as shipped: one office open around the clock with c = 2 counters, Poisson
arrivals at 6 an hour, exponential service of mean 15 min (ρ = 0.75), residents who always know
the procedure, go the moment a need arises and never give up. The benchmark lengthens
``sim.days`` so that about the wanted number of visits arrive, and for c ≠ 2 (issue #13 asks
for c = 2 and c = 10) sets the counters and scales the arrival rate with them, keeping
ρ = 0.75 (c = 10: 30 an hour).
"""

from __future__ import annotations

import math
import time

import numpy as np

from pilotsim.analysis.theory import erlang_c
from pilotsim.app import api


def parameters(cfg) -> tuple[int, float, float]:
    """(counters c, mean service minutes, arrivals per minute λ) of a composed scenario."""
    c = int(cfg.city.offices.office.counters)
    mean = float(cfg.services.catalogue.visit.steps[0].service_time.mean)
    residents = sum(x.population for x in cfg.city.communities.values())
    lam = float(cfg.services.catalogue.visit.demand_per_year.resident) * residents / 365 / 1440
    return c, mean, lam


def overrides(counters: int = 2) -> list[str]:
    """The scenario's overrides: as shipped (c = 2), or ``counters`` counters at the same ρ."""
    out = ["+scenario=erlang_c"]
    if counters != 2:  # λ = 6 an hour per 2 counters: ρ = λ / (c μ) stays 0.75
        out += [f"city.offices.office.counters={counters}",
                f"services.catalogue.visit.demand_per_year.resident={6.0 * counters / 2}"]
    return out


def config(visits: int, seed: int = 0, counters: int = 2):
    """The scenario with ``counters`` counters, long enough for about ``visits`` arrivals,
    nothing written."""
    base = [*overrides(counters), f"seed={seed}", "output.write=false"]
    _, _, lam = parameters(api.compose(base))
    days = max(1, math.ceil(visits / (lam * 1440)))
    return api.compose([*base, f"sim.days={days}"])


def expected_wait(cfg) -> float:
    """Erlang C mean wait in queue (minutes) for the scenario's parameters."""
    c, mean, lam = parameters(cfg)
    return erlang_c(lam, 1.0 / mean, c)[1]


def simpy_queue(visits: int, c: int, mean: float, lam: float,
                seed: int = 0) -> tuple[float, list[float]]:
    """The same M/M/c queue as a SimPy process model; returns (seconds, waits).

    A ``Resource`` with capacity ``c``, a Poisson source, exponential service, each visit's
    wait appended to a list. Interarrival and service times are drawn up front with NumPy (as
    lists), which gives SimPy its best case: the timed part is the event loop alone.
    """
    import simpy

    rng = np.random.default_rng(seed)
    gaps = rng.exponential(1.0 / lam, visits).tolist()
    services = rng.exponential(mean, visits).tolist()
    waits: list[float] = []

    def customer(env, counters, service):
        arrived = env.now
        with counters.request() as req:
            yield req
            waits.append(env.now - arrived)
            yield env.timeout(service)

    def source(env, counters):
        for gap, service in zip(gaps, services, strict=True):
            yield env.timeout(gap)
            env.process(customer(env, counters, service))

    t0 = time.perf_counter()
    env = simpy.Environment()
    counters = simpy.Resource(env, capacity=c)
    env.process(source(env, counters))
    env.run()
    return time.perf_counter() - t0, waits
