"""The Hydra callback that makes a multirun a pilotsim sweep.

Registered in ``conf/config.yaml`` under ``hydra.callbacks.pilotsim_sweep``. In a single run it
only guards the run folder (``on_run_start``: a folder holding a complete run, or one still
running, is refused with exit code 2 before Hydra writes its ``.hydra/`` record into it). In a
multirun:

``on_multirun_start`` (launching process)
    Expands and validates every point (:func:`pilotsim.app.sweeps.plan.plan_sweep`); an invalid
    config or two points sharing a run folder stop the sweep with exit code 2 before any run
    starts. Writes ``sweep.json`` and logs one line: how many runs, how many already complete
    (they will be skipped), and how to resume.
``on_job_end`` (wherever the job ran)
    Appends the job's outcome to ``progress.jsonl`` and, at about ``progress_lines`` milestones,
    logs ``runs k/N done, elapsed, ETA`` (:mod:`pilotsim.app.sweeps.progress`).
``on_multirun_end`` (launching process)
    Counts the run folders by status, calls
    :func:`pilotsim.analysis.comparison.compare_sweep` on the sweep folder (if that package is
    installed and there is something to compare), records the attempt in ``sweep.json``, logs a
    summary, and exits with code 1 if any run failed (the others are complete; rerunning the
    same sweep retries only the failed ones).

The callback's attributes set at the start travel to the workers with Hydra's context (every
launcher pickles it after ``on_multirun_start``), which is how ``on_job_end`` knows the total.
"""

from __future__ import annotations

import logging
import os
import shlex
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from hydra.core.hydra_config import HydraConfig
from hydra.errors import HydraException
from hydra.experimental.callback import Callback
from hydra.types import RunMode
from omegaconf import DictConfig, OmegaConf
from omegaconf.errors import OmegaConfBaseException

from pilotsim.app.sweeps import lean_exit, prestart, progress, provenance, warmup, worker
from pilotsim.app.sweeps.lock import SweepLock, SweepLockedError, holder, in_use
from pilotsim.app.sweeps.plan import SweepPlan, fails_as_written, plan_sweep, uses_basic_sweeper
from pilotsim.sim import runfolder
from pilotsim.spec import config_errors
from pilotsim.spec.schema import SpecError

log = logging.getLogger("pilotsim.sweep")

EXIT_INVALID = 2
EXIT_FAILED_RUNS = 1


