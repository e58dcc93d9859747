"""When a sweep's workers were busy, from its folder: start, runs, tail and idle time per worker.

    python benchmarks/study_timeline.py SWEEP_DIR

Each run's end (``at``), length (``seconds``, the run itself) and worker (``pid``) are in the
sweep's ``progress.jsonl``; the attempt's start in ``sweep.json``. What lies between a worker's
runs is Hydra's per-job work (composing or copying the job's config, writing ``.hydra/``) and
the sweep callback's; before the first run, the launching process's start and plan and the
workers' start; after the last, the comparison and the exit. ``benchmarks/run.py study`` adds
these figures to each study it runs, with the launch and exit times it measured.
"""

from __future__ import annotations

import itertools
import json
import sys
from datetime import datetime
from pathlib import Path
from typing import Any


def timeline(sweep_dir: Path, launched_at: float | None = None,
             exited_at: float | None = None) -> dict[str, Any]:
    """The busy and idle time of a finished sweep's workers, in seconds.

    Args:
        sweep_dir: The sweep folder (its last attempt is read).
        launched_at: When the command started (epoch seconds); default the attempt's start
            (after the launching process's imports).
        exited_at: When the command ended; default the attempt's ``finished_at`` (to the
            second: after the comparison, before the exit).

    Returns:
        ``start_s`` (launch to the first run's start), ``tail_s`` (the last run's end to the
        exit), ``runs_s`` (the first run's start to the last one's end), ``run_s`` (the runs'
        own seconds, summed), and per worker its runs, ``gap_s`` (mean time between two of its
        runs) and ``idle_end_s`` (from its last run's end to the last run's end).
    """
    attempt = json.loads((sweep_dir / "sweep.json").read_text())["attempts"][-1]
    started = datetime.fromisoformat(attempt["started_at"]).timestamp()
    rows = [json.loads(line) for line in (sweep_dir / "progress.jsonl").read_text().splitlines()
            if line.strip()]
    runs = [r for r in rows if r.get("attempt") == attempt["started_at"]
            and r.get("status") != "skipped"]
    if not runs:
        return {"runs": 0}
    by_worker: dict[int, list[tuple[float, float]]] = {}
    for r in runs:
        by_worker.setdefault(r["pid"], []).append((r["at"] - r["seconds"], r["at"]))
    first = min(s for spans in by_worker.values() for s, _ in spans)
    last = max(e for spans in by_worker.values() for _, e in spans)
    end = exited_at if exited_at is not None else \
        datetime.fromisoformat(attempt["finished_at"]).timestamp()
    workers = []
    for pid, spans in sorted(by_worker.items()):
        spans.sort()
        gaps = [b[0] - a[1] for a, b in itertools.pairwise(spans)]
        workers.append({"pid": pid, "runs": len(spans),
                        "gap_s": round(sum(gaps) / len(gaps), 3) if gaps else None,
                        "idle_end_s": round(last - spans[-1][1], 3)})
    return {"runs": len(runs),
            "start_s": round(first - (launched_at if launched_at is not None else started), 3),
            "runs_s": round(last - first, 3), "tail_s": round(end - last, 3),
            "run_s": round(sum(r["seconds"] for r in runs), 3), "workers": workers}


if __name__ == "__main__":
    for arg in sys.argv[1:] or sys.exit(__doc__):
        print(json.dumps(timeline(Path(arg))))
