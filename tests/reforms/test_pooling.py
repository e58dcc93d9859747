"""Pooling: one queue of k counters waits less than the same k counters split by department.

This is the queueing gain a one-door centre's pooled counters rest on; the office queue must
show it with the same arrivals, and agree with Erlang C where its assumptions hold.
"""

import numpy as np
import pytest

from pilotsim.analysis.theory import batch_means_se, erlang_c
from pilotsim.sim.queueing import CounterQueue

OPEN = [(0.0, 1e12)]


def waits(counters, arrivals, services):
    q = CounterQueue(counters, OPEN, [1e12])
    w, served = q.serve(0, arrivals, services)
    assert all(served)
    return np.array(w)


@pytest.mark.parametrize("seed", [0, 1])
def test_one_pool_waits_less_than_the_same_counters_split(seed):
    gen = np.random.default_rng(seed)
    n, k, departments = 150_000, 6, 3
    mean_service, load = 10.0, 0.85
    rate = load * k / mean_service
    arrivals = np.cumsum(gen.exponential(1 / rate, n))
    services = gen.exponential(mean_service, n)
    dept = gen.integers(0, departments, n)
    pooled = waits(k, arrivals.tolist(), services.tolist())
    split = [waits(k // departments, arrivals[dept == d].tolist(),
                   services[dept == d].tolist()) for d in range(departments)]
    split_mean = np.concatenate(split).mean()
    assert pooled.mean() < 0.4 * split_mean
    # each agrees with Erlang C: M/M/6 and M/M/2, both 85% busy (about 6.9 and 26.0 minutes)
    _, w6 = erlang_c(rate, 1 / mean_service, k)
    _, w2 = erlang_c(rate / departments, 1 / mean_service, k // departments)
    assert abs(pooled.mean() - w6) < 4 * batch_means_se(pooled)
    for w in split:
        assert abs(w.mean() - w2) < 4 * batch_means_se(w)
