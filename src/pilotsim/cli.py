"""The ``pilotsim`` command: a Hydra app that runs one scenario and writes its run folder.

pilotsim                                   # the default district, one year
pilotsim seed=7 sim.days=180               # overrides
pilotsim +scenario=erlang_c                # the queueing-theory validation scenario
pilotsim --help                            # config groups and options
"""

from __future__ import annotations

import logging
import sys

import hydra
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig, OmegaConf

from pilotsim.schema import SpecError
from pilotsim.spec import RunSpec

log = logging.getLogger("pilotsim")


def _quiet_mesa() -> None:
    # Mesa logs one INFO line per step; a year would be 365 lines of noise.
    logging.getLogger("MESA").setLevel(logging.WARNING)


@hydra.main(config_path="conf", config_name="config", version_base="1.3")
def _app(cfg: DictConfig) -> None:
    _quiet_mesa()
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
    # The model's imports (mesa, pandas: ~0.8 s) load only when a run starts, so that
    # `pilotsim --help` and config errors answer at once.
    from pilotsim import api
    from pilotsim.summary import format_summary, summary_table

    out = HydraConfig.get().runtime.output_dir if cfg.output.write else None
    result = api.run(plain, out_dir=out, spec=spec)
    if cfg.output.summary:
        meta = result.metadata
        print(f"pilotsim: {spec.arm}, seed {spec.seed}, {spec.sim.days} days, "
              f"{meta['counts']['residents']:,} residents simulated, "
              f"{meta['wall_seconds']:.1f} s")
        print(format_summary(summary_table(result.cases, result.visits)))
        if out:
            print(f"run folder: {out}")


def main() -> None:
    """Console entry point."""
    _quiet_mesa()
    _app()
