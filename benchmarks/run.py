"""pilotsim benchmarks: speed, memory and scaling, each measured in fresh subprocesses.

    python benchmarks/run.py                 # all five benchmarks and the scaling fit
    python benchmarks/run.py --quick         # smaller sizes, fewer repetitions (~2 min)
    python benchmarks/run.py queue district  # some of them

Benchmarks: ``queue`` (Erlang C, the model vs SimPy), ``district`` (default district-year),
``city`` (a million residents, a year; full and at sample_fraction 0.1), ``sweep`` (1 vs 2
processes, a process pool of bare runs), ``study`` (the default study's command on 1 vs 2
processes, and its serial parts), ``startup`` (``--help`` and a one-day run), ``scaling``
(3 sizes in residents and in days, fitted slope).

Every measurement runs in a fresh process started by a small probe process, which times it
from launch to exit and reads its peak RSS from ``getrusage(RUSAGE_CHILDREN).ru_maxrss``
(the largest resident set of any process it waited for, descendants included). Figures are
medians over the stated number of repetitions. Results go to stdout as a Markdown table and
to ``benchmarks/results/<date>.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from study_timeline import timeline  # beside this script (its folder is on sys.path)

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PY = sys.executable
BIN = Path(PY).parent
PILOTSIM = str(BIN / "pilotsim")

PROBE = r"""
import json, resource, subprocess, sys, time
t = time.perf_counter()
p = subprocess.run(sys.argv[1:], capture_output=True, text=True)
wall = time.perf_counter() - t
if p.returncode:
    sys.stderr.write(p.stdout + p.stderr)
    sys.exit(p.returncode)
ru = resource.getrusage(resource.RUSAGE_CHILDREN)
rss, cpu = ru.ru_maxrss, ru.ru_utime + ru.ru_stime  # KiB on Linux; CPU seconds, all children
last = [ln for ln in p.stdout.splitlines() if ln.startswith("{")]
out = json.loads(last[-1]) if last else None
print(json.dumps({"wall": wall, "cpu": cpu, "rss_mb": rss / 1024, "out": out}))
"""


def measure(argv: list[str]) -> dict:
    """Run ``argv`` in a fresh process; wall seconds, peak RSS (MiB) and its JSON line."""
    p = subprocess.run([PY, "-c", PROBE, *argv], capture_output=True, text=True, cwd=ROOT)
    if p.returncode:
        raise RuntimeError(f"{argv} failed:\n{p.stderr[-3000:]}")
    return json.loads(p.stdout.strip().splitlines()[-1])


def worker(*args: str) -> list[str]:
    """argv of this script's worker mode."""
    return [PY, str(HERE / "workers.py"), *args]


def median(runs: list[dict], key) -> float:
    return statistics.median(key(r) for r in runs)


def repeat(argv: list[str], reps: int) -> list[dict]:
    return [measure(argv) for _ in range(reps)]


# ------------------------------------------------------------------------------- benchmarks


def bench_queue(quick: bool) -> list[dict]:
    """The M/M/c scenario at c = 2 (as shipped) and c = 10 (λ scaled: ρ = 0.75 both)."""
    return [_queue(quick, c) for c in (2, 10)]


def _queue(quick: bool, counters: int) -> dict:
    visits = 100_000 if quick else 1_000_000
    reps = 3
    args = (str(visits), str(counters))
    # interleaved, so the model and SimPy see the same machine load
    model, simpy, kernel = [], [], []
    for _ in range(reps):
        model.append(measure(worker("queue-model", *args)))
        simpy.append(measure(worker("queue-simpy", *args)))
        kernel.append(measure(worker("queue-kernel", *args)))
    m_vps = median(model, lambda r: r["out"]["visits"] / r["out"]["seconds"])
    s_vps = median(simpy, lambda r: r["out"]["visits"] / r["out"]["seconds"])
    return {
        "name": f"queue_c{counters}", "counters": counters, "reps": reps, "visits": visits,
        "model_seconds": median(model, lambda r: r["out"]["seconds"]),
        "model_visits_per_s": m_vps,
        "model_rss_mb": median(model, lambda r: r["rss_mb"]),
        "model_cpu_s": median(model, lambda r: r["cpu"]),
        "simpy_cpu_s": median(simpy, lambda r: r["cpu"]),
        "model_wait_mean": model[0]["out"]["wait_mean"],
        "simpy_seconds": median(simpy, lambda r: r["out"]["seconds"]),
        "simpy_visits_per_s": s_vps,
        "simpy_rss_mb": median(simpy, lambda r: r["rss_mb"]),
        "simpy_wait_mean": simpy[0]["out"]["wait_mean"],
        "erlang_c_wait_mean": model[0]["out"]["erlang_c"],
        "ratio": m_vps / s_vps, "target_ratio": 5.0,  # issue #13 (was 3)
        # per CPU second: what the ratio would be on an otherwise idle machine
        "model_visits_per_cpu_s": median(model, lambda r: r["out"]["visits"]
                                         / r["out"]["cpu_seconds"]),
        "simpy_visits_per_cpu_s": median(simpy, lambda r: r["out"]["visits"]
                                         / r["out"]["cpu_seconds"]),
        "kernel_seconds": median(kernel, lambda r: r["out"]["seconds"]),
        "kernel_visits_per_s": median(kernel, lambda r: r["out"]["visits"] / r["out"]["seconds"]),
        "kernel_wait_mean": kernel[0]["out"]["wait_mean"],
    }


