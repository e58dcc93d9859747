"""``python -m pilotsim.app.sweeps SWEEP_DIR``: how far a sweep has come, from its files alone.

Useful where the sweep's own log is out of reach (a cluster's scattered job logs): it reads
``sweep.json`` (the points) and each run folder's ``metadata.json`` (their status), and the
progress file for the current attempt's elapsed time and ETA.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import datetime
from pathlib import Path

from pilotsim.app.sweeps import lock, progress, provenance
from pilotsim.sim import runfolder


def status_lines(sweep_dir: Path) -> list[str]:
    """The status report of a sweep folder, as lines of text."""
    data = provenance.read(sweep_dir)
    if data is None:
        return [f"{sweep_dir}: no sweep.json (not a pilotsim sweep folder, or not started)"]
    points = data.get("points") or []
    counts: dict[str, int] = {}
    for p in points:
        meta = runfolder.read_metadata(sweep_dir / p["folder"])
        status = runfolder.status(meta)
        if status == "complete" and meta.get("config_hash") != p.get("config_hash"):
            status = "complete for another config"
        counts[status] = counts.get(status, 0) + 1
    total = data.get("total")
    lines = [f"{sweep_dir}: {total} runs; " + ", ".join(f"{n} {s}" for s, n in counts.items())]
    attempts = data.get("attempts") or []
    if attempts:
        last = attempts[-1]
        tick = progress.count(progress.read(sweep_dir), last["started_at"])
        to_run = (total or 0) - last.get("already_complete", 0)
        reason = str((last.get("comparison") or {}).get("reason", ""))
        if "finished_at" in last and reason.startswith("interrupted"):
            lines.append(f"attempt {len(attempts)} {reason} at {last['finished_at']}; resume "
                         f"it by running the same sweep with hydra.sweep.dir="
                         f"{sweep_dir.resolve()}")
        elif "finished_at" in last:
            lines.append(f"attempt {len(attempts)} finished at {last['finished_at']}")
        elif not lock.in_use(sweep_dir):
            # Nobody holds the folder's lock: the launching process is gone without closing
            # its attempt (killed, or its machine went down).
            lines.append(f"attempt {len(attempts)} (started {last['started_at']} on "
                         f"{last.get('host', '?')}, pid {last.get('pid', '?')}) was interrupted: "
                         f"{tick.ran} of {to_run} runs ended; resume it by running the same "
                         f"sweep with hydra.sweep.dir={sweep_dir.resolve()}")
        else:
            started = datetime.fromisoformat(last["started_at"]).timestamp()
            lines.append(f"attempt {len(attempts)}: "
                         + progress.line(tick, to_run, time.time() - started))
    return lines


def main(argv: list[str] | None = None) -> int:
    """Print the status of the sweep folders given on the command line."""
    parser = argparse.ArgumentParser(prog="python -m pilotsim.app.sweeps", description=__doc__)
    parser.add_argument("sweep_dir", nargs="+", type=Path)
    args = parser.parse_args(argv)
    for d in args.sweep_dir:
        print("\n".join(status_lines(d)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
