"""One sweep at a time per sweep folder.

Two sweeps writing into the same folder would run the same points twice, overwrite each
other's runs and, with different configs, leave a mix that the comparison would pair. The
launching process of a sweep therefore holds an exclusive ``flock`` on ``<sweep dir>/.lock``
from its start to its end; a second sweep into the same folder stops at once (exit 2) and
names the holder. The lock is the kernel's: it goes with the process however that ends (a
crash, ``kill -9``), so a stale lock file never blocks a resumed sweep. On a shared file system
(NFS v4) ``flock`` is forwarded to the server; where it is not, the lock is advisory only.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
from pathlib import Path
from typing import Any

from pilotsim.sim import runfolder

LOCK_FILE = ".lock"


class SweepLockedError(RuntimeError):
    """Another process holds the sweep folder (its ``holder``: pid, host, started_at)."""

    def __init__(self, sweep_dir: Path, holder: dict[str, Any]) -> None:
        self.sweep_dir, self.holder = sweep_dir, holder
        who = (f"pid {holder.get('pid', '?')} on {holder.get('host', '?')}, started "
               f"{holder.get('started_at', '?')}") if holder else "another process"
        super().__init__(f"{sweep_dir} is in use by another sweep ({who}); wait for it to "
                         "end, or give this sweep its own folder (hydra.sweep.dir=...)")


class SweepLock:
    """The exclusive lock of one sweep folder, held by the process that acquired it."""

    def __init__(self, sweep_dir: Path) -> None:
        self.path = Path(sweep_dir) / LOCK_FILE
        self._fd: int | None = None

    def acquire(self) -> None:
        """Take the lock or raise :class:`SweepLockedError` (never waits)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise SweepLockedError(self.path.parent, holder(self.path.parent)) from None
        os.ftruncate(fd, 0)
        os.write(fd, json.dumps({**runfolder.process_fields(),
                                 "started_at": runfolder.now_iso()}).encode())
        self._fd = fd

    def release(self) -> None:
        """Let the folder go (the kernel does it too when the process ends)."""
        if self._fd is not None:
            with contextlib.suppress(OSError):
                fcntl.flock(self._fd, fcntl.LOCK_UN)
                os.close(self._fd)
            self._fd = None


def holder(sweep_dir: Path) -> dict[str, Any]:
    """Who last took the folder's lock (pid, host, started_at); empty if unknown."""
    try:
        data = json.loads((Path(sweep_dir) / LOCK_FILE).read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def in_use(sweep_dir: Path) -> bool:
    """Whether a sweep is running in ``sweep_dir`` now (some process holds its lock)."""
    path = Path(sweep_dir) / LOCK_FILE
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)  # closing drops a lock we just took
    return False
