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
