"""Before/after: the same `pilotsim` workloads run from two source trees, interleaved.

    python benchmarks/ab.py BEFORE [--reps N] [WORKLOAD ...]

``BEFORE`` is the code to compare against, either

* the ``src`` folder of another tree (e.g. ``git archive`` of the base commit unpacked in
  /tmp): run on ``PYTHONPATH`` with this worktree's installed config tree (``conf/``,
  installed as ``pilotsim.conf``), so both sides read the same files; or
* the ``pilotsim`` command of another install (e.g. ``.venv/bin/pilotsim`` of a git worktree
  checked out at an older commit): it reads its own config tree. Use it where the two trees'
  entry points or config files differ, as the pre-#13 main's (``4126bfb``) do from today's.

"After" is this worktree's installed package. Each repetition runs every workload once from
each side, alternating, in fresh processes measured by ``run.py``'s probe (wall, CPU seconds
of the process tree, peak RSS; the simulate time from the run's metadata), so both sides see
the same machine load. Medians go to stdout and to ``benchmarks/results/<UTC time>_ab.json``,
with whether the first repetition's tables (``cases``, ``visits``, ``site_days``) were the same
on both sides: a speed figure compares two codes only where they give the same results.
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import run as bench  # noqa: E402  (run.py beside this file: its probe and CLI runner)

from pilotsim.sim import runfolder  # noqa: E402

WORKLOADS = {
    "district_f0.2": ["sim.sample_fraction=0.2"],
    "district_f1": [],
    "city_f0.1": ["city=city_million", "sim.sample_fraction=0.1"],
    "city_f1": ["city=city_million"],  # the 1M-resident city-year (~25-100 s a run)
    # the M/M/c scenario, ~200,000 visits: c = 2 as shipped, and c = 10 at the same ρ = 0.75
    "erlang_c_c2": ["+scenario=erlang_c", "sim.days=1390"],
    "erlang_c_c10": ["+scenario=erlang_c", "city.offices.office.counters=10",
                     "services.catalogue.visit.demand_per_year.resident=30.0", "sim.days=278"],
}


def differing_tables(a: Path, b: Path) -> list[str]:
    """The tables that differ between complete run folders ``a`` and ``b``: values, dtypes or
    columns (``DataFrame.equals``, NaN equal to NaN)."""
    x, y = runfolder.read_tables(a), runfolder.read_tables(b)
    return [name for name in runfolder.TABLES if not x[name].equals(y[name])]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("before", type=Path,
                   help="the code to compare against: a src folder, or another install's pilotsim")
    p.add_argument("--reps", type=int, default=5)
    p.add_argument("workloads", nargs="*", help=f"some of {', '.join(WORKLOADS)} (all but city_f1)")
    a = p.parse_intermixed_args()
    a.workloads = a.workloads or [w for w in WORKLOADS if w != "city_f1"]  # (named only)
    unknown = set(a.workloads) - set(WORKLOADS)
    if unknown:
        p.error(f"unknown workloads {sorted(unknown)}; expected some of {list(WORKLOADS)}")
    before = a.before.resolve()
    installed = before.is_file()  # another install's command, not a src folder
    if not (installed or (before / "pilotsim").is_dir()):
        p.error(f"before: {a.before} is neither a src folder holding pilotsim/ nor a pilotsim "
                "command")
    sides = {"before": str(before), "after": None}
    # Both trees byte-compiled first: where PYTHONDONTWRITEBYTECODE is set (as on this
    # project's machines) a tree without fresh .pyc files recompiles its ~140 modules in every
    # command, ~0.15 CPU s that the other side may not pay.
    for tree in ([] if installed else [before]) + [HERE.parent / "src"]:
        compileall.compile_dir(tree, quiet=1)
    if installed:  # its own interpreter compiles its own package
        subprocess.run([str(before.with_name("python")), "-c", "import compileall, pathlib, "
                        "pilotsim; compileall.compile_dir(pathlib.Path(pilotsim.__file__)"
                        ".parent, quiet=1)"], check=True)
    runs: dict = {w: {s: [] for s in sides} for w in a.workloads}
    kept = Path(tempfile.mkdtemp(prefix="ab_"))  # the first repetition's run folders
    load = [os.getloadavg()[0]]
    for rep in range(a.reps):
        for w in a.workloads:
            for side, path in sides.items():
                env = os.environ.pop("PYTHONPATH", None)
                if path and not installed:
                    os.environ["PYTHONPATH"] = path
                exe = path if path and installed else bench.PILOTSIM
                try:
                    runs[w][side] += bench._cli_run(
                        WORKLOADS[w], 1, exe, kept / w / side if rep == 0 else None)
                finally:
                    os.environ.pop("PYTHONPATH", None)
                    if env is not None:
                        os.environ["PYTHONPATH"] = env
    load.append(os.getloadavg()[0])
    out = {"when": datetime.now(UTC).isoformat(), "reps": a.reps, "load_1min": load,
           "before": sides["before"], "results": {}}
    print(f"| workload | side | wall s | CPU s | simulate s | peak RSS MB |  ({a.reps} reps)")
    for w, by_side in runs.items():
        differ = differing_tables(kept / w / "before", kept / w / "after")
        out["results"][w] = {"tables_differ": differ}
        for side, rs in by_side.items():
            med = {k: statistics.median(f(r) for r in rs) for k, f in (
                ("wall_s", lambda r: r["wall"]), ("cpu_s", lambda r: r["cpu"]),
                ("simulate_s", lambda r: r["out"]["timings"]["simulate"]),
                ("rss_mb", lambda r: r["rss_mb"]))}
            out["results"][w][side] = {**med, "walls": [round(r["wall"], 3) for r in rs]}
            print(f"| {w} | {side} | {med['wall_s']:.2f} | {med['cpu_s']:.2f} | "
                  f"{med['simulate_s']:.2f} | {med['rss_mb']:.0f} |")
        print(f"|   {w}: tables {'differ: ' + ', '.join(differ) if differ else 'identical'} |")
    shutil.rmtree(kept, ignore_errors=True)
    stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H%M%S")
    (HERE / "results" / f"{stamp}_ab.json").write_text(json.dumps(out, indent=2) + "\n")


if __name__ == "__main__":
    main()
