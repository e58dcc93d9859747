"""The serial parts of a study, each timed in this process: planning and the comparison.

    python benchmarks/study_parts.py plan [OVERRIDES...]            # e.g. +experiment=default
    python benchmarks/study_parts.py compare SWEEP_DIR [OVERRIDES...]
    python benchmarks/study_parts.py compare-warm SWEEP_DIR [OVERRIDES...]

``plan`` composes the study's multirun config and plans it (what the launching process does
before the first run starts); ``compare`` runs the sweep callback's end-of-sweep work (the
comparison, its report, the pilot-study and robustness checks) on a finished sweep folder;
``compare-warm`` does the same after importing the comparison's modules untimed, as a
sweep's launching process does while the runs go on elsewhere (``pilotsim.app.sweeps.warmup``).
Each prints one JSON line: CPU seconds of the part (``part_cpu_s``) and of this process's
imports and composition before it (``setup_cpu_s``; for ``plan`` that includes importing the
sweep callback, as Hydra does before planning: with the plan, the serial start of a study);
``benchmarks/run.py study`` runs them.
"""

from __future__ import annotations

import contextlib
import json
import logging
import resource
import sys
import time
from pathlib import Path

logging.disable(logging.INFO)  # the sweep's own log lines are not what is measured


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def _master(overrides: list[str], sweep_dir: str):
    """The multirun config Hydra hands the sweep callback, and Hydra's config loader."""
    from hydra import initialize_config_module
    from hydra.core.global_hydra import GlobalHydra
    from hydra.types import RunMode

    from pilotsim.spec import studies

    studies.register()
    initialize_config_module(config_module="pilotsim.conf", version_base="1.3")
    loader = GlobalHydra.instance().config_loader()
    # as a multirun composes it: sweep overrides (seed=range(3)) are allowed
    cfg = loader.load_configuration("config", [*overrides, f"hydra.sweep.dir={sweep_dir}"],
                                    run_mode=RunMode.MULTIRUN)
    return cfg, loader


def plan(overrides: list[str]) -> dict:
    c0 = _cpu()
    # what the launching process imports before planning: Hydra instantiates the callback
    import pilotsim.app.sweeps.callback  # noqa: F401
    from pilotsim.app.sweeps.plan import plan_sweep

    cfg, loader = _master(overrides, "/nonexistent/pilotsim-study-parts")
    c1, t1 = _cpu(), time.perf_counter()
    from pilotsim.analysis.comparison.settings import CompareSettings

    CompareSettings.from_config(cfg.compare)  # the callback checks them before planning
    p = plan_sweep(cfg, loader)
    return {"part": "plan", "points": len(p.points), "setup_cpu_s": c1 - c0,
            "part_cpu_s": _cpu() - c1, "part_wall_s": time.perf_counter() - t1}


WARM = ("pilotsim.analysis.comparison.compare", "pilotsim.analysis.robustness")
"""The modules a sweep's launching process imports during the runs (``warmup.MODULES``)."""


def compare(sweep_dir: str, overrides: list[str], warm: bool = False) -> dict:
    import importlib

    from pilotsim.app.sweeps.callback import SweepCallback

    c0 = _cpu()
    cfg, _ = _master(overrides, sweep_dir)
    for name in WARM if warm else ():
        importlib.import_module(name)
    c1, t1 = _cpu(), time.perf_counter()
    with contextlib.redirect_stdout(sys.stderr):  # the headline tables it prints
        out = SweepCallback()._compare(Path(sweep_dir), cfg)
    return {"part": "compare-warm" if warm else "compare", "status": out.get("status"),
            "setup_cpu_s": c1 - c0, "part_cpu_s": _cpu() - c1,
            "part_wall_s": time.perf_counter() - t1}


def main() -> None:
    kind, *args = sys.argv[1:]
    if kind == "plan":
        out = plan(args)
    elif kind in ("compare", "compare-warm"):
        out = compare(args[0], args[1:], warm=kind == "compare-warm")
    else:
        raise SystemExit(__doc__)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
