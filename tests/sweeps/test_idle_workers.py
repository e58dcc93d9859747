"""The sweep's idle workers draw the comparison's figures: the same figures, in other processes."""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

import pytest
from hydra_plugins.hydra_joblib_launcher.config import JobLibLauncherConf
from omegaconf import OmegaConf

from pilotsim.analysis.comparison import compare_sweep
from pilotsim.analysis.comparison.settings import CompareSettings
from pilotsim.app.sweeps import idle_workers
from tests.comparison.synthetic_runs import Case, write_run

JOBLIB = "hydra_plugins.hydra_joblib_launcher.joblib_launcher.JoblibLauncher"
FIGURES = ("distributions.png", "satisfaction_over_time.png", "communities.png",
           "paired_differences.png")


def _config(**launcher) -> object:
    # the launcher's full settings, as conf/hydra/launcher/local.yaml composes them
    settings = {**OmegaConf.to_container(OmegaConf.structured(JobLibLauncherConf)), **launcher}
    return OmegaConf.create({"hydra": {"launcher": settings}})


def _sweep(root: Path) -> Path:
    for seed in (1, 2, 3):
        for arm, trips in (("baseline", 3), ("one_door", 1 + seed % 2)):
            write_run(root / arm / f"seed{seed}", arm=arm, seed=seed,
                      cases=[Case(trips=trips, satisfaction=60.0 + seed),
                             Case(trips=trips + 1, satisfaction=50.0)])
    return root


def test_the_workers_draw_the_figures_the_launcher_would(tmp_path, caplog) -> None:
    sweep = _sweep(tmp_path / "sweep")
    settings = CompareSettings(warmup_days=0)
    here = compare_sweep(sweep, out_dir=tmp_path / "here", settings=settings)
    render = idle_workers.renderer(_config(n_jobs=2))
    assert render is not None
    with caplog.at_level(logging.DEBUG, logger="pilotsim.sweep"):
        there = compare_sweep(sweep, out_dir=tmp_path / "there", settings=settings,
                              render=render)
    drawn = [r.getMessage() for r in caplog.records if "figures drawn" in r.getMessage()]
    assert len(drawn) == 1 and str(os.getpid()) not in drawn[0]  # not in this process
    for name in FIGURES:  # byte for byte: the paired differences' jitter is seeded too
        assert (here.out_dir / name).read_bytes() == (there.out_dir / name).read_bytes()
    for name in ("comparison.csv", "cost_effectiveness.csv"):
        assert (here.out_dir / name).read_text() == (there.out_dir / name).read_text()


def test_the_figures_counted_are_the_figures_drawn() -> None:
    from pilotsim.analysis.comparison import figures

    assert len(figures.KINDS) == idle_workers.FIGURES


def test_no_workers_no_renderer() -> None:
    assert idle_workers.renderer(_config(n_jobs=1)) is None
    ray = OmegaConf.create({"hydra": {"launcher": {
        "_target_": "hydra_plugins.hydra_ray_launcher.ray_launcher.RayLauncher"}}})
    assert idle_workers.renderer(ray) is None
    assert idle_workers.workers(ray) == 0
    assert idle_workers.workers(_config(n_jobs=2)) == 2


@pytest.mark.parametrize(("launcher", "unfinished", "workers"), [
    ("here", 0, 2),     # the launching process itself (n_jobs=1 runs its jobs there)
    ("other", 2, 2),    # runs left that this worker may still be given
    ("other", 0, 1),    # one worker: the figures are drawn in the launching process
    ("other", 4, 64),   # a big pool: only the last four workers to finish (four figures)
])
def test_a_worker_with_runs_left_does_not_warm(monkeypatch, launcher, unfinished,
                                               workers) -> None:
    monkeypatch.setattr(idle_workers, "_warmed", {})
    pid = os.getpid() if launcher == "here" else os.getpid() + 1
    assert idle_workers.warm_if_last(pid, unfinished, workers, ("colorsys",)) is None


def test_a_worker_whose_runs_are_over_warms_once(monkeypatch) -> None:
    monkeypatch.setattr(idle_workers, "_warmed", {})
    monkeypatch.delitem(sys.modules, "colorsys", raising=False)  # a module nothing else loads
    thread = idle_workers.warm_if_last(os.getpid() + 1, 1, 2, ("colorsys",))
    assert thread is not None
    thread.join(10)
    assert "colorsys" in sys.modules
    assert idle_workers.warm_if_last(os.getpid() + 1, 0, 2, ("colorsys",)) is None
