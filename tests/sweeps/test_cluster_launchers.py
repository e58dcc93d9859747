"""The same sweep on cluster launchers, chosen by launcher config only.

Ray: a private local Ray instance on loopback (needs the ``ray`` extra, ``pip install -e
'.[ray]'``; skipped without it; marked ``ray`` so that CI can select or deselect it with
``pytest -m ray`` / ``-m 'not ray'``). Slurm: submitit's local executor, which runs the jobs as
local processes through the same pickling and job files as on Slurm (needs the ``slurm`` extra;
skipped without it).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.sweeps.conftest import TINY, metadata, pilotsim


@pytest.mark.ray
def test_sweep_runs_on_a_local_ray_instance(work: Path) -> None:
    pytest.importorskip("ray", reason="ray is not installed (the 'ray' extra)")
    pytest.importorskip("hydra_plugins.hydra_ray_launcher",
                        reason="hydra-ray-launcher is not installed (the 'ray' extra)")
    sweep = work / "sweep"
    env = dict(os.environ, RAY_USAGE_STATS_ENABLED="0")
    proc = pilotsim("-m", "seed=range(3)", *TINY, f"hydra.sweep.dir={sweep}",
                    "hydra/launcher=ray_cluster",
                    # a Ray of its own on this machine, not a cluster: loopback only
                    "hydra.launcher.ray.init.address=local",
                    "+hydra.launcher.ray.init.num_cpus=2",
                    "+hydra.launcher.ray.init._node_ip_address=127.0.0.1",
                    "hydra.callbacks.pilotsim_sweep.compare=false",
                    cwd=work, env=env, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    for seed in range(3):
        meta = metadata(sweep / "baseline" / f"seed{seed}")
        assert meta["status"] == "complete" and meta["seed"] == seed
    info = json.loads((sweep / "sweep.json").read_text())
    assert info["launcher"].endswith("RayLauncher")
    rows = [json.loads(x) for x in (sweep / "progress.jsonl").read_text().splitlines()]
    assert len(rows) == 3 and info["attempts"][0]["pid"] not in {r["pid"] for r in rows}


def test_sweep_runs_through_submitit_as_on_slurm(work: Path) -> None:
    pytest.importorskip("hydra_plugins.hydra_submitit_launcher",
                        reason="hydra-submitit-launcher is not installed (the 'slurm' extra)")
    sweep = work / "sweep"
    proc = pilotsim("-m", "seed=range(2)", *TINY, f"hydra.sweep.dir={sweep}",
                    "hydra/launcher=submitit_local",
                    "hydra.callbacks.pilotsim_sweep.compare=false", cwd=work, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    for seed in range(2):
        assert metadata(sweep / "baseline" / f"seed{seed}")["status"] == "complete"
    assert (sweep / ".submitit").is_dir()
    info = json.loads((sweep / "sweep.json").read_text())
    assert info["launcher"].endswith("LocalLauncher")
    assert info["attempts"][0]["counts"]["complete"] == 2
