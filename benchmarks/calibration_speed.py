"""Speed of a calibration of the example district: time per simulation, measured, and the
calibration's time extrapolated from the simulations an ABC-SMC budget makes.

    ./dev.sh python benchmarks/calibration_speed.py [--fraction 0.25] [--runs 3]

A calibration's time is (simulations) × (seconds per simulation) / (workers): pyabc spends
>99% of its time in the simulator (its own per-generation timing log). The simulations per
generation are population / acceptance rate, after a prior sample of one population that sets
the first tolerance (pyabc's t = -1); the rates used are those of the shipped example's
measured fits (benchmarks/README.md, "Calibration").
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from omegaconf import OmegaConf

from pilotsim.analysis.calibration.fit import Simulator, select
from pilotsim.analysis.calibration.targets import read_targets
from pilotsim.app import api
from pilotsim.spec import RunSpec
from pilotsim.spec.uncertainty import Uncertainty

ROOT = Path(__file__).resolve().parents[1]
PARAMETERS = ["behaviour.knowledge.wrong_office", "behaviour.knowledge.missing_document",
              "behaviour.knowledge.learn_from_failure", "behaviour.profiles.*.patience",
              "behaviour.channels.choice_scale_min", "behaviour.satisfaction.wasted_trip_penalty"]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--fraction", type=float, default=0.25)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--targets", default=str(ROOT / "examples" / "riverside" / "kpis.csv"))
    args = ap.parse_args()
    ov = ["city=from_files", f"city.path={ROOT / 'examples' / 'riverside'}",
          "uncertainty=default_district", f"sim.sample_fraction={args.fraction}"]
    cfg = OmegaConf.to_container(api.compose(ov), resolve=True)
    cfg.pop("hydra", None)
    spec = RunSpec.from_config(cfg)
    targets = read_targets(args.targets, spec)[:12]
    sim = Simulator(cfg, select(Uncertainty.from_config(cfg["uncertainty"]), PARAMETERS),
                    targets)
    times, cpu = [], []
    for k in range(args.runs):
        t0, c0 = time.perf_counter(), time.process_time()
        sim.measures([0.2 + 0.6 * k / max(args.runs - 1, 1)] * len(PARAMETERS))
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    # CPU seconds, not wall: on a shared machine the wall time is the other users' load too
    per = statistics.median(cpu)
    print(f"wall per simulation (median): {statistics.median(times):.2f} s")
    print(f"{len(PARAMETERS)} parameters, {len(targets)} targets, 365 days, sample fraction "
          f"{args.fraction}: {per:.2f} CPU s per simulation (median of {args.runs}: "
          + ", ".join(f"{t:.2f}" for t in cpu) + ")")
    for pop, rates in ((50, (0.37, 0.15, 0.08)), (100, (0.37, 0.15, 0.08))):
        sims = pop + sum(pop / r for r in rates)  # + the prior sample: first tolerance
        print(f"  population {pop}, {len(rates)} generations (acceptance {rates}): "
              f"{sims:.0f} simulations, {sims * per / 2 / 60:.1f} min on 2 free cores")


if __name__ == "__main__":
    main()
