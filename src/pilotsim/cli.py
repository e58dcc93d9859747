"""The ``pilotsim`` command: a Hydra app that runs one scenario and writes its run folder.

pilotsim                                   # the default district, one year
pilotsim seed=7 sim.days=180               # overrides
pilotsim +scenario=erlang_c                # the queueing-theory validation scenario
pilotsim --help                            # config groups and options
pilotsim -m 'seed=range(10)' sim.days=60   # a sweep (see pilotsim.sweeps, docs/experiments.md)
pilotsim +experiment=default               # a named study (experiments/), a sweep by itself

A single run exits non-zero if its config is invalid (2) or the run fails (1). In a sweep, each
job runs through :func:`pilotsim.sweeps.run_point`: it skips a run already complete in its
folder, records a failing run in its folder instead of raising, and prints nothing on success;
the sweep's callback reports progress, the comparison and the exit code.
"""

from __future__ import annotations

import logging
import sys

import hydra
from hydra.core.hydra_config import HydraConfig
from hydra.types import RunMode
from omegaconf import DictConfig, OmegaConf

from pilotsim import studies

log = logging.getLogger("pilotsim")


def _quiet_mesa() -> None:
    # Mesa logs one INFO line per step; a year would be 365 lines of noise.
    logging.getLogger("MESA").setLevel(logging.WARNING)


@hydra.main(config_path="conf", config_name="config", version_base="1.3")
def _app(cfg: DictConfig) -> dict | None:
    # imported here, not at the top: `pilotsim --help` need not load the model (mesa, pandas)
    from pilotsim import api
    from pilotsim.schema import SpecError
    from pilotsim.spec import RunSpec
    from pilotsim.summary import format_summary, summary_table
    from pilotsim.sweeps import run_point

    _quiet_mesa()
    hc = HydraConfig.get()
    if hc.mode == RunMode.MULTIRUN:
        return run_point(cfg, hc.runtime.output_dir if cfg.output.write else None)
    # Resolve the config once (a city of a million residents takes ~0.25 s to resolve); if it
    # does not resolve, the spec names the key that fails.
    try:
        plain = OmegaConf.to_container(cfg, resolve=True)
    except Exception:
        plain = cfg
    try:
        spec = RunSpec.from_config(plain)
    except SpecError as e:
        print(f"pilotsim: invalid config: {e}", file=sys.stderr)
        sys.exit(2)
    out = HydraConfig.get().runtime.output_dir if cfg.output.write else None
    result = api.run(plain, out_dir=out, spec=spec)
    if cfg.output.summary:
        meta = result.metadata
        print(f"pilotsim: {spec.arm}, seed {spec.seed}, {spec.sim.days} days, "
              f"{meta['counts']['residents']:,} residents simulated, "
              f"{meta['wall_seconds']:.1f} s")
        print(format_summary(summary_table(
            result.cases, result.visits, spec.behaviour.satisfaction.satisfied_threshold)))
        if out:
            print(f"run folder: {out}")


def _register_sweeper() -> None:
    # Hydra finds plugins by scanning the hydra_plugins package's folders, which an editable
    # install (dev.sh) does not expose for this project; register the sweeper explicitly
    # (a no-op when the scan found it). The scan re-imports Hydra's core plugins, so it must
    # come first: the sweeper subclasses the basic sweeper it leaves in place.
    from hydra.core.plugins import Plugins

    plugins = Plugins.instance()
    from hydra_plugins.pilotsim_sweeper.planned_sweeper import PlannedSweeper

    plugins.register(PlannedSweeper)


def main() -> None:
    """Console entry point."""
    _quiet_mesa()
    studies.register()
    _register_sweeper()
    _app()