class SweepCallback(Callback):
    """Plan, progress, provenance and comparison for every pilotsim multirun.

    Args:
        compare: Run the comparison at the end of the sweep.
        reference: The arm the comparison holds the others against.
        target_halfwidth: Passed to ``compare_sweep`` (precision wanted; None: the config's
            ``compare.target_halfwidth``, which is where to set it).
        progress_lines: About how many progress lines a sweep prints, whatever its size.
        fail_exit_code: Exit with code 1 at the end if any run failed.
    """

    def __init__(self, compare: bool = True, reference: str = "baseline",
                 target_halfwidth: Any = None, progress_lines: int = 20,
                 fail_exit_code: bool = True) -> None:
        self.compare = compare
        self.reference = reference
        self.target_halfwidth = target_halfwidth
        self.progress_lines = progress_lines
        self.fail_exit_code = fail_exit_code
        self.sweep_dir: Path | None = None
        self.attempt: str | None = None
        self.to_run: int | None = None
        self.started: float | None = None
        self.plan: SweepPlan | None = None
        self.launcher_pid: int | None = None
        self.echoed = False  # progress echoed by the launching process (submitit)

    # ------------------------------------------------------------------------------- start

    def on_run_start(self, config: DictConfig, **kwargs: Any) -> None:
        """Refuse a single run whose folder holds a complete or running run.

        Hydra would write the new run's ``.hydra/`` record over that run's, and the run its
        tables: a second run started in the same second (the default folder's name is to
        the second) or an explicit ``hydra.run.dir`` used twice lost the first. A failed or
        interrupted run's folder is run again, as a sweep does.
        """
        try:
            if not OmegaConf.select(config, "output.write", default=True):
                return
            folder = Path(str(config.hydra.run.dir))
        except OmegaConfBaseException:  # a bad value in the folder's name: the run names it
            return
        meta = runfolder.read_metadata(folder)
        state = runfolder.status(meta)
        if state in ("complete", runfolder.RUNNING):
            assert meta is not None
            what = "a complete run" if state == "complete" else "a run still running"
            print(f"pilotsim: hydra.run.dir = '{folder}' already holds {what} (arm "
                  f"{meta.get('arm', '?')}, seed {meta.get('seed', '?')}, started "
                  f"{meta.get('started_at', '?')}); expected a new or empty folder: give this "
                  "run another one, or remove that run first (nothing was written)",
                  file=sys.stderr)
            sys.exit(EXIT_INVALID)

    def on_multirun_start(self, config: DictConfig, **kwargs: Any) -> None:
        """Validate every point, lock the folder, write ``sweep.json``, announce the sweep."""
        self.sweep_dir = Path(str(config.hydra.sweep.dir))
        if self.compare and "compare" in config:  # bad compare.* settings: stop before any run
            from pilotsim.analysis.comparison import ComparisonError
            from pilotsim.analysis.comparison.settings import CompareSettings

            try:
                CompareSettings.from_config(config.compare)
            except ComparisonError as e:
                print(f"pilotsim: invalid sweep, no run started: {e}", file=sys.stderr)
                sys.exit(EXIT_INVALID)
        # another sweep holds the folder: stop at once, before planning (which composes and
        # validates every point: seconds for a study, for a refusal). The lock is taken only
        # after planning; if the holder ends meanwhile, that is a sweep started after it.
        if in_use(self.sweep_dir):
            print(f"pilotsim: {SweepLockedError(self.sweep_dir, holder(self.sweep_dir))}",
                  file=sys.stderr)
            sys.exit(EXIT_INVALID)
        # local workers start and import while we plan, unless the sweep will be stopped after
        # planning because its shared values fail
        refused = uses_basic_sweeper(config) and fails_as_written(config)
        started = None if refused else prestart.start(config)
        try:
            self._plan_and_announce(config)
        except BaseException:
            prestart.stop(started)
            raise
        prestart.wait(started)

    def _plan_and_announce(self, config: DictConfig) -> None:
        global _active
        assert self.sweep_dir is not None
        self.attempt = datetime.now(UTC).isoformat()
        self.started = time.time()
        self.launcher_pid = os.getpid()
        if uses_basic_sweeper(config):
            from hydra.core.global_hydra import GlobalHydra

            try:
                self.plan = plan_sweep(config, GlobalHydra.instance().config_loader())
            except (SpecError, HydraException, OmegaConfBaseException) as e:
                # a bad value, or a point that does not compose (unknown option, bad override)
                print(f"pilotsim: invalid config: {config_errors.describe(e) or e} "
                      "(no run started)", file=sys.stderr)
                sys.exit(EXIT_INVALID)
            total, done = len(self.plan.points), len(self.plan.done)
            self.to_run = total - done
        else:
            log.info("sweeper %s: points not validated up front",
                     OmegaConf.select(config, "hydra.sweeper._target_"))
            total, done = None, 0
        _lock_folder(self.sweep_dir)  # after planning: a refused sweep writes nothing
        _active = self
        # With the lock held, a run still marked running cannot belong to a live sweep.
        stopped = [p for p in (self.plan.points if self.plan else ()) if runfolder.status(
            runfolder.read_metadata(p.folder)) in (runfolder.RUNNING, runfolder.INTERRUPTED)]
        if stopped:
            log.info("%d %s interrupted earlier (%s%s); run again now", len(stopped),
                     "run was" if len(stopped) == 1 else "runs were", stopped[0].folder,
                     ", ..." if len(stopped) > 1 else "")
        provenance.start(config, self.plan, self.attempt, done)
        if self.compare:
            warmup.start(config)  # the comparison's imports, while the runs go on elsewhere
        launcher = str(OmegaConf.select(config, "hydra.launcher._target_")).rsplit(".", 1)[-1]
        n_arms = len(self.plan.arms()) if self.plan else 0
        arms = f" ({n_arms} arm{'s' if n_arms != 1 else ''})" if self.plan else ""
        reused = f", {done} already complete and skipped" if done else ""
        runs = f"{total} runs" if total is not None else "runs (not planned)"
        log.info("pilotsim sweep: %s%s%s, launcher %s, into %s", runs, arms, reused,
                 launcher, self.sweep_dir)
        log.info("resume an interrupted sweep with: hydra.sweep.dir=%s", self.sweep_dir)
        self.echoed = "submitit" in str(OmegaConf.select(config, "hydra.launcher._target_"))
        if self.echoed:
            # each job's output stays in .submitit/ on its node: echo progress from here
            _echo_progress(progress.Echo(self.sweep_dir, self.attempt, self.to_run or 0,
                                         self.progress_lines, self.started, log).start())

    # --------------------------------------------------------------------------------- job

    def on_job_start(self, config: DictConfig, **kwargs: Any) -> None:
        """In a worker process: ignore Ctrl-C, stop when the sweep's process is gone."""
        if _is_multirun():
            worker.set_up(self.launcher_pid)

    def on_job_end(self, config: DictConfig, job_return: Any, **kwargs: Any) -> None:
        """Record the job's outcome; log a progress line at milestones (unless echoed)."""
        if not _is_multirun() or self.attempt is None:
            return
        outcome = job_return.return_value
        if not isinstance(outcome, dict):  # the task raised (not through run_point)
            outcome = {"status": "failed", "error": repr(outcome)}
        sweep_dir = Path(str(config.hydra.sweep.dir))
        try:
            tick = progress.record(sweep_dir, self.attempt, outcome)
        except OSError as e:  # a full disk: the run's own outcome is already reported
            log.warning("progress not recorded (%s: %s)", type(e).__name__, e)
            return
        if outcome.get("status") == "skipped" or self.to_run is None or self.echoed:
            return
        if progress.should_print(tick, self.to_run, self.progress_lines):
            elapsed = time.time() - (self.started or time.time())
            log.info("pilotsim sweep: %s", progress.line(tick, self.to_run, elapsed))

    # --------------------------------------------------------------------------------- end

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        """Count outcomes, compare the arms, record the attempt; exit 1 if a run failed."""
        global _active
        _echo_progress(None)
        sweep_dir = Path(str(config.hydra.sweep.dir))
        counts, failed = self._count(sweep_dir)
        comparison = self._compare(sweep_dir, config)
        if self.attempt is not None:
            _best_effort(provenance.finish, sweep_dir, self.attempt, counts, comparison)
        _active = None
        _unlock_folder()
        elapsed = progress.format_duration(time.time() - (self.started or time.time()))
        summary = ", ".join(f"{n} {s}" for s, n in counts.items() if n)
        log.info("pilotsim sweep finished in %s: %s; %s", elapsed, summary or "no runs",
                 sweep_dir)
        for folder, error in failed[:10]:
            log.error("failed: %s: %s", folder, error)
        if len(failed) > 10:
            log.error("... and %d more failed runs (status in each metadata.json)",
                      len(failed) - 10)
        lean_exit.register()  # everything is written: spare the exit its heap sweeps
        if failed and self.fail_exit_code:
            sys.exit(EXIT_FAILED_RUNS)

    def _count(self, sweep_dir: Path) -> tuple[dict[str, int], list[tuple[str, str]]]:
        if self.plan is not None:
            folders = [p.folder for p in self.plan.points]
        else:
            folders = sorted(p.parent for p in sweep_dir.rglob("metadata.json"))
        hashes = {p.folder: p.config_hash for p in self.plan.points} if self.plan else {}
        reported = _failures_reported(self.plan)
        counts = {"complete": 0, "failed": 0, "incomplete": 0}
        failed = []
        for folder in folders:
            meta = runfolder.read_metadata(folder)
            status = runfolder.status(meta)
            if status != "complete" and Path(folder).resolve() in reported:
                # the folder could not take the outcome (unwritable, a full disk): the job's
                # own report, returned to this process, says what happened
                counts["failed"] += 1
                failed.append((str(folder), reported[Path(folder).resolve()]))
            elif status == "complete" and folder in hashes \
                    and meta.get("config_hash") != hashes[folder]:
                counts["incomplete"] += 1  # a run of another config; this sweep's is not there
            elif status == "complete":
                counts["complete"] += 1
            elif status == "failed":
                counts["failed"] += 1
                failed.append((str(folder), meta.get("error", "?")))
            else:
                counts["incomplete"] += 1
        if self.plan is not None:
            counts["reused"] = len(self.plan.points) - (self.to_run or 0)
        return counts, failed

    def _compare(self, sweep_dir: Path, config: DictConfig) -> dict[str, Any]:
        if not self.compare:
            return {"status": "off"}
        try:
            from pilotsim.analysis.comparison import compare_sweep
        except ImportError as e:
            log.warning("no comparison: pilotsim.analysis.comparison is not available (%s)", e)
            return {"status": "unavailable", "reason": str(e)}
        more: dict[str, Any] = {}
        try:
            if "compare" in config:  # warm-up, cost horizon, target: the config's compare.*
                from pilotsim.analysis.comparison.settings import CompareSettings

                more["settings"] = CompareSettings.from_config(config.compare)
        except Exception as e:
            log.warning("no comparison: %s: %s", type(e).__name__, e)
            return {"status": "not written", "reason": f"{type(e).__name__}: {e}"}
        members = getattr(more.get("settings"), "forecast_members", 0)
        reference, extra = self.reference, self._pilot_study(sweep_dir, members)
        if extra:  # a pilot study: compare every world and design with the reform nowhere
            reference = _pilot_reference(sweep_dir) or reference
        try:
            result = compare_sweep(sweep_dir, reference=reference,
                                   target_halfwidth=self.target_halfwidth, extra_blocks=extra,
                                   **more)
        except Exception as e:  # a sweep with nothing to compare is still a good sweep
            log.warning("no comparison: %s: %s", type(e).__name__, e)
            return {"status": "not written", "reason": f"{type(e).__name__}: {e}"}
        where = _report_path(result, sweep_dir)
        for headline in getattr(result, "headlines", None) or []:
            log.info("%s", headline)
        table = getattr(result, "headline_text", "")
        if table:  # the planner's table, on the terminal as in the report
            print(f"\n{table}\n", flush=True)
        log.info("comparison: %s", where)
        out = {"status": "written", "path": str(where)}
        robust = _robustness(sweep_dir, reference, getattr(result, "run_metrics", None))
        if robust:
            out["robustness"] = robust
        return out


    def _pilot_study(self, sweep_dir: Path, forecast_members: int = 0) -> list:
        """Evaluate the sweep's pilot designs (if it has any) and return the report section.

        With ``forecast_members`` > 0 every pilot's full rollout is also forecast from its
        data (:mod:`pilotsim.analysis.pilots.forecast`), with the runs' ``uncertainty:`` as priors.
        """
        from pilotsim.analysis.pilots.folders import pilot_folders

        if not pilot_folders(sweep_dir):  # most sweeps: spare the evaluation's imports
            return []
        from pilotsim.analysis.pilots.report import pilot_blocks, write_study
        from pilotsim.analysis.pilots.study import evaluate, load_runs

        runs = load_runs(sweep_dir)
        try:
            study = evaluate(runs)
        except ValueError as e:  # e.g. a seed without its none/everywhere world
            log.warning("no pilot evaluation: %s", e)
            return []
        if forecast_members:
            from pilotsim.analysis.pilots.forecast import (
                ForecastSettings,
                add_forecasts,
                default_processes,
            )
            from pilotsim.spec.schema import SpecError

            config = runfolder.read_metadata(runs[0].folder)["config"]
            try:
                add_forecasts(study, runs, config, ForecastSettings(
                    members=forecast_members, processes=default_processes()),
                    cache=sweep_dir / "comparison" / "pilot_forecast_ensemble.csv")
            except SpecError as e:  # e.g. no priors declared: the evaluation stands alone
                log.warning("no pilot forecast: %s", e)
        write_study(study, sweep_dir / "comparison")
        log.info("pilot evaluation: %s", study.paths["report_html"])
        return pilot_blocks(study)


    def interrupted(self, how: str) -> list[str]:
        """Record that the sweep was stopped from outside; the lines that tell the user.

        Called by the CLI when Ctrl-C or SIGTERM ends the launching process (the launcher
        has stopped its workers by then): runs left "running" are marked "interrupted", the
        attempt is closed in ``sweep.json``, and the lines say what finished and give the
        command that resumes the sweep.
        """
        global _active
        _active = None
        _echo_progress(None)
        points = self.plan.points if self.plan else ()
        for p in points:
            meta = runfolder.read_metadata(p.folder)
            if runfolder.status(meta) in (runfolder.RUNNING, runfolder.INTERRUPTED):
                runfolder.mark_interrupted(p.folder, how)
        counts, _ = self._count(self.sweep_dir) if self.sweep_dir else ({}, [])
        if self.attempt is not None and self.sweep_dir is not None:
            _best_effort(provenance.finish, self.sweep_dir, self.attempt,
                         counts, {"status": "not written", "reason": f"interrupted ({how})"})
        _unlock_folder()
        done = counts.get("complete", 0)
        total = len(points) if self.plan else "?"
        return [f"pilotsim: sweep interrupted ({how}): {done} of {total} runs complete; "
                f"runs in progress are marked interrupted in {self.sweep_dir}",
                "resume it (complete runs are kept) with:",
                "  " + resume_command(sys.argv, self.sweep_dir)]


