"""A sweep's worker processes stop with the sweep.

Ctrl-C reaches every process of the terminal's process group: the sweep's launching process
and its worker processes (joblib's loky workers). If the workers reacted on their own, each
would print its own traceback while the launching process tears them down. So a worker
ignores SIGINT and leaves the interruption to the launching process, which stops the workers,
marks their runs ``interrupted`` and says how to resume (:mod:`pilotsim.app.cli`).

If the launching process is killed outright (``kill -9``, an out-of-memory kill), nothing
tears the workers down: loky's workers would finish the run in hand, minutes of work nobody
will read. Each worker therefore watches its parent; once the parent is gone, it marks the run
in hand ``interrupted`` and exits.
"""

from __future__ import annotations

import os
import signal
import threading
from pathlib import Path

from pilotsim.app.sweeps import lean_exit
from pilotsim.sim import runfolder

WATCH_SECONDS = 0.5

_state: dict[str, object] = {}


def set_up(launcher_pid: int | None) -> None:
    """Prepare the current job's process, if it is a worker of the sweep (once per process).

    Args:
        launcher_pid: The sweep's launching process; a job running in that very process
            (a sequential launcher) is left alone.
    """
    pid = os.getpid()
    if launcher_pid is None or pid == launcher_pid or _state.get("pid") == pid:
        return
    _state["pid"] = pid
    lean_exit.register()  # a worker's exit is waited for by the sweep's process
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    parent = os.getppid()
    threading.Thread(target=_watch, args=(parent,), name="pilotsim-parent-watch",
                     daemon=True).start()


def running(folder: Path | None) -> None:
    """Tell the watcher which run folder this worker is writing (None: none)."""
    _state["folder"] = folder


def _watch(parent: int) -> None:
    event = threading.Event()
    while not event.wait(WATCH_SECONDS):
        if os.getppid() != parent:  # re-parented: the sweep's process is gone
            folder = _state.get("folder")
            if isinstance(folder, Path):
                runfolder.mark_interrupted(folder, "the sweep's process is gone")
                runfolder.remove_temp_files(folder)
            os._exit(1)
