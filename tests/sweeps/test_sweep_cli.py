"""Sweeps through the real ``pilotsim`` command with the default (joblib) launcher.

What only a process shows (runs in launcher workers, an injected failure in a worker, a run
killed mid-way) runs the installed command; what the launching process decides (the plan, a
refusal, a resume that finds complete and interrupted runs) runs the command's entry point in
this process (the ``pilotsim_main`` fixture), with one job at a time.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from datetime import datetime
from pathlib import Path

from pilotsim.sim import runfolder
from tests.sweeps.conftest import PILOTSIM, TINY, injected_env, metadata, pilotsim


def progress_lines(output: str) -> list[str]:
    return [ln for ln in output.splitlines() if "pilotsim sweep: runs " in ln]


def test_tiny_sweep_runs_in_workers_with_provenance_bounded_progress_and_comparison(
        work: Path) -> None:
    sweep = work / "sweep"
    proc = pilotsim("-m", "arm=baseline,copy", "seed=range(3)", *TINY,
                    f"hydra.sweep.dir={sweep}", "hydra.launcher.n_jobs=2",
                    "hydra.callbacks.pilotsim_sweep.progress_lines=2", cwd=work)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out

    # one complete run folder per arm and seed, named after both
    for arm in ("baseline", "copy"):
        for seed in range(3):
            folder = sweep / arm / f"seed{seed}"
            meta = metadata(folder)
            assert meta["status"] == "complete"
            assert (meta["arm"], meta["seed"]) == (arm, seed)
            assert meta["config"]["seed"] == seed
            assert meta["config_hash"] == runfolder.config_hash(meta["config"])
            assert meta["git_commit"] == runfolder.git_commit()
            assert meta["package_version"] == runfolder.package_version()
            assert (folder / "config.yaml").exists() and (folder / "cases.parquet").exists()

    # provenance: Hydra's multirun.yaml and our sweep.json
    assert (sweep / "multirun.yaml").exists()
    info = json.loads((sweep / "sweep.json").read_text())
    assert info["overrides"]["task"][:2] == ["arm=baseline,copy", "seed=range(3)"]
    assert info["package_version"] == runfolder.package_version()
    assert info["git_commit"] == runfolder.git_commit()
    assert "hydra-joblib-launcher" in info["dependencies"]
    assert info["launcher"].endswith("JoblibLauncher")
    assert datetime.fromisoformat(info["started_at"])
    assert info["total"] == 6 and info["arms"] == ["baseline", "copy"]
    assert sorted(p["folder"] for p in info["points"]) == sorted(
        f"{a}/seed{s}" for a in ("baseline", "copy") for s in range(3))
    (attempt,) = info["attempts"]
    assert attempt["counts"]["complete"] == 6 and attempt["counts"]["failed"] == 0

    # the runs ran in launcher workers, not in the command's own process
    rows = [json.loads(x) for x in (sweep / "progress.jsonl").read_text().splitlines()]
    assert len(rows) == 6 and all(r["status"] == "complete" for r in rows)
    assert attempt["pid"] not in {r["pid"] for r in rows}

    # progress: 2 lines asked for, 6 runs -> at runs 3 and 6, with an ETA
    lines = progress_lines(out)
    assert len(lines) == 2, lines
    assert "runs 3/6 done" in lines[0] and "ETA" in lines[0]
    assert "runs 6/6 done" in lines[1]

    # the comparison ran at the end (two arms, identical worlds)
    assert attempt["comparison"]["status"] == "written", attempt["comparison"]
    assert (sweep / "comparison" / "report.html").exists()


def test_failed_run_is_recorded_the_rest_complete_and_a_rerun_redoes_only_what_is_missing(
        work: Path, tmp_path: Path, pilotsim_main, capsys, monkeypatch) -> None:
    sweep = work / "sweep"
    args = (*TINY, f"hydra.sweep.dir={sweep}", "hydra.callbacks.pilotsim_sweep.compare=false")

    first = pilotsim("-m", "seed=range(4)", *args, cwd=work,
                     env=injected_env(tmp_path / "inject", fail={2}))
    out = first.stdout + first.stderr
    assert first.returncode == 1, out          # the sweep says a run failed ...
    failed = metadata(sweep / "baseline" / "seed2")
    assert failed["status"] == "failed"
    assert failed["error"] == "RuntimeError: injected failure for seed 2"
    assert "RuntimeError" in failed["traceback"] and "sitecustomize.py" in failed["traceback"]
    assert str(sweep / "baseline" / "seed2") in out
    for seed in (0, 1, 3):                     # ... and the others are complete
        assert metadata(sweep / "baseline" / f"seed{seed}")["status"] == "complete"
    info = json.loads((sweep / "sweep.json").read_text())
    assert info["counts"]["failed"] == 1 and info["counts"]["complete"] == 3

    # an interrupted run (its metadata gone) and one more seed
    (sweep / "baseline" / "seed0" / "metadata.json").unlink()
    kept = {s: (sweep / "baseline" / f"seed{s}" / "metadata.json").stat().st_mtime_ns
            for s in (1, 3)}

    # (in the launching process this time: joblib with one job runs them in-process; the
    # command's entry point in this process, see the pilotsim_main fixture)
    monkeypatch.chdir(work)
    code = pilotsim_main("-m", "seed=range(5)", *args, "hydra.launcher.n_jobs=1")
    second = capsys.readouterr()
    out = second.out + second.err
    assert code == 0, out
    assert "2 already complete" in out
    for seed in range(5):
        assert metadata(sweep / "baseline" / f"seed{seed}")["status"] == "complete"
    for seed, mtime in kept.items():           # the complete runs were not redone
        assert (sweep / "baseline" / f"seed{seed}" / "metadata.json").stat().st_mtime_ns == mtime
    info = json.loads((sweep / "sweep.json").read_text())
    assert len(info["attempts"]) == 2
    rows = [json.loads(x) for x in (sweep / "progress.jsonl").read_text().splitlines()]
    again = [r for r in rows if r["attempt"] == info["attempts"][1]["started_at"]]
    assert sorted((r["seed"], r["status"]) for r in again) == [
        (0, "complete"), (1, "skipped"), (2, "complete"), (3, "skipped"), (4, "complete")]


def test_invalid_point_stops_the_sweep_before_any_run_starts(work: Path, pilotsim_main, capsys,
                                                             monkeypatch) -> None:
    # Refused in the launching process before any worker: the command's entry point in this
    # process (see the pilotsim_main fixture) is the same code.
    monkeypatch.chdir(work)
    sweep = work / "sweep"
    code = pilotsim_main("-m", "sim.sample_fraction=0.05,7", "seed=range(2)", "sim.days=20",
                         f"hydra.sweep.dir={sweep}")
    err = capsys.readouterr().err
    assert code == 2, err
    assert "sample_fraction" in err and "7" in err
    assert "sim.sample_fraction=7" in err          # names the sweep point
    assert "no run started" in err
    assert not sweep.exists() or not list(sweep.rglob("metadata.json"))

    # a point that does not compose (an option that does not exist) stops it the same way
    code = pilotsim_main("-m", "reform=baseline,teleporter", "seed=range(2)", *TINY,
                         f"hydra.sweep.dir={sweep}")
    err = capsys.readouterr().err
    assert code == 2, err
    assert "reform = 'teleporter'" in err and "no run started" in err
    assert not sweep.exists() or not list(sweep.rglob("metadata.json"))


def test_a_second_sweep_in_the_same_process_runs(work: Path, pilotsim_main, capsys,
                                                 monkeypatch) -> None:
    # A notebook or a test may run two sweeps in one process: Hydra's second plugin scan
    # re-executes its basic sweeper's module, which our sweeper subclasses
    monkeypatch.chdir(work)
    for name in ("first", "second"):
        code = pilotsim_main("-m", "seed=range(2)", *TINY, f"hydra.sweep.dir={work / name}",
                             "hydra.callbacks.pilotsim_sweep.compare=false",
                             "hydra.launcher.n_jobs=1")
        err = capsys.readouterr().err
        assert code == 0, err
        assert len(list((work / name).rglob("metadata.json"))) == 2, name


def test_two_points_writing_one_folder_are_refused(work: Path, pilotsim_main, capsys,
                                                   monkeypatch) -> None:
    monkeypatch.chdir(work)
    sweep = work / "sweep"
    code = pilotsim_main("-m", "sim.days=20,21", *TINY[1:], f"hydra.sweep.dir={sweep}")
    err = capsys.readouterr().err
    assert code == 2, err
    assert "hydra.sweep.subdir" in err and "baseline/seed0" in err
    assert not sweep.exists() or not list(sweep.rglob("metadata.json"))


def test_single_run_failure_exits_non_zero_and_is_recorded(work: Path, pilotsim_main,
                                                           monkeypatch) -> None:
    # the command's entry point in this process, the run failing as injected_env's would
    from pilotsim.sim.model import PilotModel

    def fail(self):
        raise RuntimeError(f"injected failure for seed {self.spec.seed}")

    monkeypatch.setattr(PilotModel, "run", fail)
    monkeypatch.chdir(work)
    run_dir = work / "one"
    assert pilotsim_main(*TINY, "seed=5", f"hydra.run.dir={run_dir}") != 0
    meta = metadata(run_dir)
    assert meta["status"] == "failed" and "injected failure for seed 5" in meta["error"]


def test_killed_run_never_looks_complete_and_the_sweep_redoes_it(work: Path, tmp_path: Path,
                                                                 pilotsim_main, capsys,
                                                                 monkeypatch) -> None:
    sweep = work / "sweep"
    victim = sweep / "baseline" / "seed0"      # where the sweep below puts seed 0
    proc = subprocess.Popen([str(PILOTSIM), *TINY, "seed=0", f"hydra.run.dir={victim}"],
                            cwd=work, env=injected_env(tmp_path / "inject", hang={0}),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while not (victim / "metadata.json").exists():
            assert time.monotonic() < deadline, "the run never started writing"
            assert proc.poll() is None, "the run ended before it could be killed"
            time.sleep(0.05)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    killed = metadata(victim)
    assert killed["status"] == "running"
    assert not runfolder.is_complete(victim)

    # the sweep that finds it: in this process (its jobs too, one at a time)
    monkeypatch.chdir(work)
    code = pilotsim_main("-m", "seed=range(2)", *TINY, f"hydra.sweep.dir={sweep}",
                         "hydra.callbacks.pilotsim_sweep.compare=false", "hydra.launcher.n_jobs=1")
    rerun = capsys.readouterr()
    out = rerun.out + rerun.err
    assert code == 0, out
    assert "already complete" not in out
    assert "1 run was interrupted earlier" in out
    redone = metadata(victim)
    assert redone["status"] == "complete" and "finished_at" in redone
    assert (victim / "cases.parquet").exists()