def resume_command(argv: list[str], sweep_dir: Path | None) -> str:
    """The command line that reruns ``argv`` into the same sweep folder (which resumes it)."""
    args = [a for a in argv[1:] if not a.startswith("hydra.sweep.dir=")]
    return shlex.join(["pilotsim", *args, f"hydra.sweep.dir={Path(str(sweep_dir)).resolve()}"])


def active() -> SweepCallback | None:
    """The sweep this process is launching now, if any (for the CLI's interrupt handler)."""
    return _active


_active: SweepCallback | None = None
_lock: SweepLock | None = None


_echo: progress.Echo | None = None


def _echo_progress(echo: progress.Echo | None) -> None:
    """Start echoing progress in this process (``echo``), or stop (None)."""
    global _echo
    if _echo is not None:
        _echo.stop()
    _echo = echo


def _failures_reported(plan: SweepPlan | None) -> dict[Path, str]:
    """Run folder → error, for the jobs of this process's sweep that returned a failure."""
    try:
        from hydra_plugins.pilotsim_sweeper import contained_jobs
    except ImportError:  # pragma: no cover - installed with pilotsim
        return {}
    by_overrides = {tuple(p.overrides): p.folder for p in plan.points} if plan else {}
    out = {}
    for o in contained_jobs.outcomes():
        if o.get("status") != "failed":
            continue
        folder = Path(o["folder"]) if o.get("folder") else \
            by_overrides.get(tuple(o.get("overrides") or ()))
        if folder is not None:
            out[Path(folder).resolve()] = str(o.get("error", "?"))
    return out


