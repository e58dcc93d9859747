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

    The left-hand sides are time averages over the window [0, horizon) of the number of
    visits waiting (in the queue) and waiting or at the counter (in the system), integrated
    from arrival, start and departure times of *every* visit present in the window: those
    still waiting or being served at the horizon count until it. The right-hand sides are the
    arrival rate in the window times the mean time in queue and in system of those arrivals,
    in full (also the part after the horizon, which the records hold). In a stationary run
    the two agree up to edge effects of order (visits in the system at the horizon × their
    remaining time) / horizon; when work piles up (an overloaded queue) the arrivals' times
    run past the horizon and λW exceeds L. Keeping only the visits that finished within the
    window would make the two equal by construction, whatever the queue did.

    Returns:
        ``L_queue``, ``lambda_W_queue``, ``L_system``, ``lambda_W_system`` (dimensionless).
    """
    v = visits[visits["arrival_min"] < horizon_min]
    arrive = v["arrival_min"].to_numpy()
    start = arrive + v["wait_min"].to_numpy()
    leave = start + v["service_min"].to_numpy()

    def time_average(t_in: np.ndarray, t_out: np.ndarray) -> float:
        t_out = np.minimum(t_out, horizon_min)  # present until the window closes
        return float((t_out - t_in).sum() / horizon_min)

    lam = len(v) / horizon_min
    return {
        "L_queue": time_average(arrive, start),
        "lambda_W_queue": lam * float(v["wait_min"].mean()),
        "L_system": time_average(arrive, leave),
        "lambda_W_system": lam * float((v["wait_min"] + v["service_min"]).mean()),
    }
