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
                                                        message: str, pilotsim_main, capsys,
                                                        monkeypatch) -> None:
    # In this process (the command's own entry point); tests/test_bad_input_table.py runs
    # rejected commands as real processes.
    monkeypatch.chdir(tmp_path)
    sweep = tmp_path / "sweep"
    design = ["uncertainty.design=sobol"] if "samples" in override else []
    code = pilotsim_main("+experiment=robustness", *design, override,
                         f"hydra.sweep.dir={sweep}")
    err = capsys.readouterr().err
    assert code == 2, err
    assert message in err and "Traceback" not in err
    assert not list(sweep.rglob("metadata.json"))


def test_a_world_sweep_runs_every_arm_in_every_world_and_resumes(work: Path, pilotsim_main,
                                                                 capsys, monkeypatch) -> None:
    sweep = work / "sweep"
    args = ("+experiment=robustness", "uncertainty.design=lhs", "uncertainty.samples=2",
            "reform=baseline,one_door", "seed=range(1)", *TINY, f"hydra.sweep.dir={sweep}")
    proc = pilotsim(*args, cwd=work, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    folders = sorted(p.parent for p in sweep.rglob("metadata.json"))
    assert len(folders) == 4                                  # 2 arms × 2 worlds × 1 seed
    metas = [metadata(f) for f in folders]
    assert {(m["arm"], m["world"]["id"]) for m in metas} == {
        (a, w) for a in ("baseline", "one_door") for w in range(2)}
    assert len({m["world"]["values"]["behaviour.knowledge.wrong_office"] for m in metas}) == 2
    for m in metas:                        # the run used, and recorded, its world's values
        value = m["world"]["values"]["behaviour.knowledge.wrong_office"]
        assert m["config"]["behaviour"]["knowledge"]["wrong_office"] == value
    report = sweep / "comparison" / "robustness.html"
    assert report.is_file() and "P(best)" in report.read_text()
    assert (sweep / "comparison" / "robustness.csv").is_file()
    # the same sweep again skips every run (its comparison, the same as above, left out): the
    # plan is the launching process's, so in this process, its jobs too (one job at a time)
    monkeypatch.chdir(work)
    code = pilotsim_main(*args, "hydra.callbacks.pilotsim_sweep.compare=false",
                         "hydra.launcher.n_jobs=1")
    again = capsys.readouterr()
    assert code == 0, again.out + again.err
    assert "4 already complete and skipped" in again.out + again.err
    assert all(metadata(f)["status"] == "complete" for f in folders)
    assert [metadata(f)["finished_at"] for f in folders] == [m["finished_at"] for m in metas]


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
