"""The sweep machinery in-process: plan, progress, callback, studies, launcher configs."""

from __future__ import annotations

import functools
import json
import math
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from omegaconf import OmegaConf

from pilotsim.app import api
from pilotsim.app.sweeps import SweepCallback, plan_sweep, progress, provenance
from pilotsim.app.sweeps.__main__ import main as status_main
from pilotsim.app.sweeps.lock import SweepLock
from pilotsim.app.sweeps.plan import SweepPlanError
from pilotsim.sim import runfolder
from pilotsim.spec import studies

REPO = Path(__file__).resolve().parents[2]
TINY = ["sim.days=20", "sim.sample_fraction=0.05"]


@pytest.fixture(scope="module")
def loader():
    """Hydra's config loader over the shipped tree, as the ``pilotsim`` command builds it."""
    from hydra._internal.config_loader_impl import ConfigLoaderImpl
    from hydra._internal.utils import create_config_search_path
    from hydra.core.plugins import Plugins
    from hydra.core.utils import setup_globals

    setup_globals()
    Plugins.instance()  # registers the launcher plugins' configs
    studies.register()
    return ConfigLoaderImpl(config_search_path=create_config_search_path("pkg://pilotsim.conf"))


def master(loader, overrides: list[str], sweep_dir: Path | None = None):
    from hydra.types import RunMode

    extra = [f"hydra.sweep.dir={sweep_dir}"] if sweep_dir else []
    return loader.load_configuration("config", [*overrides, *extra], run_mode=RunMode.MULTIRUN)


# ------------------------------------------------------------------------------------ plan


def test_plan_hash_is_the_hash_the_run_records(loader, tmp_path: Path) -> None:
    plan = plan_sweep(master(loader, ["arm=a,b", "seed=range(2)", *TINY], tmp_path), loader)
    assert [(p.arm, p.seed) for p in plan.points] == [("a", 0), ("a", 1), ("b", 0), ("b", 1)]
    assert [p.folder for p in plan.points] == [tmp_path / a / f"seed{s}"
                                               for a in "ab" for s in (0, 1)]
    point = plan.points[3]
    result = api.run(api.compose(list(point.overrides)), out_dir=point.folder)
    assert result.metadata["config_hash"] == point.config_hash
    assert point.is_done() and not plan.points[0].is_done()
    # another config of the same arm into the same folder would mix two configs: refused
    with pytest.raises(SweepPlanError, match=r"first at sim\.days"):
        plan_sweep(master(loader, ["arm=b", "seed=1", "sim.days=21", *TINY[1:]], tmp_path),
                   loader)


def test_plan_names_the_invalid_point_and_the_clashing_points(loader, tmp_path: Path) -> None:
    with pytest.raises(SweepPlanError) as bad:
        plan_sweep(master(loader, ["seed=0,3", "sim.sample_fraction=0.05,7"], tmp_path), loader)
    assert "sample_fraction" in str(bad.value) and "sim.sample_fraction=7" in str(bad.value)
    assert "and 1 more points" in str(bad.value)  # seed 0 and seed 3 with the bad fraction
    with pytest.raises(SweepPlanError) as clash:
        plan_sweep(master(loader, ["sim.days=20,21", *TINY[1:]], tmp_path), loader)
    assert "sim.days=20" in str(clash.value) and "sim.days=21" in str(clash.value)
    subdir = "hydra.sweep.subdir=${arm}/days${sim.days}_seed${seed}"
    plan = plan_sweep(master(loader, ["sim.days=20,21", *TINY[1:], subdir], tmp_path), loader)
    assert [p.folder.name for p in plan.points] == ["days20_seed0", "days21_seed0"]


# -------------------------------------------------------------------------------- progress


def test_progress_counts_are_unique_across_concurrent_jobs(tmp_path: Path) -> None:
    # flock locks belong to open file descriptions, so threads that each open the file contend
    # exactly as worker processes do.
    progress.record(tmp_path, "earlier attempt", {"status": "complete"})
    progress.record(tmp_path, "now", {"status": "skipped"})

    def record(seed: int) -> int:
        return progress.record(tmp_path, "now", {"status": "complete", "seed": seed}).ran

    with ThreadPoolExecutor(8) as pool:
        seen = list(pool.map(record, range(40)))
    assert sorted(seen) == list(range(1, 41))  # each job saw its own count: one line each
    tick = progress.count(progress.read(tmp_path), "now")
    assert (tick.ran, tick.skipped, tick.failed) == (40, 1, 0)


