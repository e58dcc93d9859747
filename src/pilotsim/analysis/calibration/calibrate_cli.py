"""``pilotsim-calibrate``: fit the uncertain parameters to observed figures (ABC-SMC).

    pilotsim-calibrate TARGETS.csv [OVERRIDE ...] [--out DIR] [--parameters KEY,KEY]
                       [--population N] [--generations G] [--workers W] [--sampler local|ray]

The overrides are the ``pilotsim`` command's (``city=from_files city.path=…``,
``uncertainty=default_district``, ``sim.sample_fraction=0.25``): they set the world being
calibrated and its ``uncertainty:`` declarations, whose distributions are the priors. The
output folder (default ``results/calibration/DATE``) gets:

- ``posterior.csv`` + ``posterior.json``: the posterior ensemble (weighted particles) and its
  provenance (targets file and SHA-256, date, method, settings, the priors);
- ``calibrated.yaml``: an ``uncertainty:`` section drawing worlds from that ensemble
  (``uncertainty.design=ensemble``), for the robustness and comparison studies;
- ``report.html``/``report.md`` (+ ``pairs.png``), ``predictive.csv``, ``parameters.csv``;
- ``abc.db``: pyabc's history; rerunning the same command with ``--out DIR`` resumes it.

Exit status: 0 success, 2 bad input (named: targets row, parameter key, setting) before any
simulation.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import logging
import math
import sys
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

import yaml

PROG = "pilotsim-calibrate"


def build_parser() -> argparse.ArgumentParser:
    """The command's argument parser."""
    p = argparse.ArgumentParser(
        prog=PROG, description="Calibrate the parameters declared under uncertainty: to "
        "observed figures by ABC-SMC (pyabc); writes a posterior ensemble, a fit report and "
        "an uncertainty config drawing worlds from it.")
    p.add_argument("targets", help="targets CSV (measure, group, period, value, n, se)")
    p.add_argument("overrides", nargs="*", help="pilotsim config overrides (key=value)")
    p.add_argument("--out", default=None, help="output folder (default "
                   "results/calibration/DATE); an existing one with abc.db is resumed")
    p.add_argument("--parameters", default=None,
                   help="comma-separated keys of uncertainty.parameters to calibrate "
                        "(default: all declared)")
    p.add_argument("--population", type=int, default=100,
                   help="particles per generation (default %(default)s)")
    p.add_argument("--generations", type=int, default=6,
                   help="most SMC generations (default %(default)s)")
    p.add_argument("--min-epsilon", type=float, default=None,
                   help="stop at this total deviance (default: the number of targets)")
    p.add_argument("--min-acceptance", type=float, default=0.02,
                   help="stop when a generation accepts fewer proposals than this share "
                        "(default %(default)s)")
    p.add_argument("--workers", type=int, default=2,
                   help="parallel simulations (default %(default)s)")
    p.add_argument("--sampler", default="local", help="local (cores) or ray (default %(default)s)")
    p.add_argument("--worlds", type=int, default=20,
                   help="worlds calibrated.yaml draws from the ensemble, its "
                        "uncertainty.samples (default %(default)s)")
    p.add_argument("--seed", type=int, default=0,
                   help="seed of the proposals, repeatable with one worker "
                        "(default %(default)s)")
    p.add_argument("--fresh", action="store_true", help="start anew even if abc.db exists")
    return p


def declaration(p: Any) -> dict[str, Any]:
    """A :class:`~pilotsim.spec.uncertainty.Parameter` back as its config mapping."""
    out: dict[str, Any] = {"dist": p.dist}
    if p.dist == "discrete":
        out |= {"values": list(p.values), "weights": list(p.weights)}
    else:
        for k in ("low", "mode", "high", "mean", "sd"):
            v = getattr(p, k)
            if not math.isnan(v):
                out[k] = v
    if p.apply != "set":
        out["apply"] = p.apply
    if p.integer:
        out["integer"] = True
    out["reason"] = p.reason
    return out