def _cli_run(overrides: list[str], reps: int, exe: str = PILOTSIM,
             keep: Path | None = None) -> list[dict]:
    """``reps`` runs of the command ``exe`` with ``overrides``, each measured by the probe.

    Each run writes its folder to a temporary directory; ``keep``: the first run's folder goes
    there instead and stays (to compare its tables).
    """
    runs = []
    for k in range(reps):
        with tempfile.TemporaryDirectory() as tmp:
            run_dir = keep if keep is not None and k == 0 else Path(tmp) / "run"
            r = measure([exe, *overrides, f"hydra.run.dir={run_dir}", "output.summary=false"])
            meta_path = run_dir / "metadata.json"
            if meta_path.exists():
                meta = json.loads(meta_path.read_text())
                r["out"] = {"timings": meta["timings"], "counts": meta.get("counts"),
                            "wall_in_api": meta["wall_seconds"]}
            runs.append(r)
    return runs


def _cli_summary(name: str, runs: list[dict], **targets) -> dict:
    out = {"name": name, "reps": len(runs),
           "wall_s": median(runs, lambda r: r["wall"]),
           "rss_mb": median(runs, lambda r: r["rss_mb"]),
           "walls": [round(r["wall"], 3) for r in runs],
           "cpu_s": median(runs, lambda r: r["cpu"]), **targets}
    if runs[0].get("out"):
        out["simulate_s"] = median(runs, lambda r: r["out"]["timings"]["simulate"])
        out["counts"] = runs[0]["out"]["counts"]
        out["timings"] = runs[0]["out"]["timings"]
        if out["counts"]:
            out["visits_per_s"] = out["counts"]["visits"] / out["wall_s"]
            out["residents_per_s"] = out["counts"]["residents"] / out["wall_s"]
    return out


def bench_district(quick: bool) -> dict:
    return _cli_summary("district", _cli_run([], 3 if quick else 5),
                        target_wall_s=5.0, target_rss_mb=1024)


def bench_city(quick: bool) -> list[dict]:
    out = []
    if not quick:
        out.append(_cli_summary("city", _cli_run(["city=city_million"], 3),
                                target_wall_s=90.0, target_rss_mb=4096))
    out.append(_cli_summary("city_f0.1", _cli_run(
        ["city=city_million", "sim.sample_fraction=0.1"], 1 if quick else 3),
        target_wall_s=10.0, target_rss_mb=4096))
    return out


def bench_sweep(quick: bool) -> dict:
    runs, days = (4, 120) if quick else (10, 365)
    res = {}
    for w in (1, 2):
        r = measure(worker("sweep", str(w), str(runs), str(days)))
        res[w] = r
    return {"name": "sweep", "reps": 1, "runs": runs, "days": days,
            "how": "ProcessPoolExecutor(max_workers=1 vs 2): api.run of the default district at "
                   "sample_fraction 0.2, seeds 0..runs-1 (the default study's run shape)",
            "wall_1": res[1]["wall"], "wall_2": res[2]["wall"],
            "speedup": res[1]["wall"] / res[2]["wall"], "target_speedup": 1.7,
            "cpu_1": res[1]["cpu"], "cpu_2": res[2]["cpu"],
            # cores actually obtained (CPU seconds / wall): 2 only if nothing else was running
            "cores_obtained_2": res[2]["cpu"] / res[2]["wall"],
            "rss_mb": max(res[1]["rss_mb"], res[2]["rss_mb"])}


