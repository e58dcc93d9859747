"""A sweep worker's configs composed once per combination equal Hydra's own, job by job."""

from __future__ import annotations

from pathlib import Path

from omegaconf import OmegaConf

from hydra_plugins.pilotsim_sweeper import job_configs
from pilotsim.app.sweeps.plan import expand
from tests.sweeps.test_sweep_parts import loader, master  # noqa: F401  (the fixture)


def _as_text(cfg) -> str:
    return OmegaConf.to_yaml(cfg)  # unresolved: interpolations compared as written


def test_each_job_gets_the_config_hydra_would_compose(loader, tmp_path: Path) -> None:  # noqa: F811
    # seeds and worlds vary within each combination; the arm and a value between them
    config = master(loader, ["reform=baseline,one_door", "seed=range(3)", "world=0,2",
                             "sim.days=20,21", "hydra.job.config.override_dirname.kv_sep=_"],
                    tmp_path)
    compose = loader.load_sweep_config
    calls = []

    def counted(master_config, overrides):
        calls.append(overrides)
        return compose(master_config, overrides)

    job_configs.clear()
    points = expand(config, loader)
    assert len(points) == 24
    for overrides in points:
        mine = job_configs.load_sweep_config(counted, config, overrides)
        theirs = compose(config, list(overrides))
        assert _as_text(mine) == _as_text(theirs), overrides
        assert mine.hydra.overrides.task == theirs.hydra.overrides.task
        assert mine.hydra.job.override_dirname == theirs.hydra.job.override_dirname
        assert OmegaConf.is_struct(mine) and OmegaConf.is_struct(theirs)
    assert len(calls) == 4  # one per (reform, days) combination


def test_jobs_without_plain_overrides_are_composed_each_time(loader, tmp_path: Path) -> None:  # noqa: F811
    config = master(loader, ["seed=${oc.env:HOME,0}", "arm=a,b"], tmp_path)
    calls = []

    def counted(master_config, overrides):
        calls.append(overrides)
        return loader.load_sweep_config(master_config, overrides)

    for overrides in expand(config, loader):
        job_configs.load_sweep_config(counted, config, overrides)
    assert len(calls) == 2
