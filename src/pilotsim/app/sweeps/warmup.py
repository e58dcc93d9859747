"""While a sweep's runs go on in other processes, its launching process loads the comparison.

The end-of-sweep comparison is serial: nothing else runs while it does. About half of its CPU
time in the default study is importing its libraries (seaborn and SciPy's statistics for the
figures, DuckDB for the tables: ~3 s), which do not depend on the runs. A launcher that runs
the jobs in worker processes (joblib with more than one job, Ray, Slurm) leaves the launching
process idle meanwhile, so :func:`start` imports them then, in a background thread; the
comparison finds them loaded. A launcher that runs the jobs in this very process gains
nothing from it and is left alone.
"""

from __future__ import annotations

import importlib
import logging
import os
import threading
from typing import Any

from omegaconf import OmegaConf

log = logging.getLogger("pilotsim.sweep")

MODULES: tuple[str, ...] = ("pilotsim.analysis.comparison.compare",
                            "pilotsim.analysis.robustness")
"""What the end of a sweep imports (the comparison, its figures, the robustness check)."""


def runs_elsewhere(config: Any) -> bool:
    """Whether the sweep's launcher runs its jobs outside the launching process."""
    target = str(OmegaConf.select(config, "hydra.launcher._target_") or "")
    if "joblib" in target.lower():
        n_jobs = OmegaConf.select(config, "hydra.launcher.n_jobs")
        if n_jobs is None:  # joblib's default: one job, run in this process
            return False
        n = int(n_jobs)
        if n < 0:  # joblib's count from the cores: -1 is every core, -2 all but one, ...
            n = (os.cpu_count() or 1) + 1 + n
        return n > 1
    return "basic" not in target.lower()  # Ray, Slurm: jobs elsewhere; the basic one: here


def _load(modules: tuple[str, ...]) -> None:
    for name in modules:
        try:
            importlib.import_module(name)
        except Exception as e:  # the comparison will import it again and report the error
            log.debug("warm-up import of %s failed: %s", name, e)
            return


def start(config: Any, modules: tuple[str, ...] = MODULES) -> threading.Thread | None:
    """Import ``modules`` in a daemon thread if the sweep's jobs run elsewhere.

    Returns:
        The thread, or None when the jobs run in this process.
    """
    if not runs_elsewhere(config):
        return None
    thread = threading.Thread(target=_load, args=(modules,), name="pilotsim-warmup",
                              daemon=True)
    thread.start()
    return thread
