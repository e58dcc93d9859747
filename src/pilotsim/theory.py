"""Queueing theory the simulation must agree with: Erlang C and Little's law.

Erlang C is a closed formula (a few lines), so it is written out here rather than pulled from a
library; scipy and statsmodels have no M/M/c routine.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd


def erlang_c(arrival_rate: float, service_rate: float, servers: int) -> tuple[float, float]:
    """P(wait > 0) and mean wait in an M/M/c queue (rates per same time unit).

    Args:
        arrival_rate: λ.
        service_rate: μ per server.
        servers: c.

    Returns:
        ``(p_wait, mean_wait)``; mean wait in the reciprocal of the rates' time unit.

    Raises:
        ValueError: if the queue is unstable (λ ≥ cμ).
    """
    a = arrival_rate / service_rate
    if a >= servers:
        raise ValueError(f"unstable queue: offered load {a:.3g} >= servers {servers}")
    top = a**servers / math.factorial(servers) * servers / (servers - a)
    p_wait = top / (sum(a**k / math.factorial(k) for k in range(servers)) + top)
    return p_wait, p_wait / (servers * service_rate - arrival_rate)


def batch_means_se(values: np.ndarray, batches: int = 30) -> float:
    """Standard error of the mean of a correlated series by the method of batch means."""
    values = np.asarray(values, dtype=float)
    n = len(values) // batches * batches
    means = values[:n].reshape(batches, -1).mean(axis=1)
    return float(means.std(ddof=1) / math.sqrt(batches))


def littles_law(visits: pd.DataFrame, horizon_min: float) -> dict[str, float]:
    """Both sides of Little's law for the queue and the system, from a visit table.

    The time-average numbers are integrated from arrival, start and departure times; the
    right-hand sides multiply the observed arrival rate by the observed mean times. Only
    visits that left the queue within the horizon count.

    Returns:
        ``L_queue``, ``lambda_W_queue``, ``L_system``, ``lambda_W_system`` (dimensionless).
    """
    v = visits[visits["arrival_min"] + visits["wait_min"] + visits["service_min"] <= horizon_min]
    arrive = v["arrival_min"].to_numpy()
    start = arrive + v["wait_min"].to_numpy()
    leave = start + v["service_min"].to_numpy()

    def time_average(t_in: np.ndarray, t_out: np.ndarray) -> float:
        times = np.concatenate([t_in, t_out])
        steps = np.concatenate([np.ones_like(t_in), -np.ones_like(t_out)])
        order = np.argsort(times, kind="stable")
        level = np.cumsum(steps[order])
        dt = np.diff(np.append(times[order], horizon_min))
        return float((level * dt).sum() / horizon_min)

    lam = len(v) / horizon_min
    return {
        "L_queue": time_average(arrive, start),
        "lambda_W_queue": lam * float(v["wait_min"].mean()),
        "L_system": time_average(arrive, leave),
        "lambda_W_system": lam * float((v["wait_min"] + v["service_min"]).mean()),
    }