def bench_study(quick: bool) -> list[dict]:
    """The default study as a user runs it, on 1 and on 2 processes, and its serial parts.

    ``pilotsim +experiment=default hydra.launcher.n_jobs=W`` (quick: 3 seeds of 120 days, not
    10 of a year) into a fresh sweep folder, W = 1 then 2; then the same command again on the
    complete folder (every run skipped: planning, each job's composition and skip, and the
    comparison: the study without its simulations); then ``study_parts.py plan`` and
    ``compare`` on that folder (CPU seconds of the serial parts alone, medians of 3). Each
    study's ``timeline`` (``study_timeline.py``): start, runs and tail seconds, and each
    worker's mean gap between runs and idle time at the end.
    """
    extra = ["seed=range(3)", "sim.days=120"] if quick else []
    out, walls = [], {}
    with tempfile.TemporaryDirectory() as tmp:
        for w in (1, 2):
            launched = time.time()
            r = measure([PILOTSIM, "+experiment=default", *extra, f"hydra.launcher.n_jobs={w}",
                         f"hydra.sweep.dir={tmp}/w{w}"])
            # where the wall went: start, runs, tail, each worker's gaps and idle end
            r["timeline"] = timeline(Path(tmp) / f"w{w}", launched, launched + r["wall"])
            walls[w] = r
        again = measure([PILOTSIM, "+experiment=default", *extra, "hydra.launcher.n_jobs=1",
                         f"hydra.sweep.dir={tmp}/w2"])
        parts = {k: repeat([PY, str(HERE / "study_parts.py"), *args], 3) for k, args in (
            ("plan", ["plan", "+experiment=default", *extra]),
            ("compare", ["compare", f"{tmp}/w2", "+experiment=default", *extra]),
            ("compare_warm", ["compare-warm", f"{tmp}/w2", "+experiment=default", *extra]))}
    out.append({"name": "study", "reps": 1, "quick": quick,
                "wall_1": walls[1]["wall"], "wall_2": walls[2]["wall"],
                "speedup": walls[1]["wall"] / walls[2]["wall"], "target_speedup": 1.7,
                "cpu_1": walls[1]["cpu"], "cpu_2": walls[2]["cpu"],
                # cores actually obtained (CPU seconds / wall): 2 only if nothing else ran
                "cores_obtained_2": walls[2]["cpu"] / walls[2]["wall"],
                "rss_mb": max(walls[1]["rss_mb"], walls[2]["rss_mb"]),
                "timeline_1": walls[1]["timeline"], "timeline_2": walls[2]["timeline"]})
    out.append({"name": "study_without_runs", "reps": 1, "wall_s": again["wall"],
                "cpu_s": again["cpu"]})
    for k, runs in parts.items():
        out.append({"name": f"study_{k}", "reps": 3,
                    "part_cpu_s": median(runs, lambda r: r["out"]["part_cpu_s"]),
                    "part_wall_s": median(runs, lambda r: r["out"]["part_wall_s"]),
                    "process_cpu_s": median(runs, lambda r: r["cpu"])})
    return out


def bench_robustness(quick: bool) -> dict:
    """The shipped robustness study as a user runs it (quick: 2 Morris trajectories, 22
    worlds instead of 66); the target is 20 minutes of wall time on 2 free cores, estimated
    as CPU seconds / 2 when the machine is shared."""
    extra = ["uncertainty.samples=2"] if quick else []
    with tempfile.TemporaryDirectory() as tmp:
        r = measure([PILOTSIM, "+experiment=robustness", *extra, f"hydra.sweep.dir={tmp}/s"])
        runs = len(list(Path(tmp, "s").rglob("metadata.json")))
        written = Path(tmp, "s", "comparison", "robustness.html").is_file()
    return {"name": "robustness", "reps": 1, "runs": runs, "report_written": written,
            "wall_s": r["wall"], "cpu_s": r["cpu"], "wall_2_free_cores_est_s": r["cpu"] / 2,
            "cores_obtained": r["cpu"] / r["wall"], "target_wall_s": 1200.0,
            "rss_mb": r["rss_mb"]}


