"""``sweep.json``: what a sweep was asked to do, with which code, and how each attempt ended.

Hydra writes ``multirun.yaml`` (the sweep's full config) into the sweep folder; ``sweep.json``
sits beside it with what a reader needs without Hydra: the overrides as typed, the expanded
points (overrides, arm, seed, run folder, config hash), the package version, git commit,
dependency versions and launcher, and one entry per attempt (a resumed sweep has several) with
its start and end time, counts and comparison outcome. Each run folder's ``metadata.json``
repeats the resolved config, seed, version and commit for that run.
"""

from __future__ import annotations

import json
import os
import platform
import socket
import sys
from importlib import metadata as importlib_metadata
from pathlib import Path
from typing import Any

from omegaconf import DictConfig, OmegaConf

from pilotsim.app.sweeps.plan import SweepPlan
from pilotsim.sim import runfolder

SWEEP_FILE = "sweep.json"

# Beyond the run's own dependencies (runfolder.DEPENDENCIES): what runs the sweep.
SWEEP_DEPENDENCIES = ("hydra-joblib-launcher", "joblib", "hydra-ray-launcher", "ray",
                      "hydra-submitit-launcher", "submitit")


def dependency_versions() -> dict[str, str]:
    """Versions of the run's libraries and of the installed launcher plugins."""
    out = runfolder.dependency_versions()
    for name in SWEEP_DEPENDENCIES:
        try:
            out[name] = importlib_metadata.version(name)
        except importlib_metadata.PackageNotFoundError:
            continue
    return out


def read(sweep_dir: Path) -> dict[str, Any] | None:
    """The sweep's ``sweep.json``, or None if it has none."""
    path = Path(sweep_dir) / SWEEP_FILE
    return json.loads(path.read_text()) if path.exists() else None


def write(sweep_dir: Path, data: dict[str, Any]) -> None:
    """Write ``sweep.json`` atomically."""
    sweep_dir = Path(sweep_dir)
    sweep_dir.mkdir(parents=True, exist_ok=True)
    tmp = sweep_dir / f".{SWEEP_FILE}.tmp"
    tmp.write_text(json.dumps(data, indent=2, default=str))
    os.replace(tmp, sweep_dir / SWEEP_FILE)


def start(config: DictConfig, plan: SweepPlan | None, attempt: str,
          already_complete: int) -> dict[str, Any]:
    """Write ``sweep.json`` at the start of an attempt and return its content.

    Args:
        config: The multirun's config.
        plan: The expanded, validated points (None if the sweeper is not Hydra's basic one).
        attempt: The attempt's start time (ISO 8601 UTC), which identifies it.
        already_complete: Points whose run folders were complete before this attempt.
    """
    sweep_dir = Path(str(config.hydra.sweep.dir))
    previous = read(sweep_dir) or {}
    experiment = OmegaConf.select(config, "hydra.runtime.choices.experiment")
    data = {
        "sweep_dir": str(sweep_dir.resolve()),
        "experiment": experiment,
        "started_at": previous.get("started_at", attempt),
        "command": sys.argv,
        "overrides": {
            "task": OmegaConf.to_container(config.hydra.overrides.task, resolve=False),
            "sweeper_params": OmegaConf.to_container(
                OmegaConf.select(config, "hydra.sweeper.params") or OmegaConf.create({}),
                resolve=False),
            "hydra": OmegaConf.to_container(config.hydra.overrides.hydra, resolve=False),
        },
        "launcher": OmegaConf.select(config, "hydra.launcher._target_"),
        "package_version": runfolder.package_version(),
        "git_commit": runfolder.git_commit(),
        "python": platform.python_version(),
        "host": socket.gethostname(),
        "dependencies": dependency_versions(),
        "total": len(plan.points) if plan else None,
        "arms": plan.arms() if plan else None,
        "points": [p.as_dict(sweep_dir) for p in plan.points] if plan else None,
        "attempts": [*previous.get("attempts", []),
                     {"started_at": attempt, "git_commit": runfolder.git_commit(),
                      "host": socket.gethostname(), "pid": os.getpid(),
                      "already_complete": already_complete}],
    }
    write(sweep_dir, data)
    return data


def finish(sweep_dir: Path, attempt: str, counts: dict[str, int],
           comparison: dict[str, Any]) -> None:
    """Record the end of an attempt: its finish time, run counts and comparison outcome."""
    data = read(sweep_dir)
    if data is None:
        return
    for a in data.get("attempts", []):
        if a.get("started_at") == attempt:
            a.update(finished_at=runfolder.now_iso(), counts=counts, comparison=comparison)
    data["finished_at"] = runfolder.now_iso()
    data["counts"] = counts
    write(sweep_dir, data)