@pytest.mark.parametrize("n", [1, 3, 19, 20, 21, 57, 1000, 12345])
def test_progress_lines_are_bounded_and_end_with_the_last_run(n: int) -> None:
    printed = [k for k in range(1, n + 1)
               if progress.should_print(progress.Tick(k, 0, 0), n, lines=20)]
    assert len(printed) <= 21 and printed[-1] == n
    gaps = [b - a for a, b in zip([0, *printed], printed, strict=False)]
    assert max(gaps) <= math.ceil(n / 20)


def test_eta_and_durations() -> None:
    assert progress.eta_seconds(10, 40, 20.0) == pytest.approx(60.0)
    assert progress.eta_seconds(0, 40, 20.0) is None
    assert [progress.format_duration(s) for s in (None, 42, 185, 3725)] == [
        "?", "42s", "3m05s", "1h02m"]
    line = progress.line(progress.Tick(10, 1, 0), 40, 20.0)
    assert line == "runs 10/40 done (1 failed), 20s elapsed, ETA 1m00s"


# -------------------------------------------------------------------------------- callback


def fake_sweep(root: Path) -> Path:
    for arm, status in (("baseline", "complete"), ("one_door", "failed")):
        folder = root / arm / "seed0"
        folder.mkdir(parents=True)
        meta = {"status": status, "arm": arm, "seed": 0}
        if status == "failed":
            meta["error"] = "RuntimeError: boom"
        runfolder.write_metadata(folder, meta)
    provenance.write(root, {"total": 2, "points": [
        {"folder": "baseline/seed0"}, {"folder": "one_door/seed0"}],
        "attempts": [{"started_at": "2030-01-01T00:00:00+00:00", "already_complete": 0}]})
    return root


def ending_callback(**kwargs) -> SweepCallback:
    cb = SweepCallback(**kwargs)
    cb.attempt = "2030-01-01T00:00:00+00:00"
    return cb


