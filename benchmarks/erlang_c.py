"""The Erlang C validation scenario as a config dict, and the same queue as a SimPy model.

One office open around the clock with ``c`` counters, Poisson arrivals, exponential service,
residents who always know the procedure (no wrong office, no missing document), never give up,
never go online and go the minute the need arises. When ``pilotsim +scenario=erlang_c`` is on
main, :func:`config` can be replaced by composing it; the dict here is the same queue.
"""

from __future__ import annotations

import math
import time

import numpy as np

COUNTERS = 5
SERVICE_MEAN_MIN = 10.0
UTILISATION = 0.8
RESIDENTS = 100_000


def arrivals_per_min(c: int = COUNTERS, mean: float = SERVICE_MEAN_MIN,
                     rho: float = UTILISATION) -> float:
    """Arrival rate that loads ``c`` counters to ``rho``."""
    return rho * c / mean


def days_for(visits: int, c: int = COUNTERS, mean: float = SERVICE_MEAN_MIN,
             rho: float = UTILISATION) -> int:
    """Days of simulated time that hold ``visits`` arrivals on average."""
    return max(1, math.ceil(visits / (arrivals_per_min(c, mean, rho) * 1440)))


def config(visits: int, seed: int = 0, c: int = COUNTERS, mean: float = SERVICE_MEAN_MIN,
           rho: float = UTILISATION) -> dict:
    """A plain run config for an M/M/c queue that sees about ``visits`` arrivals."""
    days = days_for(visits, c, mean, rho)
    per_year = arrivals_per_min(c, mean, rho) * 1440 * 365 / RESIDENTS
    always = {w: ["00:00-24:00"] for w in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
    return {
        "seed": seed,
        "arm": "erlang_c",
        "sim": {"days": days, "sample_fraction": 1.0, "start_weekday": 0},
        "city": {
            "name": "Erlang C",
            "districts": ["d"],
            "communities": {"c": {"district": "d", "population": RESIDENTS,
                                  "location": [0.0, 0.0], "profile_mix": {"resident": 1.0}}},
            "offices": {"office": {"departments": ["desk"], "location": [0.0, 0.0],
                                   "counters": c, "hours": always, "error_rate": 0.0}},
            "organisations": {},
        },
        "services": {
            "catalogue": {"visit": {"label": "One visit", "online": "none", "proxy": False,
                                    "demand_per_year": {"resident": per_year},
                                    "steps": [{"department": "desk", "service_time":
                                               {"dist": "exponential", "mean": mean}}]}},
            "documents": {},
        },
        "behaviour": {
            "profiles": {"resident": {"label": "Knows the procedure",
                                      "literacy": {"mean": 0.0}, "knowledge": {"mean": 1.0},
                                      "patience": 1.0, "info_contact": 0.0}},
            "knowledge": {"wrong_office": 0.0, "missing_document": 0.0},
            "visits": {"timing": "immediate"},
            "abandonment": {"enabled": False},
            "word_of_mouth": {"contacts": 0, "weight": 0.0},
        },
    }


def erlang_c_wait(c: int = COUNTERS, mean: float = SERVICE_MEAN_MIN,
                  rho: float = UTILISATION) -> float:
    """Mean wait in queue (minutes) of M/M/c: Erlang C probability of waiting × 1/(cμ − λ)."""
    a = rho * c
    tail = a**c / math.factorial(c) / (1 - rho)
    p_wait = tail / (sum(a**k / math.factorial(k) for k in range(c)) + tail)
    return p_wait * mean / (c * (1 - rho))


def simpy_queue(visits: int, seed: int = 0, c: int = COUNTERS, mean: float = SERVICE_MEAN_MIN,
                rho: float = UTILISATION) -> tuple[float, list[float]]:
    """The same M/M/c queue as a SimPy process model; returns (seconds, waits).

    A ``Resource`` with capacity ``c``, a Poisson source, exponential service, each visit's
    wait appended to a list. Interarrival and service times are drawn up front with NumPy (as
    lists), which gives SimPy its best case: the timed part is the event loop alone.
    """
    import simpy

    rng = np.random.default_rng(seed)
    gaps = rng.exponential(1.0 / arrivals_per_min(c, mean, rho), visits).tolist()
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
