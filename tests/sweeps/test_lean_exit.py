"""A sweep process's lean exit still finalises the garbage the process left behind."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

CODE = '''
import gc, sys
gc.disable()  # nothing collects the cycle before exit but the exit handler
from pilotsim.app.sweeps import lean_exit

class Holder:
    def __del__(self):
        with open(sys.argv[1], "w") as f:
            f.write("finalised")

h = Holder()
h.me = h  # a reference cycle: only a collection finalises it
del h
lean_exit.register()
lean_exit.register()  # once per process
'''


def test_garbage_left_at_exit_is_still_finalised(tmp_path: Path) -> None:
    out = tmp_path / "out.txt"
    proc = subprocess.run([sys.executable, "-c", CODE, str(out)], capture_output=True,
                          text=True, timeout=60, check=False)
    assert proc.returncode == 0, proc.stderr
    assert out.read_text() == "finalised"


FREEZE_ONLY = '''
import atexit, gc, sys
gc.disable()
from pilotsim.app.sweeps import lean_exit

class Holder:
    def __del__(self):
        print("finalised")

atexit.register(lambda: print("frozen", gc.get_freeze_count() > 0))  # runs after lean_exit's
h = Holder()
h.me = h
del h
lean_exit.register(collect=False)  # a single run's exit: no collection, the heap frozen
lean_exit.register()  # the first call decides
'''


def test_a_single_runs_exit_freezes_without_collecting() -> None:
    proc = subprocess.run([sys.executable, "-c", FREEZE_ONLY], capture_output=True, text=True,
                          timeout=60, check=False)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split("\n")[0] == "frozen True"
    assert "finalised" not in proc.stdout  # the cycle was never collected: the exit's saving
