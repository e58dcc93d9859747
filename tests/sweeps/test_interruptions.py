"""Interruptions and faults, through the real command: Ctrl-C, SIGTERM, a killed parent, two
sweeps at once, a run folder that cannot be written, a full disk. What the launching process
alone decides after the fault (a refused second sweep, a resume) runs the command's entry point
in this process (the ``pilotsim_main`` fixture).

Runs that must still be running when the signal comes hang on purpose (``injected_env``); every
wait is bounded, and every process a test starts is stopped by its pid.
"""

from __future__ import annotations

import json
import os
import shlex
import signal
import subprocess
import time
from pathlib import Path

import pytest

from pilotsim.app.sweeps import callback, lock
from pilotsim.app.sweeps.__main__ import status_lines
from pilotsim.sim import runfolder
from tests.sweeps.conftest import PILOTSIM, TINY, injected_env, metadata, pilotsim

TWO_ARMS = ("reform=baseline,one_door",)


def _start(*args: str, cwd: Path, env: dict) -> subprocess.Popen:
    # A session of its own, as a terminal gives a command: Ctrl-C goes to the whole group.
    # A command started from a terminal also has Ctrl-C at its default action; a test run
    # started in the background (`pytest &` in a script) ignores SIGINT, and an ignored signal
    # stays ignored across exec, so the command would never see the Ctrl-C. Give it the
    # terminal's default for the moment of the fork.
    ignored = signal.getsignal(signal.SIGINT) == signal.SIG_IGN
    if ignored:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        return subprocess.Popen([str(PILOTSIM), *args], cwd=cwd, env=env, text=True,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                start_new_session=True)
    finally:
        if ignored:
            signal.signal(signal.SIGINT, signal.SIG_IGN)


def _wait_for(predicate, timeout: float = 180, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.3)


def _running(sweep: Path, n: int) -> bool:
    found = [p for p in sweep.glob("*/seed*/metadata.json")
             if json.loads(p.read_text()).get("status") == "running"] if sweep.exists() else []
    return len(found) >= n


def _all_running(folders: list[Path]) -> bool:
    return all((f / "metadata.json").exists() and metadata(f)["status"] == "running"
               for f in folders)


def _children(pid: int) -> set[int]:
    out = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rpartition(")")[2].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            out.add(int(stat.parent.name))
    return out


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rpartition(")")[2].split()[0] != "Z"


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)


@pytest.fixture
def hang(work: Path) -> dict:
    """An environment in which seeds 2 and 3 hang (300 s) inside their run."""
    return injected_env(work / "inject", hang={2, 3})


