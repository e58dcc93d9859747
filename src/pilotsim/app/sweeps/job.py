"""One run inside a sweep: skip it if it is already done, record it if it fails.

A sweep job must never raise: with the joblib launcher an exception in one job ends the whole
sweep, and with any launcher it stops Hydra from calling ``on_multirun_end`` (no comparison,
no summary). So :func:`run_point` catches what the run raises, leaves the run folder's
``metadata.json`` with ``"status": "failed"``, the error and a traceback summary (the core's
:func:`pilotsim.app.api.run` does that), logs one line, and returns normally. The sweep's exit
code reports failures at the end (see :class:`pilotsim.app.sweeps.SweepCallback`).
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

from pilotsim.app import api
from pilotsim.app.sweeps import worker
from pilotsim.sim import runfolder
from pilotsim.spec import RunSpec
from pilotsim.spec.schema import SpecError

log = logging.getLogger("pilotsim.sweep")

COMPLETE, SKIPPED, FAILED = "complete", "skipped", "failed"


def run_point(cfg: Any, out_dir: str | Path | None) -> dict[str, Any]:
    """Run one sweep point into ``out_dir`` unless that folder already holds it, complete.

    Args:
        cfg: The job's composed config (without the ``hydra`` node).
        out_dir: The run folder; None when the config says not to write (nothing to resume).

    Returns:
        Plain data (picklable for every launcher): ``status`` (complete | skipped | failed),
        ``arm``, ``seed``, ``folder``, ``seconds`` and, on failure, ``error``.
    """
    t0 = time.perf_counter()
    folder = Path(out_dir) if out_dir is not None else None
    outcome: dict[str, Any] = {"folder": str(folder) if folder else None,
                               "arm": _get(cfg, "arm"), "seed": _get(cfg, "seed")}
    try:
        # Done before validating: a resumed sweep's complete runs skip without the spec's
        # checks, which for a world's run draw its values (SciPy's statistics, SALib: ~1 CPU s
        # in each worker). The run in the folder is this config's, complete: it was valid.
        if folder is not None and _already_done(folder, cfg):
            return {**outcome, "status": SKIPPED, "seconds": 0.0}
        spec = RunSpec.from_config(cfg)
        worker.running(folder)
        try:
            api.run(cfg, out_dir=folder, spec=spec)
        finally:
            worker.running(None)
    except Exception as e:  # one failing run must not end the sweep
        if isinstance(e, SpecError) and folder is not None:
            _record_invalid(folder, cfg, e)
        where = f" ({folder})" if folder else ""
        log.error("run %s seed %s failed%s: %s: %s", outcome["arm"], outcome["seed"], where,
                  type(e).__name__, e)
        return {**outcome, "status": FAILED, "error": f"{type(e).__name__}: {e}",
                "seconds": round(time.perf_counter() - t0, 3)}
    return {**outcome, "status": COMPLETE, "seconds": round(time.perf_counter() - t0, 3)}


def _get(cfg: Any, key: str) -> Any:
    try:
        return cfg[key]
    except Exception:
        return None


def _already_done(folder: Path, cfg: Any) -> bool:
    meta = runfolder.read_metadata(folder)
    if not meta or meta.get("status") != "complete":
        return False
    if meta.get("config_hash") == runfolder.config_hash(cfg):
        return True
    log.warning("%s held a complete run of a different config; running it again", folder)
    return False


def _record_invalid(folder: Path, cfg: Any, error: SpecError) -> None:
    # Normally caught before the sweep starts (pilotsim.app.sweeps.plan); a launcher or sweeper
    # that bypasses the plan still leaves a folder that says why it holds no run.
    meta = {"status": "running", "arm": _get(cfg, "arm"), "seed": _get(cfg, "seed"),
            "started_at": runfolder.now_iso(), "package_version": runfolder.package_version(),
            "git_commit": runfolder.git_commit()}
    try:
        folder.mkdir(parents=True, exist_ok=True)
        runfolder.write_metadata(folder, meta)
    except OSError:
        return  # the error is logged by the caller all the same
    runfolder.mark_failed(folder, error)
