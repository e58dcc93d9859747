"""Keep a job that cannot even start from ending the whole sweep.

Before the task function runs, Hydra's ``run_job`` creates the job's folder, writes its
``.hydra/`` record and opens its log file there; afterwards it calls the callbacks. An error in
those steps (a folder that cannot be written, a full disk) escapes the job, and the joblib and
Ray launchers then abandon the whole sweep with a traceback: no other run, no comparison. The
task itself never raises (:func:`pilotsim.app.sweeps.run_point` records its failures), so these are
the only errors left.

:func:`contain` replaces the function the launcher sends to its workers by :func:`joblib_job`
or :func:`ray_job`, which call the original and turn such an error into a completed job whose
return value is the same failure record ``run_point`` returns; the sweep logs it, counts it as
failed and goes on. Submitit runs every job as its own Slurm job and already returns a failed
job's error without stopping the others' execution.
"""

from __future__ import annotations

import functools
import logging
import sys
from collections.abc import Callable
from typing import Any

from hydra_plugins.pilotsim_sweeper import job_configs

log = logging.getLogger("pilotsim.sweep")


_JOBLIB = ("hydra_plugins.hydra_joblib_launcher._core", "execute_job")
_RAY = ("hydra_plugins.hydra_ray_launcher._launcher_util", "_run_job")
# The launchers' own functions, kept by contain() in the launching process before it replaces
# them (a job run in that process, e.g. with n_jobs=1, must not call its wrapper again). A
# worker process imports the launcher afresh and finds its own function there.
_originals: dict[tuple[str, str], Callable[..., Any]] = {}


def _original(where: tuple[str, str]) -> Callable[..., Any] | None:
    if where in _originals:
        return _originals[where]
    module, name = where
    try:
        mod = __import__(module, fromlist=[name])
    except ImportError:
        return None
    return getattr(mod, name)


def _failed(error: BaseException, overrides: Any) -> Any:
    from hydra.core.utils import JobReturn, JobStatus

    text = f"{type(error).__name__}: {error}"
    log.error("run %s could not start: %s", " ".join(overrides or ()), text)
    print(f"pilotsim: run {' '.join(overrides or ())} could not start: {text}",
          file=sys.stderr, flush=True)
    ret = JobReturn(overrides=list(overrides or ()), status=JobStatus.COMPLETED)
    ret.return_value = {"status": "failed", "error": text, "folder": None,
                        "arm": None, "seed": None, "seconds": 0.0,
                        "overrides": list(overrides or ())}
    return ret


def joblib_job(idx: int, overrides: Any, hydra_context: Any, *args: Any, **kwargs: Any) -> Any:
    """The joblib launcher's ``execute_job``, with set-up errors contained (see module).

    The job's config is composed through :func:`job_configs.load_sweep_config`: once per
    combination of overrides other than the seed in each worker, not once per job.
    """
    execute_job = _original(_JOBLIB)
    assert execute_job is not None
    loader = getattr(hydra_context, "config_loader", None)
    compose = getattr(loader, "load_sweep_config", None)
    wrap = compose is not None and "load_sweep_config" not in vars(loader)
    if wrap:
        loader.load_sweep_config = functools.partial(job_configs.load_sweep_config, compose)
    try:
        return execute_job(idx, overrides, hydra_context, *args, **kwargs)
    except Exception as e:
        return _failed(e, overrides)
    finally:
        if wrap:
            vars(loader).pop("load_sweep_config", None)  # the loader's own method again


def ray_job(hydra_context: Any, sweep_config: Any, task_function: Any,
            singleton_state: Any) -> Any:
    """The Ray launcher's ``_run_job``, with set-up errors contained (see module)."""
    run_job = _original(_RAY)
    assert run_job is not None
    try:
        return run_job(hydra_context=hydra_context, sweep_config=sweep_config,
                            task_function=task_function, singleton_state=singleton_state)
    except Exception as e:
        return _failed(e, list(sweep_config.hydra.overrides.task))


def contain(launcher: object) -> None:
    """Make ``launcher`` send the containing wrappers to its workers.

    Only the joblib and Ray launchers are changed; others are left alone.
    """
    kind = type(launcher).__module__
    for where, wrapper in ((_JOBLIB, joblib_job), (_RAY, ray_job)):
        if where[0].rpartition(".")[0] != kind.rpartition(".")[0]:
            continue  # another launcher's package (importing Ray costs a second)
        original = _original(where)
        if original is None or original is wrapper:
            continue
        _originals[where] = original
        setattr(sys.modules[where[0]], where[1], wrapper)


_outcomes: list[dict[str, Any]] = []


def keep(returns: Any) -> None:
    """Keep the outcomes of a launched batch (in the launching process) for the sweep's end.

    A run's folder may not be able to say how the run ended (a full disk cannot take its
    "failed" status); the job's return value, back in this process, still can.
    """
    for r in returns or ():
        value = getattr(r, "_return_value", None)
        if isinstance(value, dict):
            _outcomes.append({**value, "overrides": list(r.overrides or ())})


def outcomes() -> list[dict[str, Any]]:
    """The outcomes kept so far in this process (each with the job's ``overrides``)."""
    return list(_outcomes)