def bench_startup(quick: bool) -> list[dict]:
    reps = 3 if quick else 5
    helps = repeat([PILOTSIM, "--help"], reps)
    # pilot.start_day=0: on main at b4c09a0 a run shorter than the default pilot start day (84)
    # is rejected; the override keeps the one-day run valid and changes nothing else.
    day = repeat([PILOTSIM, "sim.days=1", "output.write=false", "pilot.start_day=0"], reps)
    return [{"name": "startup_help", "reps": reps, "wall_s": median(helps, lambda r: r["wall"]),
             "cpu_s": median(helps, lambda r: r["cpu"]),
             "rss_mb": median(helps, lambda r: r["rss_mb"])},
            {"name": "startup_one_day", "reps": reps, "wall_s": median(day, lambda r: r["wall"]),
             "cpu_s": median(day, lambda r: r["cpu"]),
             "rss_mb": median(day, lambda r: r["rss_mb"])}]


def bench_scaling(quick: bool) -> list[dict]:
    import numpy as np

    reps = 1 if quick else 3
    out = []
    for axis, sizes, args in (
        ("residents", [60_000, 120_000, 240_000] if not quick else [60_000, 120_000, 180_000],
         lambda n: ["scale", str(n), "365" if not quick else "60"]),
        ("days", [91, 182, 365] if not quick else [30, 60, 120],
         lambda n: ["scale", "60000", str(n)]),
    ):
        secs, cpus, rss = [], [], []
        for n in sizes:
            runs = repeat(worker(*args(n)), reps)
            secs.append(median(runs, lambda r: r["out"]["seconds"]))
            cpus.append(median(runs, lambda r: r["out"]["cpu_seconds"]))
            rss.append(median(runs, lambda r: r["rss_mb"]))
        # fitted on CPU seconds of api.run (wall is at the mercy of other processes)
        slope, intercept = np.polyfit(sizes, cpus, 1)
        pred = np.polyval([slope, intercept], sizes)
        r2 = 1 - np.sum((np.array(cpus) - pred) ** 2) / np.sum((cpus - np.mean(cpus)) ** 2)
        mslope, _ = np.polyfit(sizes, rss, 1)
        out.append({"name": f"scaling_{axis}", "reps": reps, "sizes": sizes,
                    "seconds": secs, "cpu_seconds": cpus, "rss_mb": rss,
                    "slope_cpu_s_per_unit": slope,
                    "intercept_s": intercept, "r2": r2, "rss_slope_mb_per_unit": mslope})
    return out


BENCHES = {"queue": bench_queue, "district": bench_district, "city": bench_city,
           "sweep": bench_sweep, "study": bench_study, "startup": bench_startup,
           "scaling": bench_scaling,
           "robustness": bench_robustness}


def machine() -> dict:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem_kb = next(int(x.split()[1]) for x in Path("/proc/meminfo").read_text().splitlines()
                      if x.startswith("MemTotal"))
    except (OSError, StopIteration):
        mem_kb = 0
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                            capture_output=True, text=True).stdout.strip()
    return {"date": datetime.now(UTC).isoformat(timespec="seconds"), "nproc": os.cpu_count(),
            "cpu": cpu, "ram_gb": round(mem_kb / 2**20, 1), "python": platform.python_version(),
            "commit": commit,
            # set when the measured code is another tree's (e.g. main's src for a before run)
            "pythonpath": os.environ.get("PYTHONPATH")}


def main() -> None:
    ap = argparse.ArgumentParser(description="pilotsim benchmarks")
    ap.add_argument("names", nargs="*", choices=[*BENCHES, []], help="benchmarks to run")
    ap.add_argument("--quick", action="store_true", help="smaller sizes, fewer repetitions")
    a = ap.parse_args()
    names = a.names or list(BENCHES)
    info = machine()
    print(f"# {info['date']}  nproc={info['nproc']}  {info['cpu']}  {info['ram_gb']} GiB  "
          f"Python {info['python']}  commit {info['commit']}  quick={a.quick}", flush=True)
    results = []
    for n in names:
        t = time.perf_counter()
        load_before = os.getloadavg()[0]
        r = BENCHES[n](a.quick)
        load = [round(load_before, 2), round(os.getloadavg()[0], 2)]
        for x in r if isinstance(r, list) else [r]:
            x["load_avg_1min_before_after"] = load  # other processes on the machine
            results.append(x)
            print(json.dumps(x, default=float), flush=True)
        print(f"# {n}: {time.perf_counter() - t:.0f} s", flush=True)
    out = HERE / "results"
    out.mkdir(exist_ok=True)
    stamp = info["date"][:19].replace(":", "")
    path = out / f"{stamp}{'_quick' if a.quick else ''}.json"
    path.write_text(json.dumps({"machine": info, "quick": a.quick, "results": results},
                               indent=2, default=float))
    print(f"# wrote {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