def sha256(path: Path) -> str:
    """The file's SHA-256 (hex)."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def prepare(args: argparse.Namespace) -> tuple[Any, Any, Any]:
    """Compose and validate everything (no simulation): settings, simulator, targets.

    Raises:
        SpecError: naming the bad key, row or setting.
    """
    from omegaconf import OmegaConf

    from pilotsim.analysis.calibration.fit import FitSettings, Simulator, select
    from pilotsim.analysis.calibration.targets import read_targets
    from pilotsim.spec import RunSpec
    from pilotsim.spec.compose import compose
    from pilotsim.spec.schema import SpecError
    from pilotsim.spec.uncertainty import Uncertainty, apply_values

    settings = FitSettings(args.population, args.generations, args.min_epsilon,
                           args.min_acceptance, args.workers, args.sampler)
    settings.check()
    if args.worlds < 1:
        raise SpecError("--worlds", args.worlds, "an integer >= 1")
    try:
        cfg = compose(args.overrides)
    except Exception as e:  # Hydra's override errors name the override
        raise SpecError("overrides", " ".join(args.overrides), f"valid overrides ({e})") from e
    plain = OmegaConf.to_container(cfg, resolve=True)
    plain.pop("hydra", None)
    spec = RunSpec.from_config(plain)
    if plain.get("world") is not None:
        raise SpecError("world", plain["world"], "null: the calibration draws its own values")
    unc = Uncertainty.from_config(plain.get("uncertainty"))
    keys = [k.strip() for k in args.parameters.split(",")] if args.parameters else None
    unc = select(unc, keys)
    apply_values(plain, unc, unc.values([0.5] * len(unc.parameters)))  # keys exist
    targets = read_targets(args.targets, spec)
    plain["output"] = {**plain.get("output", {}), "write": False, "summary": False}
    return settings, Simulator(plain, unc, targets), targets


def write_outputs(out: Path, args: argparse.Namespace, settings: Any, sim: Any,
                  result: Any) -> dict[str, Path]:
    """The posterior ensemble with provenance, the report, and ``calibrated.yaml``."""
    from pilotsim.analysis.calibration import fit_report
    from pilotsim.analysis.comparison.figures import to_png
    from pilotsim.analysis.comparison.report import render_html, render_markdown

    targets_path = Path(args.targets).resolve()
    now = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
    paths = {n: out / n for n in ("posterior.csv", "posterior.json", "calibrated.yaml",
                                  "predictive.csv", "parameters.csv", "report.html",
                                  "report.md", "pairs.png")}
    import pyabc

    provenance = {
        "kind": "pilotsim posterior ensemble",
        "targets": str(targets_path), "targets_sha256": sha256(targets_path),
        "calibrated_at": now, "method": f"ABC-SMC (pyabc {pyabc.__version__}), distance: "
        "total deviance of the targets, one seed per particle",
        "overrides": list(args.overrides), "settings": asdict(settings),
        "generations": len(result.epsilons), "epsilons": result.epsilons,
        "simulations": result.simulations, "wall_seconds": round(result.wall_seconds, 1),
        "pyabc_db": str(result.db), "pyabc_run_id": result.run_id,
        "parameters": {p.key: declaration(p) for p in sim.unc.parameters},
    }
    result.particles.to_csv(paths["posterior.csv"], index=False)
    paths["posterior.json"].write_text(json.dumps(provenance, indent=2), encoding="utf-8")
    section = {"design": "ensemble", "ensemble": str(paths["posterior.csv"].resolve()),
               "samples": args.worlds, "seed": 0,
               "parameters": provenance["parameters"]}
    paths["calibrated.yaml"].write_text(
        f"# Worlds drawn from the posterior of {PROG} (calibrated to {targets_path} on "
        f"{now}).\n# Use: pilotsim ... uncertainty=calibrated "
        f"uncertainty.ensemble={paths['posterior.csv'].resolve()}\n"
        + yaml.safe_dump(section, sort_keys=False, allow_unicode=True), encoding="utf-8")
    pred = fit_report.predictive_table(result.particles, result.predictive, sim.targets)
    params = fit_report.parameter_table(sim.unc, result.particles)
    pred.to_csv(paths["predictive.csv"], index=False)
    params.to_csv(paths["parameters.csv"], index=False)
    png = to_png(fit_report.pairs_figure(sim.unc, result.particles))
    paths["pairs.png"].write_bytes(png)
    header = [f"Calibrated to {targets_path} on {now}: {len(sim.targets)} targets, "
              f"{len(sim.unc.parameters)} parameters, ABC-SMC with {settings.population} "
              f"particles per generation, {len(result.epsilons)} generations, "
              f"{result.simulations} simulations (one seed each)."]
    blocks = fit_report.build(header=header, predictive=pred, parameters=params,
                              epsilons=result.epsilons, figure=png,
                              files=sorted(p.name for p in paths.values()))
    paths["report.html"].write_text(render_html(blocks, "pilotsim calibration"),
                                    encoding="utf-8")
    paths["report.md"].write_text(render_markdown(blocks), encoding="utf-8")
    return paths


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command; returns the exit status."""
    import pandas as pd

    from pilotsim.analysis.calibration.fit import fit
    from pilotsim.spec.schema import SpecError

    args = build_parser().parse_args(argv)
    try:
        settings, sim, _ = prepare(args)
    except SpecError as e:
        print(f"{PROG}: error: {e}", file=sys.stderr)
        return 2
    # progress: pyabc logs each generation (tolerance, acceptance, timing) on its own handler
    logging.getLogger("ABC").setLevel(logging.INFO)
    logging.getLogger("MESA").setLevel(logging.WARNING)
    out = Path(args.out or f"results/calibration/{dt.datetime.now():%Y-%m-%d_%H-%M-%S}")
    out.mkdir(parents=True, exist_ok=True)
    print(f"{PROG}: {len(sim.unc.parameters)} parameters, {len(sim.targets)} targets -> {out}",
          file=sys.stderr)
    result = fit(sim, settings, out / "abc.db", resume=not args.fresh, seed=args.seed)
    paths = write_outputs(out, args, settings, sim, result)
    pred = pd.read_csv(paths["predictive.csv"])
    params = pd.read_csv(paths["parameters.csv"])
    print(f"{len(result.epsilons)} generations, {result.simulations} simulations, "
          f"{result.wall_seconds:.0f} s; {int(pred['fitted'].sum())} of {len(pred)} targets "
          "fitted")
    for r in params.itertuples():
        print(f"  {r.parameter:<44} {r.post_p50:.4g} (90% {r.post_p05:.4g} to "
              f"{r.post_p95:.4g}; prior {r.prior_p05:.4g} to {r.prior_p95:.4g})"
              + ("" if r.identified else "  not identified"))
    print(f"report: {paths['report.html']}\nworlds: uncertainty=calibrated "
          f"uncertainty.ensemble={paths['posterior.csv'].resolve()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
