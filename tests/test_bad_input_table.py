"""Every bad input a careful user tried stops before any run: exit 2, one line naming the key
(or the file and line), no traceback, nothing written.

The command runs in this process (the ``pilotsim_main`` fixture: ``pilotsim.app.cli.main`` with
the arguments on ``sys.argv``), in an empty folder that must stay empty; the single-run and the
sweep forms of a typo must name the same key. ``test_a_rejected_command_in_a_real_process``
runs a few through the installed command as a user would.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

BROKEN_YAML = "# @package _global_\nsim:\n  days: [1, 2\n"
OFFICE = "city.offices.east_civil_affairs"
STEP0 = "services.catalogue.elderly_allowance.steps.0"

# (arguments, what the one line must contain: the key, or the file and line)
SINGLE = [
    # Hydra composes nothing: an unknown option, key or override syntax
    (["reform=teleporter"], "reform = 'teleporter'"),
    (["pilot=nope"], "pilot = 'nope'"),
    (["+experiment=nope"], "experiment = 'nope'"),
    (["city=nowhere"], "city = 'nowhere'"),
    (["reform=[one_door,nope]"], "reform = 'nope'"),
    (["hydra/launcher=nope"], "hydra.launcher = 'nope'"),
    (["sim.dayz=10"], "sim.dayz = 10"),
    (["reform=one_door", "reform.one_door.wrong_offce_factor=1.5"],
     "reform.one_door.wrong_offce_factor = 1.5"),
    (["sim.days=[1,2"], "'sim.days=[1,2'"),
    (["sim.days"], "'sim.days'"),
    (["seed=${oops}"], "Interpolation key 'oops' not found"),
    (["--config-dir", "{conf}", "+experiment=broken"], "broken.yaml, line 4"),
    # the spec: types, ranges, unknown keys
    (["sim.days=abc"], "sim.days = 'abc'"),
    (["sim.days=-1"], "sim.days = -1"),
    (["sim.days=1.5"], "sim.days = 1.5"),
    (["sim.sample_fraction=0"], "sim.sample_fraction = 0"),
    (["seed=-1"], "seed = -1"),
    (["seed=abc"], "seed = 'abc'"),
    (["+sim.colour=red"], "sim.colour"),
    (["+output.colour=red"], "output.colour"),
    ([f"{OFFICE}.counters=0"], f"{OFFICE}.counters = 0"),
    ([f"{OFFICE}.error_rate=1.5"], f"{OFFICE}.error_rate = 1.5"),
    ([f"{OFFICE}.hours.mon=[25:00-26:00]"], f"{OFFICE}.hours.mon"),
    (["city.communities.east_01.population=-5"], "city.communities.east_01.population = -5"),
    (["reform=one_door", "reform.one_door.start_day=abc"], "reform.one_door.start_day = 'abc'"),
    (["pilot=random", "pilot.sites=-1"], "pilot.sites = -1"),
    # non-finite numbers: every numeric field is finite
    (["sim.sample_fraction=nan"], "sim.sample_fraction = nan"),
    (["services.catalogue.elderly_allowance.demand_per_year.elderly=inf"],
     "services.catalogue.elderly_allowance.demand_per_year.elderly = inf"),
    ([f"{OFFICE}.other_visits_per_day=inf"], f"{OFFICE}.other_visits_per_day = inf"),
    ([f"{STEP0}.service_time.mean=inf"],
     "services.catalogue.elderly_allowance.steps[0].service_time.mean = inf"),
    (["city.communities.east_01.location=[nan,1.0]"],
     "city.communities.east_01.location[0] = nan"),
    (["behaviour.profiles.elderly.mobility=inf"], "behaviour.profiles.elderly.mobility = inf"),
    (["city.travel.overhead_min=inf"], "city.travel.overhead_min = inf"),
    (["behaviour.satisfaction.loss_aversion=-inf"],
     "behaviour.satisfaction.loss_aversion = -inf"),
    (["reform=one_door", "reform.one_door.start_day=inf"], "reform.one_door.start_day = inf"),
    # booleans are booleans
    (["output.write=maybe"], "output.write = 'maybe'"),
    (["output.summary=1"], "output.summary = 1"),
    (["reform=one_door", "reform.one_door.wait_info=maybe"],
     "reform.one_door.wait_info = 'maybe'"),
    (["behaviour.abandonment.enabled=yes"], "behaviour.abandonment.enabled = 'yes'"),
    # the arm label is one folder name
    (["arm=../../outside"], "arm = '../../outside'"),
    (["arm=a/b"], "arm = 'a/b'"),
    (["arm=.hidden"], "arm = '.hidden'"),
    # a district or catalogue from files: named by the key that points at the folder
    (["city=from_files"], "city.path = '???'"),
    (["city=from_files", "city.path=nowhere"], "city.path = 'nowhere'"),
    (["services=from_files", "services.path=nowhere"], "services.path = 'nowhere'"),
]

SWEEP = [  # the same mistakes in a sweep: the same key named
    (["-m", "reform=baseline,teleporter"], "reform = 'teleporter'"),
    (["-m", "seed=0,1", "sim.dayz=10"], "sim.dayz = 10"),
    (["-m", "seed=0,1", "sim.days=[1,2"], "'sim.days=[1,2'"),
    (["-m", "seed=0,1", "reform=one_door", "reform.one_door.wrong_offce_factor=1.5"],
     "reform.one_door.wrong_offce_factor = 1.5"),
    (["-m", "seed=0,1", "sim.days=abc"], "sim.days = 'abc'"),
    (["-m", "seed=0,1", "output.write=maybe"], "output.write = 'maybe'"),
    (["-m", "seed=0,1", "services.catalogue.elderly_allowance.demand_per_year.elderly=inf"],
     "services.catalogue.elderly_allowance.demand_per_year.elderly = inf"),
    (["-m", "seed=0,1", "arm=../../outside"], "arm = '../../outside'"),
    (["-m", "seed=0,1", "city=from_files"], "city.path = '???'"),
    (["-m", "--config-dir", "{conf}", "+experiment=broken"], "broken.yaml, line 4"),
]

TABLE = [*SINGLE, *SWEEP]


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty working folder (results/ would go here), a config folder beside it."""
    conf = tmp_path / "conf" / "experiment"
    conf.mkdir(parents=True)
    (conf / "broken.yaml").write_text(BROKEN_YAML)
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    return work


