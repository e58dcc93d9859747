"""Recovery study of the calibration: does the posterior cover parameters that are known?

For each replicate: draw "true" parameter values from the priors, run the tiny world at them
with a seed of its own, take that run's figures as the observed targets, calibrate, and check
whether each parameter's posterior 90% interval covers its true value and how much narrower
than the prior's it is. Coverage over replicates should be near 90% (ABC at a tolerance above
zero errs wide: more is expected, much less is a failure).

    ./dev.sh python benchmarks/calibration_recovery.py            # 10 replicates
    ./dev.sh python benchmarks/calibration_recovery.py --replicates 20 --population 30
    ./dev.sh python benchmarks/calibration_recovery.py --known   # the suite's former test

``--known`` runs the single recovery the test suite made until it was cut to a smaller fit
(tests/calibration/test_fit.py::test_recovery_of_a_known_parameter): the missing-document rate
alone, at unit coordinate 0.1 of its prior, observed figures from seed 777, 16 particles,
3 generations, one worker, pyabc seed 1; it prints the posterior's 5/50/95% points beside the
prior's and the truth.

Figures recorded in benchmarks/README.md ("Calibration") and the README.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
from omegaconf import OmegaConf

from pilotsim.analysis.calibration.fit import FitSettings, Simulator, fit, select
from pilotsim.analysis.calibration.fit_report import weighted_quantile
from pilotsim.analysis.calibration.targets import read_targets
from pilotsim.app import api
from pilotsim.spec import RunSpec
from pilotsim.spec.uncertainty import Uncertainty

ROOT = Path(__file__).resolve().parents[1]
TINY = ["city=from_files", f"city.path={ROOT / 'examples' / 'riverside'}",
        "uncertainty=default_district", "sim.days=90", "sim.sample_fraction=0.2"]
TARGETS = ROOT / "tests" / "calibration" / "data" / "tiny_targets.csv"
PARAMETERS = ["behaviour.knowledge.missing_document", "behaviour.profiles.*.patience"]


def tiny_simulator(parameters: list[str]) -> Simulator:
    cfg = OmegaConf.to_container(api.compose(TINY), resolve=True)
    cfg.pop("hydra", None)
    spec = RunSpec.from_config(cfg)
    unc = select(Uncertainty.from_config(cfg["uncertainty"]), parameters)
    return Simulator(cfg, unc, read_targets(TARGETS, spec))


def observed(sim: Simulator, truth: np.ndarray, seed: int) -> Simulator:
    """The simulator with targets replaced by one run's figures at ``truth``."""
    m = sim.measures(truth, seed=seed)
    targets = [dataclasses.replace(t, value=float(v))
               for t, v in zip(sim.targets, m["simulated"], strict=True)]
    return Simulator(sim.base, sim.unc, targets)


def replicate(sim: Simulator, r: int, settings: FitSettings, workdir: Path) -> list[dict]:
    rng = np.random.default_rng(1000 + r)
    truth = rng.uniform(0.05, 0.95, len(sim.unc.parameters))
    obs = observed(sim, truth, seed=500_000 + r)
    t0 = time.perf_counter()
    res = fit(obs, settings, workdir / f"rep{r}.db", resume=False, seed=r)
    wall = time.perf_counter() - t0
    w = res.particles["weight"].to_numpy()
    true_values = sim.unc.values(truth)
    rows = []
    for p in sim.unc.parameters:
        lo, hi = weighted_quantile(res.particles[p.key].to_numpy(float), w, [0.05, 0.95])
        plo, phi = p.ppf(np.array([0.05, 0.95])).astype(float)
        rows.append({"replicate": r, "parameter": p.key, "truth": true_values[p.key],
                     "post_p05": lo, "post_p95": hi, "covered": bool(lo <= true_values[p.key]
                                                                    <= hi),
                     "width_ratio": (hi - lo) / (phi - plo),
                     "generations": len(res.epsilons), "simulations": res.simulations,
                     "wall_seconds": round(wall, 1)})
    return rows


def known(population: int = 16, generations: int = 3) -> dict:
    """The suite's former recovery test at full size (see the module docstring)."""
    key = "behaviour.knowledge.missing_document"
    sim = tiny_simulator([key])
    truth_u = 0.1
    obs = observed(sim, np.array([truth_u]), seed=777)
    t0, c0 = time.perf_counter(), time.process_time()
    with tempfile.TemporaryDirectory() as tmp:
        res = fit(obs, FitSettings(population=population, generations=generations,
                                   min_epsilon=0.0, workers=1), Path(tmp) / "abc.db", seed=1)
    p = res.particles
    truth = sim.unc.values([truth_u])[key]
    lo, med, hi = weighted_quantile(p[key].to_numpy(float), p["weight"].to_numpy(), [0.05, 0.5,
                                                                                    0.95])
    plo, pmed, phi = sim.unc.parameters[0].ppf(np.array([0.05, 0.5, 0.95])).astype(float)
    return {"population": population, "generations": generations, "truth": truth,
            "post_p05": lo, "post_p50": med, "post_p95": hi, "prior_p05": plo,
            "prior_p50": pmed, "prior_p95": phi, "width_ratio": (hi - lo) / (phi - plo),
            "covered": bool(lo <= truth <= hi),
            "median_moved_toward_truth": bool(abs(med - truth) < abs(pmed - truth)),
            "epsilons": [float(e) for e in res.epsilons], "simulations": res.simulations,
            "wall_seconds": round(time.perf_counter() - t0, 1),
            "cpu_seconds": round(time.process_time() - c0, 1)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--known", action="store_true",
                    help="the suite's former single recovery at full size, then exit")
    ap.add_argument("--replicates", type=int, default=10)
    ap.add_argument("--population", type=int, default=20)
    ap.add_argument("--generations", type=int, default=2)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "results"
                                         / "calibration_recovery.csv"))
    args = ap.parse_args()
    if args.known:
        print(json.dumps(known(), indent=1))
        return
    sim = tiny_simulator(PARAMETERS)
    settings = FitSettings(population=args.population, generations=args.generations,
                           min_epsilon=0.0, workers=args.workers)
    rows: list[dict] = []
    with tempfile.TemporaryDirectory() as tmp:
        for r in range(args.replicates):
            rows += replicate(sim, r, settings, Path(tmp))
            table = pd.DataFrame(rows)
            table.to_csv(args.out, index=False)
            print(table.tail(len(PARAMETERS)).to_string(index=False), flush=True)
    table = pd.DataFrame(rows)
    summary = table.groupby("parameter").agg(coverage=("covered", "mean"),
                                             width_ratio=("width_ratio", "median"),
                                             replicates=("covered", "size"))
    print(summary.to_string())
    print(json.dumps({"coverage_all": float(table["covered"].mean()),
                      "simulations_median": float(table["simulations"].median()),
                      "wall_seconds_median": float(table["wall_seconds"].median())}))


if __name__ == "__main__":
    main()
