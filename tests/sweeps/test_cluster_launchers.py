"""The same sweep on cluster launchers, chosen by launcher config only.

Ray: a Ray instance started with ``ray start --head`` on loopback, which the sweep joins as a
user's sweep joins their cluster (needs the ``ray`` extra, ``pip install -e '.[ray]'``; skipped
without it; marked ``ray`` so that CI can select or deselect it with ``pytest -m ray`` /
``-m 'not ray'``). Slurm: submitit's local executor, which runs the jobs as
local processes through the same pickling and job files as on Slurm (needs the ``slurm`` extra;
skipped without it).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from tests.sweeps.conftest import TINY, metadata, pilotsim


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _ray_env() -> dict:
    # Ray turns token authentication on when a token file already exists in ~/.ray (left by
    # any earlier `ray start` of the same user): this instance is private, and its own.
    return dict(os.environ, RAY_USAGE_STATS_ENABLED="0", RAY_AUTH_MODE="disabled")


@pytest.fixture
def ray_head(tmp_path: Path):
    """A Ray instance started the way a user starts a cluster (``ray start --head``), on
    loopback with its own port and temp dir; its address. Stopped (by its pid) afterwards."""
    pytest.importorskip("ray", reason="ray is not installed (the 'ray' extra)")
    pytest.importorskip("hydra_plugins.hydra_ray_launcher",
                        reason="hydra-ray-launcher is not installed (the 'ray' extra)")
    ray = Path(sys.executable).with_name("ray")
    # Ray's socket paths live under its temp dir and must fit in 107 bytes (AF_UNIX): pytest's
    # tmp_path is too deep for them.
    port, temp = _free_port(), Path(tempfile.mkdtemp(prefix="pilotsim-ray-"))
    log = (tmp_path / "ray_head.log").open("w")
    head = subprocess.Popen(
        [str(ray), "start", "--head", "--block", f"--port={port}",
         "--node-ip-address=127.0.0.1", "--num-cpus=2", "--include-dashboard=false",
         "--disable-usage-stats", f"--temp-dir={temp}"],
        stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        env=_ray_env())
    try:
        deadline = time.monotonic() + 120
        while "block forever" not in (tmp_path / "ray_head.log").read_text():
            assert head.poll() is None, (tmp_path / "ray_head.log").read_text()
            assert time.monotonic() < deadline, "ray start --head did not come up in 120 s"
            time.sleep(0.5)
        yield f"127.0.0.1:{port}"
    finally:
        head.send_signal(signal.SIGTERM)  # --block: stopping it stops the processes it started
        try:
            head.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(head.pid, signal.SIGKILL)
            head.wait(timeout=30)
        log.close()
        shutil.rmtree(temp, ignore_errors=True)


@pytest.mark.ray
def test_sweep_joins_a_running_ray_cluster(work: Path, ray_head: str) -> None:
    """The shipped ray_cluster config joins a cluster started by `ray start --head` (it used
    to pass object_store_memory, which Ray refuses then) and compares as the local launcher."""
    env = _ray_env()
    args = ("-m", "reform=baseline,one_door", "seed=range(3)", *TINY)
    on_ray = work / "ray"
    proc = pilotsim(*args, f"hydra.sweep.dir={on_ray}", "hydra/launcher=ray_cluster",
                    f"hydra.launcher.ray.init.address={ray_head}",
                    cwd=work, env=env, timeout=400)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Connecting to existing Ray cluster" in proc.stdout + proc.stderr
    for arm in ("baseline", "one_door"):
        for seed in range(3):
            meta = metadata(on_ray / arm / f"seed{seed}")
            assert meta["status"] == "complete" and meta["seed"] == seed
    info = json.loads((on_ray / "sweep.json").read_text())
    assert info["launcher"].endswith("RayLauncher")
    rows = [json.loads(x) for x in (on_ray / "progress.jsonl").read_text().splitlines()]
    assert len(rows) == 6 and info["attempts"][0]["pid"] not in {r["pid"] for r in rows}
    # progress reaches the console one line per milestone, not "[repeated 5x across cluster]"
    assert "runs 6/6 done" in proc.stdout + proc.stderr
    assert "repeated" not in proc.stdout + proc.stderr

    local = work / "local"
    proc = pilotsim(*args, f"hydra.sweep.dir={local}", cwd=work, env=env, timeout=400)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert (on_ray / "comparison" / "comparison.csv").read_bytes() == \
        (local / "comparison" / "comparison.csv").read_bytes()


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
    # the jobs' own output stays in .submitit/; the launching process echoes the progress
    assert "runs 2/2 done" in proc.stdout + proc.stderr
