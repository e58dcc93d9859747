"""The joblib launcher's worker processes start while the sweep plans.

A sweep on local cores spends its first seconds in the launching process alone: Hydra
instantiates the callback, which composes and validates every point
(:mod:`pilotsim.app.sweeps.plan`); only then does the joblib launcher start its loky workers,
each of which imports Hydra, the model, Mesa, pandas and pyarrow before its first run. On two
cores that was 7 s of a 60 s study with one core idle. :func:`start` starts the workers first,
through joblib's own ``Parallel`` with the launcher's own settings, so that the launcher's
``Parallel`` later finds the same reusable loky executor (joblib reuses it when its arguments
are equal) and sends its jobs to workers that have already imported what a run needs; the
launching process plans meanwhile. :func:`wait` collects the warm-up tasks (they are done by
the time the plan is: a worker starts and imports in about the time the plan takes).

The workers are not shut down before the comparison (loky joins them when the launching
process exits): shutting them down then, so that their exit overlapped the comparison, made
the comparison ~1 s slower at load 2.5 (2 pairs of quick studies), more than the exit it saved.

Only the joblib launcher with more than one job is concerned; Ray and Slurm start their
workers their own way, and with one job the runs are in the launching process.
"""

from __future__ import annotations

import importlib
import logging
import os
import shutil
import tempfile
import time
import warnings
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from omegaconf import OmegaConf

from pilotsim.app.sweeps import warmup

log = logging.getLogger("pilotsim.sweep")

WORKER_MODULES: tuple[str, ...] = ("pilotsim.app.cli", "pilotsim.app.sweeps.job",
                                   "pyarrow.parquet")
"""What a worker imports for its first run (the task function, the run, the table writer)."""


def draw_modules(config: Any) -> tuple[str, ...]:
    """What a worker's first run imports to draw its world's values, if the config has any.

    A run whose config declares uncertain parameters draws their values (its world's, or the
    middle of each range as a check): the design's SALib sampler (for a world), and SciPy's
    statistics for a triangular or normal distribution (~1 CPU s together). Imported while the
    sweep plans, they are off the first runs' path.

    Args:
        config: The multirun's config.

    Returns:
        Module names (none for a config without uncertain parameters).
    """
    from pilotsim.app.sweeps.plan import sweep_params

    params = OmegaConf.select(config, "uncertainty.parameters")
    if not params:
        return ()
    design = OmegaConf.select(config, "uncertainty.design")
    worlds = OmegaConf.select(config, "world") is not None or any(
        p.partition("=")[0].lstrip("+~") == "world" for p in sweep_params(config))
    out = [f"SALib.sample.{'latin' if design == 'lhs' else design}"] \
        if worlds and design in ("lhs", "sobol", "morris") else []
    try:
        dists = {str(p.get("dist")) for p in params.values()}
    except Exception:  # not a mapping of declarations: the plan reports it
        return tuple(out)
    if dists & {"triangular", "normal"}:
        out.append("scipy.stats")
    return tuple(out)


def _is_joblib(config: Any) -> bool:
    return "hydra_joblib_launcher" in str(OmegaConf.select(config, "hydra.launcher._target_"))


RENDEZVOUS_S = 15.0
"""How long a warmed worker waits for the others (one started slowly warms on its first run)."""


def warm_worker(modules: tuple[str, ...], launcher_pid: int, rendezvous: str = "",
                workers: int = 1) -> int:
    """In a worker: become a sweep worker (:func:`worker.set_up`), import ``modules``.

    Then it waits until ``workers`` different workers have done so (each leaves its process
    id in the folder ``rendezvous``), for at most :data:`RENDEZVOUS_S`: a worker that started
    first would otherwise take every warm-up task, and the others would import on their first
    run, as without warming.

    Returns:
        The worker's process id.
    """
    from pilotsim.app.sweeps import worker

    worker.set_up(launcher_pid)
    for name in modules:
        try:
            importlib.import_module(name)
        except Exception as e:  # the run will import it again and report the error
            log.debug("worker warm-up import of %s failed: %s", name, e)
    pid = os.getpid()
    if rendezvous:
        folder = Path(rendezvous)
        (folder / str(pid)).touch()
        deadline = time.monotonic() + RENDEZVOUS_S
        while len(os.listdir(folder)) < workers and time.monotonic() < deadline:
            time.sleep(0.01)
    return pid


def start(config: Any, modules: tuple[str, ...] = WORKER_MODULES) -> Iterable[int] | None:
    """Start the joblib launcher's workers now, each importing ``modules``.

    Args:
        config: The multirun's config (``hydra.launcher`` is read).
        modules: What each worker imports.

    Returns:
        The warm-up tasks' results (their workers' process ids), to pass to :func:`wait`; None
        when the launcher is not joblib or runs its jobs in this process.
    """
    if not _is_joblib(config) or not warmup.runs_elsewhere(config):
        return None
    try:
        from hydra_plugins.hydra_joblib_launcher._core import process_joblib_cfg
        from joblib import Parallel, delayed, effective_n_jobs

        # exactly the launcher's Parallel(...) arguments (hydra_joblib_launcher._core.launch),
        # so that its Parallel reuses this executor rather than replacing it
        settings = OmegaConf.to_container(config.hydra.launcher, resolve=True)
        assert isinstance(settings, dict)
        settings.pop("_target_", None)
        settings["backend"] = "loky"
        process_joblib_cfg(settings)
        n = effective_n_jobs(settings.get("n_jobs", -1))
        pid = os.getpid()
        rendezvous = tempfile.mkdtemp(prefix="pilotsim-warm-")
        modules = (*modules, *draw_modules(config))
        # a generator: returns once the tasks are sent, while the workers start and import
        tasks = Parallel(**settings, return_as="generator_unordered")(
            delayed(warm_worker)(modules, pid, rendezvous, n) for _ in range(n))
        return _Started(tasks, rendezvous)
    except Exception as e:  # the launcher starts its workers itself, as without this
        log.debug("workers not started early: %s: %s", type(e).__name__, e)
        return None


class _Started:
    """The warm-up tasks of :func:`start`, and the rendezvous folder removed once they end."""

    def __init__(self, tasks: Iterator[int], rendezvous: str) -> None:
        self.tasks, self.rendezvous = tasks, rendezvous

    def __iter__(self) -> Iterator[int]:
        try:
            yield from self.tasks
        finally:
            shutil.rmtree(self.rendezvous, ignore_errors=True)

    def close(self) -> None:
        """Cancel the tasks (joblib aborts the executor) and remove the folder."""
        close = getattr(self.tasks, "close", None)
        if close is not None:
            close()
        shutil.rmtree(self.rendezvous, ignore_errors=True)


def wait(started: Iterable[int] | None) -> list[int]:
    """Wait for the warm-up tasks of :func:`start`; the process ids of the workers that ran them.

    The tasks must be collected before the launcher's ``Parallel`` runs: an abandoned joblib
    generator aborts its executor, workers and all.
    """
    if started is None:
        return []
    try:
        return list(started)
    except Exception as e:  # a worker that failed to import: the launcher's jobs will say why
        log.debug("worker warm-up failed: %s: %s", type(e).__name__, e)
        return []


def stop(started: Iterable[int] | None) -> None:
    """Stop the workers of :func:`start` at once (the sweep ends before its runs)."""
    if started is None:
        return
    with warnings.catch_warnings():  # joblib warns of the warm-up tasks it cancels
        warnings.simplefilter("ignore")
        close = getattr(started, "close", None)
        if close is not None:
            close()