def test_end_of_sweep_compares_records_and_exits_1_for_a_failed_run(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import pilotsim.analysis.comparison

    sweep = fake_sweep(tmp_path / "sweep")
    calls = []

    class Result:
        def __init__(self) -> None:
            self.headlines = ["One door: fewer trips"]
            self.paths = {"report_html": sweep / "comparison" / "report.html"}

    def compare_sweep(sweep_dir, reference="baseline", target_halfwidth=None, out_dir=None,
                      extra_blocks=()):
        calls.append((Path(sweep_dir), reference, target_halfwidth))
        return Result()

    monkeypatch.setattr(pilotsim.analysis.comparison, "compare_sweep", compare_sweep)
    cb = ending_callback(reference="one_door", target_halfwidth=0.05)
    config = OmegaConf.create({"hydra": {"sweep": {"dir": str(sweep)}}})
    with pytest.raises(SystemExit) as ended:
        cb.on_multirun_end(config=config)
    assert ended.value.code == 1
    assert calls == [(sweep, "one_door", 0.05)]
    (attempt,) = provenance.read(sweep)["attempts"]
    assert attempt["counts"] == {"complete": 1, "failed": 1, "incomplete": 0}
    assert attempt["comparison"] == {"status": "written",
                                     "path": str(sweep / "comparison" / "report.html")}


def test_end_of_sweep_survives_a_comparison_that_cannot_be_made(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import pilotsim.analysis.comparison

    sweep = fake_sweep(tmp_path / "sweep")

    def compare_sweep(sweep_dir, **kwargs):
        raise pilotsim.analysis.comparison.ComparisonError("nothing to compare it with")

    monkeypatch.setattr(pilotsim.analysis.comparison, "compare_sweep", compare_sweep)
    cb = ending_callback(fail_exit_code=False)
    cb.on_multirun_end(config=OmegaConf.create({"hydra": {"sweep": {"dir": str(sweep)}}}))
    (attempt,) = provenance.read(sweep)["attempts"]
    assert attempt["comparison"]["status"] == "not written"
    assert "nothing to compare it with" in attempt["comparison"]["reason"]

    monkeypatch.setitem(__import__("sys").modules, "pilotsim.analysis.comparison", None)
    ending_callback(fail_exit_code=False).on_multirun_end(
        config=OmegaConf.create({"hydra": {"sweep": {"dir": str(sweep)}}}))
    assert provenance.read(sweep)["attempts"][0]["comparison"]["status"] == "unavailable"


def test_status_command_reads_the_sweep_folder(tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    sweep = fake_sweep(tmp_path / "sweep")
    progress.record(sweep, "2030-01-01T00:00:00+00:00", {"status": "complete"})
    held = SweepLock(sweep)
    held.acquire()  # the sweep's process is alive
    try:
        assert status_main([str(sweep)]) == 0
    finally:
        held.release()
    out = capsys.readouterr().out
    assert "2 runs; 1 complete, 1 failed" in out and "runs 1/2 done" in out
    # nobody holds the folder: the attempt's process is gone, so it is not "running"
    assert status_main([str(sweep)]) == 0
    out = capsys.readouterr().out
    assert "was interrupted: 1 of 2 runs ended" in out and "ETA" not in out
    assert f"hydra.sweep.dir={sweep.resolve()}" in out


# --------------------------------------------------------------------------------- studies

STUDIES = ("default", "one_door_vs_data_sharing", "which_communities_first")


def test_studies_are_the_experiment_group() -> None:
    cfg = api.compose(["+experiment=default"])
    assert "experiment" not in cfg  # a group choice, not a stray key
    assert cfg.sim.sample_fraction == 0.2


def test_each_stored_study_is_its_file_as_omegaconf_reads_it() -> None:
    # register() parses the files itself (OmegaConf's YAML loader, no DictConfig round trip)
    from hydra.core.config_store import ConfigStore

    studies.register()
    files = sorted((REPO / "experiments").rglob("*.yaml"))
    assert len(files) > 5
    repo = ConfigStore.instance().repo["experiment"]
    for f in files:
        *folders, name = f.relative_to(REPO / "experiments").parts
        node = functools.reduce(dict.__getitem__, folders, repo)[name]
        text = f.read_text()
        assert OmegaConf.to_yaml(node.node) == OmegaConf.to_yaml(OmegaConf.create(text)), f
        assert node.package == studies._package(text), f
        assert node.group == "/".join(("experiment", *folders)), f


def test_every_study_has_a_readme_section() -> None:
    readme = (REPO / "experiments" / "README.md").read_text()
    for name in STUDIES:
        assert (REPO / "experiments" / f"{name}.yaml").exists()
        assert re.search(rf"^## `{name}`", readme, re.M), name


def _arms_and_seeds(plan) -> dict[str, list[int]]:
    out: dict[str, list[int]] = {}
    for p in plan.points:
        out.setdefault(p.arm, []).append(p.seed)
    return out


@pytest.mark.parametrize("name", STUDIES)
def test_study_plans_paired_arms_that_validate(loader, name: str, tmp_path: Path) -> None:
    pytest.importorskip("pilotsim.plugins.reforms",
                        reason="the reform config group is not merged yet")
    config = master(loader, [f"+experiment={name}"], tmp_path)
    assert str(config.hydra.mode) == "RunMode.MULTIRUN"  # no -m needed
    plan = plan_sweep(config, loader)  # every point composes and validates
    arms = _arms_and_seeds(plan)
    assert next(iter(arms)) == "baseline"
    assert all(sorted(seeds) == list(range(10)) for seeds in arms.values())  # paired seeds
    if name == "default":
        assert len(arms) >= 3
    if name == "one_door_vs_data_sharing":
        assert list(arms) == ["baseline", "one_door", "data_sharing", "one_door+data_sharing"]
    if name == "which_communities_first":
        assert len(arms) == 6 and all(a.startswith("community_proxy@") for a in list(arms)[1:])


# ------------------------------------------------------------------------------- launchers


@pytest.mark.parametrize(("choice", "plugin", "target"), [
    ("local", "hydra_plugins.hydra_joblib_launcher", "JoblibLauncher"),
    ("ray_cluster", "hydra_plugins.hydra_ray_launcher", "RayLauncher"),
    ("slurm", "hydra_plugins.hydra_submitit_launcher", "SlurmLauncher"),
])
def test_launcher_configs_compose(loader, choice: str, plugin: str, target: str) -> None:
    pytest.importorskip(plugin, reason=f"{plugin} is not installed")
    launcher = master(loader, [f"hydra/launcher={choice}"]).hydra.launcher
    assert launcher._target_.endswith(target)
    if choice == "local":
        assert launcher.n_jobs == -1
    if choice == "ray_cluster":
        assert launcher.ray.init.address == "auto" and launcher.ray.remote.num_cpus == 1
    if choice == "slurm":
        assert launcher.cpus_per_task == 1 and launcher.submitit_folder.endswith(".submitit/%j")


def test_default_launcher_is_local_joblib(loader) -> None:
    assert master(loader, []).hydra.launcher._target_.endswith("JoblibLauncher")
    data = json.loads(json.dumps(OmegaConf.to_container(master(loader, []).hydra.callbacks)))
    assert data["pilotsim_sweep"]["_target_"] == "pilotsim.app.sweeps.SweepCallback"


def test_sweeper_skips_hydras_second_composition_only_when_the_plan_validated(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from pilotsim.app.cli import _register_sweeper

    # As the command does first: an in-process sweep that ran a job before this test (joblib's
    # sequential execute_job restores Hydra's singletons, and its plugin scan re-executes the
    # basic sweeper's module) left the class a subclass of the previous BasicSweeper
    _register_sweeper()
    from hydra_plugins.pilotsim_sweeper.planned_sweeper import PlannedSweeper

    checked = []
    (basic,) = PlannedSweeper.__bases__  # Hydra's plugin scan may have re-imported its module
    monkeypatch.setattr(basic, "validate_batch_is_legal",
                        lambda self, batch: checked.append(batch))
    sweeper = PlannedSweeper(max_batch_size=None)
    sweeper.config = OmegaConf.create({"hydra": {"callbacks": {"pilotsim_sweep": {"x": 1}}}})
    sweeper.validate_batch_is_legal([["seed=0"]])
    assert checked == []
    sweeper.config = OmegaConf.create({"hydra": {"callbacks": {}}})
    sweeper.validate_batch_is_legal([["seed=0"]])
    assert checked == [[["seed=0"]]]


def test_default_sweeper_is_the_planned_one(loader) -> None:
    target = master(loader, []).hydra.sweeper._target_
    assert target == "hydra_plugins.pilotsim_sweeper.planned_sweeper.PlannedSweeper"


def test_mark_failed_records_only_a_run_that_had_started(tmp_path: Path) -> None:
    def simulate() -> None:
        raise ValueError("queue went negative")

    try:
        simulate()
    except ValueError as e:
        error = e
    started, done = tmp_path / "started", tmp_path / "done"
    for folder, status in ((started, "running"), (done, "complete")):
        folder.mkdir()
        runfolder.write_metadata(folder, {"status": status, "seed": 1})
        runfolder.mark_failed(folder, error)
    meta = runfolder.read_metadata(started)
    assert meta["status"] == "failed" and meta["error"] == "ValueError: queue went negative"
    assert "in simulate" in meta["traceback"] and meta["seed"] == 1
    assert runfolder.read_metadata(done)["status"] == "complete"


def test_only_a_sweep_whose_shared_values_fail_is_stopped_before_its_workers_start(
        loader, tmp_path: Path) -> None:
    from pilotsim.app.sweeps.plan import fails_as_written

    assert fails_as_written(master(loader, ["seed=0,1", "sim.days=abc"], tmp_path))
    assert not fails_as_written(master(loader, ["seed=0,1", *TINY], tmp_path))
    # a bad sweep value is the plan's to find (the sweep's own config leaves it out)
    assert not fails_as_written(master(loader, ["reform=baseline,teleporter"], tmp_path))