@pytest.mark.parametrize(("args", "named"), TABLE, ids=[" ".join(a) for a, _ in TABLE])
def test_bad_input_stops_with_exit_2_naming_the_key(args, named, workdir, capsys,
                                                   pilotsim_main):
    conf = workdir.parent / "conf"
    code = pilotsim_main(*(a.replace("{conf}", str(conf)) for a in args))
    out = capsys.readouterr()
    lines = [x for x in out.err.splitlines() if x.strip()]
    assert code == 2, out.err + out.out
    assert len(lines) == 1, out.err
    assert lines[0].startswith("pilotsim: invalid config: "), lines[0]
    assert named in lines[0], lines[0]
    assert "expected" in lines[0]
    assert "Traceback" not in out.err + out.out
    assert list(workdir.rglob("*")) == []  # no run folder, no sweep folder


def test_the_table_covers_forty_inputs():
    assert len(TABLE) >= 40
    assert len({" ".join(a) for a, _ in TABLE}) == len(TABLE)


def test_a_rejected_command_in_a_real_process(tmp_path):
    pilotsim = Path(sys.executable).with_name("pilotsim")
    for args, named in (["reform=teleporter"], "reform = 'teleporter'"), \
            (["sim.days=inf"], "sim.days = inf"), \
            (["-m", "seed=0,1", "sim.dayz=10"], "sim.dayz = 10"):
        proc = subprocess.run([str(pilotsim), *args], cwd=tmp_path, capture_output=True,
                              text=True, timeout=120, check=False)
        assert proc.returncode == 2, proc.stderr
        assert proc.stderr.strip().splitlines() == [
            line for line in proc.stderr.strip().splitlines() if named in line]
    assert list(tmp_path.rglob("*")) == []


def test_a_run_into_a_folder_holding_a_run_keeps_that_run(tmp_path, pilotsim_main, capsys):
    folder = tmp_path / "run"
    assert pilotsim_main("sim.days=2", "output.summary=false", f"hydra.run.dir={folder}") == 0
    before = {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()}
    assert (folder / ".hydra" / "config.yaml") in before and (folder / "cases.parquet") in before
    capsys.readouterr()
    # the same folder again (an explicit dir twice; the default name is to the second)
    assert pilotsim_main("sim.days=2", "seed=5", f"hydra.run.dir={folder}") == 2
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert f"hydra.run.dir = '{folder}' already holds a complete run" in line
    assert "seed 0" in line and "Traceback" not in line
    assert {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()} == before
    # a failed run's folder is run again, as a sweep reruns it
    meta = folder / "metadata.json"
    meta.write_text(meta.read_text().replace('"status": "complete"', '"status": "failed"'))
    assert pilotsim_main("sim.days=2", "seed=5", "output.summary=false",
                         f"hydra.run.dir={folder}") == 0
    assert '"seed": 5' in meta.read_text()
