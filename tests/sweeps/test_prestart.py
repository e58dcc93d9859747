"""The joblib launcher's workers, started while the sweep plans, are the ones that run its jobs."""

from __future__ import annotations

import os
import sys
import warnings

from hydra_plugins.hydra_joblib_launcher._core import process_joblib_cfg
from hydra_plugins.hydra_joblib_launcher.config import JobLibLauncherConf
from joblib import Parallel, delayed
from omegaconf import OmegaConf

from pilotsim.app.sweeps import prestart

JOBLIB = "hydra_plugins.hydra_joblib_launcher.joblib_launcher.JoblibLauncher"


def _config(**launcher) -> object:
    # the launcher's full settings, as conf/hydra/launcher/local.yaml composes them
    settings = {**OmegaConf.to_container(OmegaConf.structured(JobLibLauncherConf)), **launcher}
    return OmegaConf.create({"hydra": {"launcher": settings}})


def _job() -> tuple[int, bool]:
    return os.getpid(), "colorsys" in sys.modules


def _launcher_parallel(config) -> list[tuple[int, bool]]:
    """What hydra_joblib_launcher._core.launch does with the same settings."""
    settings = OmegaConf.to_container(config.hydra.launcher)
    settings.pop("_target_")
    settings["backend"] = "loky"
    process_joblib_cfg(settings)
    return Parallel(**settings)(delayed(_job)() for _ in range(8))


def test_the_launchers_jobs_run_in_the_workers_started_early() -> None:
    config = _config(n_jobs=2)
    started = prestart.start(config, ("colorsys",))  # a module nothing else here loads
    assert started is not None
    warm = prestart.wait(started)
    assert len(set(warm)) == 2  # each worker warmed, not the first one ready twice
    jobs = _launcher_parallel(config)
    assert {pid for pid, _ in jobs} <= set(warm)  # the same executor, reused
    assert all(imported for _, imported in jobs)


def test_stop_ends_the_early_workers_quietly() -> None:
    started = prestart.start(_config(n_jobs=2), ())
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        prestart.stop(started)


def test_nothing_is_started_for_jobs_in_this_process_or_another_launcher() -> None:
    assert prestart.start(_config(n_jobs=1)) is None
    ray = OmegaConf.create({"hydra": {"launcher": {
        "_target_": "hydra_plugins.hydra_ray_launcher.ray_launcher.RayLauncher"}}})
    assert prestart.start(ray) is None
    assert prestart.wait(None) == []
    prestart.stop(None)


def _sweep(uncertainty: dict, task: list[str]) -> object:
    return OmegaConf.create({"uncertainty": uncertainty, "world": None, "hydra": {
        "sweeper": {"params": None}, "overrides": {"task": task}}})


def test_workers_warm_what_drawing_a_world_imports() -> None:
    # what uncertainty.py imports: SALib's sampler of the design for a world, SciPy's
    # statistics for a triangular or normal distribution (a uniform one is arithmetic)
    tri = {"dist": "triangular", "low": 0, "mode": 1, "high": 2, "reason": "x"}
    uni = {"dist": "uniform", "low": 0, "high": 1, "reason": "x"}
    worlds = ["reform=baseline,one_door", "world=range(2)"]
    assert prestart.draw_modules(_sweep({"design": "lhs", "parameters": {"a": tri}}, worlds)) \
        == ("SALib.sample.latin", "scipy.stats")
    assert prestart.draw_modules(_sweep({"design": "morris", "parameters": {"a": uni}},
                                        worlds)) == ("SALib.sample.morris",)
    assert prestart.draw_modules(_sweep({"design": "lhs", "parameters": {"a": tri}},
                                        ["seed=0,1"])) == ("scipy.stats",)  # no world drawn
    assert prestart.draw_modules(_sweep({"design": "lhs", "parameters": {}}, worlds)) == ()
