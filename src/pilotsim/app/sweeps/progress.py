"""Progress of a sweep: runs done / total and an ETA, in a bounded number of log lines.

Jobs end in worker processes (joblib's loky workers, Ray workers, Slurm nodes), so no single
process sees every job finish. Each job therefore appends one JSON line to
``<sweep dir>/progress.jsonl`` when it ends, under an exclusive ``flock``, and reads back how
many runs of the current attempt have ended before it; that count is unique per job, so exactly
one job prints each milestone. A sweep of N runs prints at most ``lines + 1`` progress lines
(every ``ceil(N / lines)`` runs, and the last) however large N is; a failed run also logs one
error line of its own.

The same file answers "how far is it?" from outside, e.g. on a cluster where the workers' logs
are scattered: ``python -m pilotsim.app.sweeps <sweep dir>``.

``flock`` is exact on a local file system; on NFS it is advisory and may be ignored, in which
case two jobs can print the same count (the record itself stays one line per job, since each
line is written with a single ``O_APPEND`` write).
"""

from __future__ import annotations

import fcntl
import json
import math
import os
import socket
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PROGRESS_FILE = "progress.jsonl"


@dataclass(frozen=True)
class Tick:
    """What one ended job learns about its sweep's attempt.

    Attributes:
        ran: Runs of this attempt that have ended (run, not skipped), this one included.
        failed: Of those, the failed ones.
        skipped: Jobs of this attempt that found their run already complete.
    """

    ran: int
    failed: int
    skipped: int


def record(sweep_dir: Path, attempt: str, outcome: dict[str, Any]) -> Tick:
    """Append one job's outcome to the progress file and count the attempt's ended jobs.

    Args:
        sweep_dir: The sweep folder.
        attempt: Identifies the current invocation of the sweep (its start time).
        outcome: The job's outcome (:func:`pilotsim.app.sweeps.job.run_point`).

    Returns:
        The counts of this attempt, including this job.
    """
    row = {"attempt": attempt, "at": time.time(), "host": socket.gethostname(), "pid": os.getpid(),
           **outcome}
    line = json.dumps(row, default=str) + "\n"
    path = Path(sweep_dir) / PROGRESS_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        os.write(fd, line.encode())
        with os.fdopen(os.dup(fd), "r") as f:
            f.seek(0)
            rows = [json.loads(x) for x in f if x.strip()]
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)
    return count(rows, attempt)


def count(rows: list[dict[str, Any]], attempt: str) -> Tick:
    """Count the rows of one attempt by status."""
    mine = [r for r in rows if r.get("attempt") == attempt]
    skipped = sum(r.get("status") == "skipped" for r in mine)
    failed = sum(r.get("status") == "failed" for r in mine)
    return Tick(ran=len(mine) - skipped, failed=failed, skipped=skipped)


def read(sweep_dir: Path) -> list[dict[str, Any]]:
    """All rows of a sweep's progress file (every attempt), oldest first."""
    path = Path(sweep_dir) / PROGRESS_FILE
    if not path.exists():
        return []
    return [json.loads(x) for x in path.read_text().splitlines() if x.strip()]


def milestone_every(to_run: int, lines: int) -> int:
    """Print every this many runs so that a sweep of ``to_run`` prints about ``lines`` lines."""
    return max(1, math.ceil(to_run / max(1, lines)))


def should_print(tick: Tick, to_run: int, lines: int) -> bool:
    """Whether the job that produced ``tick`` prints a progress line (a milestone or the end)."""
    return tick.ran == to_run or tick.ran % milestone_every(to_run, lines) == 0


def eta_seconds(ran: int, to_run: int, elapsed: float) -> float | None:
    """Seconds left at the attempt's average rate so far (None before the first run ends)."""
    if ran <= 0 or elapsed <= 0:
        return None
    return max(0, to_run - ran) * elapsed / ran


def format_duration(seconds: float | None) -> str:
    """``1h02m``, ``3m05s``, ``42s``; ``?`` when unknown."""
    if seconds is None:
        return "?"
    s = round(seconds)
    if s >= 3600:
        return f"{s // 3600}h{s % 3600 // 60:02d}m"
    if s >= 60:
        return f"{s // 60}m{s % 60:02d}s"
    return f"{s}s"


def line(tick: Tick, to_run: int, elapsed: float) -> str:
    """One progress line: ``runs 12/40 done (1 failed), 0m31s elapsed, ETA 1m12s``."""
    failed = f" ({tick.failed} failed)" if tick.failed else ""
    eta = eta_seconds(tick.ran, to_run, elapsed)
    return (f"runs {tick.ran}/{to_run} done{failed}, {format_duration(elapsed)} elapsed, "
            f"ETA {format_duration(eta)}")


class Echo:
    """Print an attempt's milestones in the launching process, read from the progress file.

    For launchers whose workers' output never reaches the console: submitit writes each
    job's output to ``.submitit/<job>_log.out`` on the node that ran it. A background thread
    polls the progress file every ``every`` seconds and logs the same milestone lines a
    worker would (:func:`should_print`), until :meth:`stop`.
    """

    def __init__(self, sweep_dir: Path, attempt: str, to_run: int, lines: int,
                 started: float, log: Any, every: float = 2.0) -> None:
        self.sweep_dir, self.attempt, self.to_run, self.lines = sweep_dir, attempt, to_run, lines
        self.started, self.log, self.every = started, log, every
        self._shown = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="pilotsim-progress", daemon=True)

    def start(self) -> Echo:
        """Start polling."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Print what is left and stop polling."""
        self._stop.set()
        self._thread.join(timeout=10)

    def _loop(self) -> None:
        while not self._stop.wait(self.every):
            self._echo()
        self._echo()

    def _echo(self) -> None:
        try:
            rows = [r for r in read(self.sweep_dir)
                    if r.get("attempt") == self.attempt and r.get("status") != "skipped"]
        except (OSError, ValueError):  # a line being appended right now: next time
            return
        for ran in range(self._shown + 1, len(rows) + 1):
            done = rows[:ran]
            tick = Tick(ran=ran, failed=sum(r.get("status") == "failed" for r in done),
                        skipped=0)
            if should_print(tick, self.to_run, self.lines):
                at = float(done[-1].get("at") or time.time())
                self.log.info("pilotsim sweep: %s", line(tick, self.to_run, at - self.started))
        self._shown = max(self._shown, len(rows))
