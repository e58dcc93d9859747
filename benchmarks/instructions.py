"""Instructions ``model.run`` executes, counted by callgrind: a figure the host's speed cannot move.

    python benchmarks/instructions.py district sim.sample_fraction=0.2 --days 120
    python benchmarks/instructions.py erlang_c_c2 --visits 40000 --before /tmp/base/src

CPU seconds on a shared or drifting machine move by ±25 % between runs of the same code; an
instruction count does not (same code, config, ``PYTHONHASHSEED`` and ``sys.path`` → the same
count; the same tree on ``PYTHONPATH`` reads ~0.01 % apart from its installed self, as imports
made during the run search another path), so it shows a change of 1–2 % that no number of
timed pairs could. It is not a time: NumPy calls,
cache misses and branch mispredictions cost differently per instruction, so a change that
trades instructions for memory traffic can read better here and run slower; give CPU medians
of interleaved runs beside it (``phase_costs.py``, ``ab.py``).

The model is built first (``phase_costs.build``: the same workloads, with Hydra overrides for
the district) and ``scipy.special`` imported (a sampled run's one-off import, ~730 M
instructions), outside the count; callgrind collects only inside ``sys.call_tracing``, through
which ``model.run`` is called (``--collect-atstart=no --toggle-collect=sys_call_tracing``: a C
function nothing else in a run calls). With ``--before SRC`` the same is counted for another
source tree on ``PYTHONPATH`` (both trees byte-compiled first) and the change is printed.
Needs valgrind (Debian: ``apt install valgrind``); a run is ~50× slower under it.
"""

from __future__ import annotations

import argparse
import compileall
import gc
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent


def count(cg_file: Path) -> int:
    """The total instruction count (``Ir``) of a callgrind output file."""
    m = re.search(r"^(?:summary|totals): (\d+)", cg_file.read_text(), re.MULTILINE)
    if m is None:
        raise ValueError(f"{cg_file}: no 'summary:' or 'totals:' line (not callgrind output?)")
    return int(m.group(1))


def _inner(workload: str, visits: int, days: int, overrides: list[str]) -> None:
    """Build the workload's model, then run it inside ``sys.call_tracing`` (what is counted)."""
    sys.path.insert(0, str(HERE))
    import phase_costs  # beside this file; imports pilotsim (from PYTHONPATH, if set)

    model = phase_costs.build(workload, visits, days, overrides)
    # A sampled run's first lognormal draw imports SciPy's ndtri (distributions.sample_array):
    # ~730 M instructions once a process, 40 % of a riverside count at f = 0.1, which would
    # hide a per-run change. A calibration's thousands of runs pay it once, so it is done here.
    import scipy.special  # noqa: F401
    gc.collect()
    gc.disable()  # as api.run does
    sys.call_tracing(model.run, ())
    print(f"model.run: {model.steps} days, {len(model.visits)} visits")  # (after the count)


def _counted(src: Path | None, args: list[str], out: Path) -> int:
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    env.pop("PYTHONPATH", None)
    if src is not None:
        env["PYTHONPATH"] = str(src)
    cmd = ["valgrind", "--tool=callgrind", "--collect-atstart=no",
           "--toggle-collect=sys_call_tracing", f"--callgrind-out-file={out}",
           sys.executable, str(Path(__file__).resolve()), "--inner", *args]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"instructions.py: the counted run failed:\n{done.stderr[-3000:]}")
    return count(out)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("workload", help="erlang_c_c<N> or district (phase_costs.py's)")
    p.add_argument("overrides", nargs="*", help="Hydra overrides (district)")
    p.add_argument("--visits", type=int, default=40_000, help="erlang_c: about this many")
    p.add_argument("--days", type=int, default=120, help="district: days to run")
    p.add_argument("--before", type=Path, help="src folder of the code to compare against")
    p.add_argument("--inner", action="store_true", help=argparse.SUPPRESS)
    a = p.parse_intermixed_args()
    if a.inner:
        _inner(a.workload, a.visits, a.days, a.overrides)
        return
    if not (a.workload == "district" or re.fullmatch(r"erlang_c_c\d+", a.workload)):
        p.error(f"workload: {a.workload!r}; expected district or erlang_c_c<N> (e.g. erlang_c_c2)")
    if a.before is not None and not (a.before / "pilotsim").is_dir():
        p.error(f"--before: {a.before} is not a src folder holding pilotsim/")
    if shutil.which("valgrind") is None:
        p.error("valgrind is not installed (Debian: apt install valgrind)")
    args = [a.workload, *a.overrides, "--visits", str(a.visits), "--days", str(a.days)]
    sides = {"after": None} if a.before is None else {"before": a.before.resolve(), "after": None}
    for src in [s for s in sides.values() if s is not None] + [HERE.parent / "src"]:
        compileall.compile_dir(src, quiet=1)  # no side pays for compiling its modules
    with tempfile.TemporaryDirectory() as tmp:
        got = {side: _counted(src, args, Path(tmp) / f"{side}.cg") for side, src in sides.items()}
    for side, n in got.items():
        print(f"{side}: model.run {n:,} instructions ({' '.join(args)})")
    if "before" in got:
        print(f"change: {100 * (got['after'] / got['before'] - 1):+.2f} %")


if __name__ == "__main__":
    main()
