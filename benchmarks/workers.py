"""Workloads the benchmarks time, one per process; each prints one JSON line.

    python benchmarks/workers.py queue-model VISITS [COUNTERS]
    python benchmarks/workers.py queue-simpy VISITS [COUNTERS]
    python benchmarks/workers.py queue-kernel VISITS [COUNTERS]
    python benchmarks/workers.py sweep WORKERS RUNS DAYS [FRACTION_PERCENT]
    python benchmarks/workers.py scale RESIDENTS DAYS
"""

from __future__ import annotations

import json
import logging
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import erlang_c
import make_city

logging.getLogger("MESA").setLevel(logging.WARNING)


def queue_model(visits: int, counters: int = 2) -> dict:
    from pilotsim.app import api

    cfg = erlang_c.config(visits, counters=counters)
    t, c = time.perf_counter(), time.process_time()
    r = api.run(cfg)  # validate, build, simulate, tables (cases, visits, site-days)
    secs, cpu = time.perf_counter() - t, time.process_time() - c
    return {"visits": len(r.visits), "seconds": secs, "cpu_seconds": cpu,
            "timings": r.metadata["timings"],
            "wait_mean": float(r.visits["wait_min"].mean()),
            "erlang_c": erlang_c.expected_wait(cfg), "days": r.metadata["days"]}


def queue_simpy(visits: int, counters: int = 2) -> dict:
    c, mean, lam = erlang_c.parameters(erlang_c.config(1000, counters=counters))
    cpu = time.process_time()
    secs, waits = erlang_c.simpy_queue(visits, c, mean, lam)
    cpu = time.process_time() - cpu  # includes drawing the times up front (~0.1 s a million)
    return {"visits": len(waits), "seconds": secs, "cpu_seconds": cpu,
            "wait_mean": sum(waits) / len(waits)}


def queue_kernel(visits: int, counters: int = 2) -> dict:
    """The model's queue arithmetic alone (CounterQueue.serve) on the same M/M/c arrivals."""
    import numpy as np

    from pilotsim.sim.queueing import CounterQueue

    c, mean, lam = erlang_c.parameters(erlang_c.config(1000, counters=counters))
    rng = np.random.default_rng(0)
    arrivals = np.cumsum(rng.exponential(1.0 / lam, visits)).tolist()
    services = rng.exponential(mean, visits).tolist()
    q = CounterQueue(c, [(0.0, float("inf"))], [float("inf")])
    t = time.perf_counter()
    waits, _ = q.serve(0, arrivals, services)
    return {"visits": len(waits), "seconds": time.perf_counter() - t,
            "wait_mean": sum(waits) / len(waits)}


def _one(job: tuple[int, int, float]) -> int:
    from pilotsim.app import api

    seed, days, fraction = job
    logging.getLogger("MESA").setLevel(logging.WARNING)
    r = api.run(api.compose([f"seed={seed}", f"sim.days={days}", "output.write=false",
                             f"sim.sample_fraction={fraction}"]))
    return len(r.visits)


def sweep(workers: int, runs: int, days: int, fraction_pct: int = 20) -> dict:
    """``runs`` baseline seeds of the default district like the default study's runs
    (365 days at sample_fraction 0.2), through a process pool of ``workers``."""
    jobs = [(s, days, fraction_pct / 100) for s in range(runs)]
    t = time.perf_counter()
    with ProcessPoolExecutor(max_workers=workers) as ex:
        visits = sum(ex.map(_one, jobs))
    return {"seconds": time.perf_counter() - t, "visits": visits}


def scale(residents: int, days: int) -> dict:
    from omegaconf import OmegaConf

    from pilotsim.app import api

    cfg = OmegaConf.to_container(api.compose([f"sim.days={days}"]), resolve=True)
    cfg.pop("hydra", None)
    cfg["city"] = make_city.city(residents, tiles=max(1, round(residents / 60_000)))
    t, c = time.perf_counter(), time.process_time()
    r = api.run(cfg)
    return {"seconds": time.perf_counter() - t, "cpu_seconds": time.process_time() - c,
            "visits": len(r.visits),
            "residents": int(r.model.population.size)}


def main() -> None:
    kind, *args = sys.argv[1:]
    nums = [int(x) for x in args]
    fn = {"queue-model": queue_model, "queue-simpy": queue_simpy, "queue-kernel": queue_kernel,
          "sweep": sweep,
          "scale": scale}[kind]
    print(json.dumps(fn(*nums), default=float))


if __name__ == "__main__":
    main()
