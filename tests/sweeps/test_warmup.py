"""The launching process loads the comparison during the runs only if they run elsewhere."""

from __future__ import annotations

import os
import sys

import pytest
from omegaconf import OmegaConf

from pilotsim.app.sweeps import warmup

JOBLIB = "hydra_plugins.hydra_joblib_launcher.joblib_launcher.JoblibLauncher"


def _config(target: str, **launcher) -> object:
    return OmegaConf.create({"hydra": {"launcher": {"_target_": target, **launcher}}})


@pytest.mark.parametrize(("n_jobs", "elsewhere"), [
    (1, False), (2, True), (None, False),
    (-1, (os.cpu_count() or 1) > 1), (-(os.cpu_count() or 1), False)])
def test_joblib_runs_elsewhere_with_more_than_one_job(n_jobs, elsewhere) -> None:
    assert warmup.runs_elsewhere(_config(JOBLIB, n_jobs=n_jobs)) is elsewhere


def test_cluster_launchers_run_elsewhere_and_the_basic_one_here() -> None:
    assert warmup.runs_elsewhere(_config("hydra_plugins.hydra_ray_launcher.ray_launcher."
                                         "RayLauncher"))
    assert not warmup.runs_elsewhere(_config("hydra._internal.core_plugins.basic_launcher."
                                             "BasicLauncher"))


def test_start_imports_the_modules_in_a_thread_and_survives_a_missing_one(monkeypatch) -> None:
    monkeypatch.delitem(sys.modules, "colorsys", raising=False)  # a module nothing else loads
    thread = warmup.start(_config(JOBLIB, n_jobs=2), ("colorsys", "pilotsim_no_such_module"))
    assert thread is not None
    thread.join(10)
    assert not thread.is_alive()
    assert "colorsys" in sys.modules
    assert warmup.start(_config(JOBLIB, n_jobs=1)) is None