def _lock_folder(sweep_dir: Path) -> None:
    global _lock
    lock = SweepLock(sweep_dir)
    try:
        lock.acquire()
    except SweepLockedError as e:
        print(f"pilotsim: {e}", file=sys.stderr)
        sys.exit(EXIT_INVALID)
    _lock = lock


def _unlock_folder() -> None:
    global _lock
    if _lock is not None:
        _lock.release()
        _lock = None


def _best_effort(write: Any, *args: Any) -> None:
    try:
        write(*args)
    except OSError as e:  # a full disk must not hide the runs' outcome
        log.warning("sweep.json not updated (%s: %s)", type(e).__name__, e)


def _robustness(sweep_dir: Path, reference: str, run_metrics: Any) -> str | None:
    """Write the robustness report when the sweep ran its arms in several worlds."""
    from pilotsim.analysis.comparison.runs import discover_runs
    from pilotsim.analysis.robustness import has_worlds, robustness_sweep

    if not has_worlds(discover_runs(sweep_dir)):
        return None
    try:
        result = robustness_sweep(sweep_dir, reference=reference, run_metrics=run_metrics)
    except Exception as e:  # the comparison is written; a failed extra report must not hide it
        log.warning("no robustness report: %s: %s", type(e).__name__, e)
        return None
    print("\n".join(result.summary_lines()) + "\n", flush=True)
    log.info("robustness: %s", result.paths["robustness_html"])
    return str(result.paths["robustness_html"])


def _pilot_reference(sweep_dir: Path) -> str | None:
    """The arm of a pilot study's world without the reform (``reform@none``)."""
    for meta_path in sweep_dir.rglob("metadata.json"):
        meta = runfolder.read_metadata(meta_path.parent) or {}
        if (meta.get("pilot") or {}).get("design") == "none":
            return meta.get("arm")
    return None


def _is_multirun() -> bool:
    try:
        return HydraConfig.get().mode == RunMode.MULTIRUN
    except ValueError:  # no Hydra config set (called outside a Hydra job)
        return False


def _report_path(result: Any, sweep_dir: Path) -> Path:
    paths = getattr(result, "paths", None)
    if isinstance(paths, dict) and paths.get("report_html"):
        return Path(paths["report_html"])
    return Path(getattr(result, "out_dir", None) or sweep_dir / "comparison")