def _planned(*args, **kwargs):
    raise AssertionError("a sweep into a folder in use was planned before it was refused")


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_signal_stops_the_sweep_and_says_how_to_resume(work, sig, pilotsim_main, capsys,
                                                         monkeypatch):
    # Seed 1 hangs: two workers run baseline/seed0, one_door/seed0 and the two seed-1 runs
    # in the order given; once both seed-1 runs are running, both workers are stuck in them
    # and the seed-0 runs are complete. The signal then comes at a known state: waiting for
    # "any two runs running" could signal while a seed-0 run was about to end, and that run
    # then ended 'complete' (honestly: it finished before the launcher stopped its worker).
    sweep = work / "sweep"
    hanging = [sweep / arm / "seed1" for arm in ("baseline", "one_door")]
    # No comparison: the interrupted sweep never reaches it, and the resume's is any sweep's
    # end (the resume command carries the setting, as it carries every override).
    args = ("-m", *TWO_ARMS, "seed=0,1", *TINY, f"hydra.sweep.dir={sweep}",
            "hydra.launcher.n_jobs=2", "hydra.callbacks.pilotsim_sweep.compare=false")
    proc = _start(*args, cwd=work, env=injected_env(work / "inject", hang={1}))
    try:
        _wait_for(lambda: _all_running(hanging), what="the two hanging runs")
        workers = _children(proc.pid)
        if sig == signal.SIGTERM:  # once is enough: a second sweep into the folder is refused
            # (the refusal is the launching process's: the command's entry point in this
            # process, another process than the running sweep's)
            monkeypatch.chdir(work)
            # ... before planning: composing and validating every point is seconds of work
            monkeypatch.setattr(callback, "plan_sweep", _planned)
            code = pilotsim_main(*args)
            second = capsys.readouterr()
            assert code == 2, second.out + second.err
            assert "in use by another sweep" in second.err
            assert f"pid {proc.pid}" in second.err
            assert "Traceback" not in second.out + second.err
            assert _all_running(hanging)  # and it touched none of the first one's runs
        if sig == signal.SIGINT:
            os.killpg(proc.pid, sig)  # Ctrl-C: the terminal signals the whole group
        else:
            os.kill(proc.pid, sig)  # kill PID: the sweep's process alone
        out, err = proc.communicate(timeout=90)
    finally:
        _stop(proc)
    assert proc.returncode == 128 + sig, out + err
    assert "Traceback" not in out + err
    assert f"sweep interrupted ({sig.name}): 2 of 4 runs complete" in err
    command = err.strip().splitlines()[-1].strip()
    assert command.startswith("pilotsim -m") and f"hydra.sweep.dir={sweep}" in command
    _wait_for(lambda: not any(_alive(w) for w in workers), timeout=30, what="workers to end")
    statuses = {str(p.parent.relative_to(sweep)): metadata(p.parent)["status"]
                for p in sweep.glob("*/seed*/metadata.json")}
    assert statuses == {"baseline/seed0": "complete", "one_door/seed0": "complete",
                        "baseline/seed1": "interrupted", "one_door/seed1": "interrupted"}
    assert "interrupted" in "\n".join(status_lines(sweep))
    assert not lock.in_use(sweep)  # the sweep's end released the folder
    if sig != signal.SIGINT:
        return  # resuming is the same after either signal: once is enough

    # the printed command resumes: the complete runs are kept, the interrupted ones run again
    # (the command's entry point in this process; its runs in its launcher's workers)
    before = {p: p.stat().st_mtime_ns for p in sweep.glob("*/seed0/*.parquet")}
    monkeypatch.chdir(work)
    code = pilotsim_main(*shlex.split(command)[1:])
    resumed = capsys.readouterr()
    assert code == 0, resumed.out + resumed.err
    assert all(metadata(sweep / a / f"seed{s}")["status"] == "complete"
               for a in ("baseline", "one_door") for s in range(2))
    assert len(before) == 6  # three tables in each of the two complete runs
    assert {p: p.stat().st_mtime_ns for p in before} == before
    attempts = json.loads((sweep / "sweep.json").read_text())["attempts"]
    assert [a["counts"]["complete"] for a in attempts] == [2, 4]


def test_workers_stop_with_a_killed_sweep_and_the_sweep_reads_interrupted(work, hang):
    sweep = work / "sweep"
    proc = _start("-m", "seed=2,3", *TINY, f"hydra.sweep.dir={sweep}",
                  "hydra.launcher.n_jobs=2", cwd=work, env=hang)
    try:
        _wait_for(lambda: _running(sweep, 2), what="two hanging runs")
        workers = _children(proc.pid)
        os.kill(proc.pid, signal.SIGKILL)  # nothing of the sweep's process runs any more
        proc.wait(timeout=30)
        # the hanging runs would go on for 300 s; their workers see their parent gone
        _wait_for(lambda: not any(_alive(w) for w in workers
                                  if "popen_loky" in _cmdline(w)), timeout=30,
                  what="orphaned workers to end")
    finally:
        _stop(proc)
    for seed in (2, 3):
        meta = metadata(sweep / "baseline" / f"seed{seed}")
        assert meta["status"] == "interrupted", meta["status"]
    lines = "\n".join(status_lines(sweep))
    assert "was interrupted" in lines and "ETA" not in lines


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_text().replace("\0", " ")
    except OSError:
        return ""


def test_a_run_left_running_by_a_dead_process_reads_interrupted(tmp_path):
    folder = tmp_path / "run"
    folder.mkdir()
    child = subprocess.Popen(["true"])  # a pid that has certainly ended
    child.wait()
    runfolder.write_metadata(folder, {"status": "running", **runfolder.process_fields(),
                                      "pid": child.pid})
    assert runfolder.status(runfolder.read_metadata(folder)) == "interrupted"
    runfolder.write_metadata(folder, {"status": "running", **runfolder.process_fields()})
    assert runfolder.status(runfolder.read_metadata(folder)) == "running"  # this very process
    runfolder.write_metadata(folder, {"status": "running", "host": "elsewhere", "pid": 1})
    assert runfolder.status(runfolder.read_metadata(folder)) == "running"  # cannot tell


