"""Bad uncertainty declarations stop a world sweep before any run, naming the key."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.sweeps.conftest import TINY, metadata, pilotsim


@pytest.mark.parametrize(("override", "message"), [
    ("uncertainty.samples=3",
     "uncertainty.samples = 3: expected a power of 2"),
    ("+uncertainty.parameters.patience={dist:uniform,low:1,high:0,reason:x}",
     "uncertainty.parameters.patience.high = 0: expected a number above low = 1 "
     "(an empty range)"),
    ("+uncertainty.parameters.wrong_office={dist:uniform,low:0,high:1,reason:x}",
     "uncertainty.parameters.wrong_office = 'wrong_office': expected a key of the run's config"),
])
def test_bad_uncertainty_stops_the_sweep_before_any_run(tmp_path: Path, override: str,
                                                        message: str) -> None:
    sweep = tmp_path / "sweep"
    design = ["uncertainty.design=sobol"] if "samples" in override else []
    proc = pilotsim("+experiment=robustness", *design, override, f"hydra.sweep.dir={sweep}",
                    cwd=tmp_path)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert message in proc.stderr
    assert not list(sweep.rglob("metadata.json"))


def test_a_world_sweep_runs_every_arm_in_every_world_and_resumes(work: Path) -> None:
    sweep = work / "sweep"
    args = ("+experiment=robustness", "uncertainty.design=lhs", "uncertainty.samples=3",
            "reform=baseline,one_door", "seed=range(1)", *TINY, f"hydra.sweep.dir={sweep}")
    proc = pilotsim(*args, cwd=work, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    folders = sorted(p.parent for p in sweep.rglob("metadata.json"))
    assert len(folders) == 6                                  # 2 arms × 3 worlds × 1 seed
    metas = [metadata(f) for f in folders]
    assert {(m["arm"], m["world"]["id"]) for m in metas} == {
        (a, w) for a in ("baseline", "one_door") for w in range(3)}
    for m in metas:                        # the run used, and recorded, its world's values
        value = m["world"]["values"]["behaviour.knowledge.wrong_office"]
        assert m["config"]["behaviour"]["knowledge"]["wrong_office"] == value
    report = sweep / "comparison" / "robustness.html"
    assert report.is_file() and "P(best)" in report.read_text()
    assert (sweep / "comparison" / "robustness.csv").is_file()
    again = pilotsim(*args, cwd=work, timeout=300)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "6 already complete and skipped" in again.stdout + again.stderr


@pytest.mark.ray
def test_the_world_sweep_runs_unchanged_on_ray(work: Path) -> None:
    pytest.importorskip("ray", reason="ray is not installed (the 'ray' extra)")
    pytest.importorskip("hydra_plugins.hydra_ray_launcher",
                        reason="hydra-ray-launcher is not installed (the 'ray' extra)")
    sweep = work / "sweep"
    env = dict(os.environ, RAY_USAGE_STATS_ENABLED="0")
    proc = pilotsim("+experiment=robustness", "uncertainty.design=lhs", "uncertainty.samples=2",
                    "reform=baseline,one_door", "seed=range(1)", *TINY,
                    f"hydra.sweep.dir={sweep}", "hydra/launcher=ray_cluster",
                    "hydra.launcher.ray.init.address=local",
                    "+hydra.launcher.ray.init.num_cpus=2",
                    "+hydra.launcher.ray.init._node_ip_address=127.0.0.1",
                    cwd=work, env=env, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    worlds = {metadata(f.parent)["world"]["id"] for f in sweep.rglob("metadata.json")}
    assert worlds == {0, 1}
    assert (sweep / "comparison" / "robustness.html").is_file()
