"""Helpers for the sweep tests: the real ``pilotsim`` command in a subprocess, tiny runs, and a
failure or hang injected into chosen seeds without any hook in the package.

Injection: a ``sitecustomize.py`` written into a temporary folder on ``PYTHONPATH`` wraps
``PilotModel.run`` in every Python process of the sweep (the launcher's workers inherit the
environment), raising for some seeds or sleeping for others.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

# Small enough that a run takes a fraction of a second; big enough to have cases.
TINY = ("sim.days=20", "sim.sample_fraction=0.05")
PILOTSIM = Path(sys.executable).with_name("pilotsim")

INJECT = '''\
import time
from pilotsim.sim.model import PilotModel

_run = PilotModel.run


def run(self):
    if self.spec.seed in {fail}:
        raise RuntimeError("injected failure for seed %d" % self.spec.seed)
    if self.spec.seed in {hang}:
        time.sleep(300)
    return _run(self)


PilotModel.run = run
'''


def pilotsim(*args: str, cwd: Path, env: dict | None = None, timeout: float = 120,
             **kwargs) -> subprocess.CompletedProcess:
    """Run the installed ``pilotsim`` command; stdout and stderr captured as text."""
    return subprocess.run([str(PILOTSIM), *args], cwd=cwd, env=env or dict(os.environ),
                          capture_output=True, text=True, timeout=timeout, check=False,
                          **kwargs)


def injected_env(folder: Path, fail: set[int] = frozenset(), hang: set[int] = frozenset()) -> dict:
    """An environment whose Python processes fail or hang the runs of the given seeds."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "sitecustomize.py").write_text(
        INJECT.format(fail=set(fail) or "()", hang=set(hang) or "()"))
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(folder), env.get("PYTHONPATH")) if p)
    return env


def metadata(folder: Path) -> dict:
    return json.loads((folder / "metadata.json").read_text())


@pytest.fixture
def work(tmp_path: Path) -> Path:
    """A working directory for the command (its results/ stays inside the test's tmp)."""
    d = tmp_path / "work"
    d.mkdir()
    return d