def test_a_single_run_interrupted_says_so(work):
    env = injected_env(work / "inject", hang={0})
    out_dir = work / "run"
    proc = _start(*TINY, f"hydra.run.dir={out_dir}", cwd=work, env=env)
    try:
        _wait_for(lambda: (out_dir / "metadata.json").exists()
                  and metadata(out_dir)["status"] == "running", what="the run to start")
        os.killpg(proc.pid, signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    finally:
        _stop(proc)
    assert proc.returncode == 130, out + err
    assert "Traceback" not in out + err and "run interrupted (SIGINT)" in err
    assert metadata(out_dir)["status"] == "interrupted"
    assert not list(out_dir.glob(".*.tmp"))


def test_a_sweep_of_another_config_into_the_same_folder_is_refused(work, pilotsim_main, capsys,
                                                                   monkeypatch):
    # The refusal is the launching process's (the plan against the folder): one seed, and
    # the runs in that process (n_jobs=1), are enough; so is the command's entry point in
    # this process (the pilotsim_main fixture).
    monkeypatch.chdir(work)
    sweep = work / "sweep"
    same = ("hydra.launcher.n_jobs=1", "hydra.callbacks.pilotsim_sweep.compare=false")
    code = pilotsim_main("-m", *TWO_ARMS, "seed=0", *TINY, f"hydra.sweep.dir={sweep}", *same)
    first = capsys.readouterr()
    assert code == 0, first.out + first.err
    code = pilotsim_main("-m", *TWO_ARMS, "seed=1", "sim.days=21", "sim.sample_fraction=0.05",
                         f"hydra.sweep.dir={sweep}", *same)
    other = capsys.readouterr()
    assert code == 2, other.out + other.err
    assert "first at sim.days" in other.err and "Traceback" not in other.err
    assert not (sweep / "baseline" / "seed1").exists()
    # more seeds of the same config: the folder's purpose
    code = pilotsim_main("-m", *TWO_ARMS, "seed=1", *TINY, f"hydra.sweep.dir={sweep}", *same)
    more = capsys.readouterr()
    assert code == 0, more.out + more.err
    assert metadata(sweep / "one_door" / "seed1")["status"] == "complete"


FULL_DISK = '''\
import errno
import os
from pilotsim.sim import runfolder

_table, _meta = runfolder.write_table, runfolder.write_metadata


def _full(path):
    return OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))


def write_table(folder, name, df):
    if "baseline/seed1" in str(folder):
        (folder / f".{name}.parquet.{os.getpid()}.half.tmp").write_bytes(b"PAR1")
        raise _full(folder / name)
    return _table(folder, name, df)


def write_metadata(folder, meta):
    if "baseline/seed1" in str(folder) and meta.get("status") != "running":
        raise _full(folder / "metadata.json")
    return _meta(folder, meta)


runfolder.write_table, runfolder.write_metadata = write_table, write_metadata
'''


def test_an_unwritable_folder_and_a_full_disk_fail_their_runs_only(work):
    """One sweep, two faults, each in one run: one_door/seed1's folder cannot be made (a file
    stands there), and the disk is full for baseline/seed1 (a stubbed writer: its tables,
    then its failed status; the stub's own half-written temporary file stands for the one a
    real full disk leaves). The other runs complete and are compared."""
    sweep = work / "sweep"
    (sweep / "one_door").mkdir(parents=True)
    (sweep / "one_door" / "seed1").write_text("a file where the run folder should be")
    inject = work / "inject"
    inject.mkdir()
    (inject / "sitecustomize.py").write_text(FULL_DISK)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        p for p in (str(inject), os.environ.get("PYTHONPATH")) if p))
    proc = pilotsim("-m", *TWO_ARMS, "seed=0,1", *TINY, f"hydra.sweep.dir={sweep}",
                    "hydra.launcher.n_jobs=2", cwd=work, env=env, timeout=300)
    text = proc.stdout + proc.stderr
    assert proc.returncode == 1, text
    assert "Traceback" not in text
    assert "could not start" in text and "one_door/seed1" in text
    assert "2 complete, 2 failed" in text
    assert any("baseline/seed1" in line and "No space left on device" in line
               for line in text.splitlines()), text
    assert not list(sweep.rglob("*.tmp"))
    for seed0 in ("baseline", "one_door"):
        assert metadata(sweep / seed0 / "seed0")["status"] == "complete"
    assert (sweep / "comparison" / "comparison.csv").exists()
