"""The Hydra callback that makes a multirun a pilotsim sweep.

Registered in ``conf/config.yaml`` under ``hydra.callbacks.pilotsim_sweep``; it does nothing in
a single run. In a multirun:

``on_multirun_start`` (launching process)
    Expands and validates every point (:func:`pilotsim.sweeps.plan.plan_sweep`); an invalid
    config or two points sharing a run folder stop the sweep with exit code 2 before any run
    starts. Writes ``sweep.json`` and logs one line: how many runs, how many already complete
    (they will be skipped), and how to resume.
``on_job_end`` (wherever the job ran)
    Appends the job's outcome to ``progress.jsonl`` and, at about ``progress_lines`` milestones,
    logs ``runs k/N done, elapsed, ETA`` (:mod:`pilotsim.sweeps.progress`).
``on_multirun_end`` (launching process)
    Counts the run folders by status, calls :func:`pilotsim.comparison.compare_sweep` on the
    sweep folder (if that package is installed and there is something to compare), records the
    attempt in ``sweep.json``, logs a summary, and exits with code 1 if any run failed (the
    others are complete; rerunning the same sweep retries only the failed ones).

The callback's attributes set at the start travel to the workers with Hydra's context (every
launcher pickles it after ``on_multirun_start``), which is how ``on_job_end`` knows the total.
"""

from __future__ import annotations

import logging
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

from pilotsim import runfolder
from pilotsim.schema import SpecError
from pilotsim.sweeps import progress, provenance
from pilotsim.sweeps.plan import SweepPlan, plan_sweep, uses_basic_sweeper

log = logging.getLogger("pilotsim.sweep")

EXIT_INVALID = 2
EXIT_FAILED_RUNS = 1


class SweepCallback(Callback):
    """Plan, progress, provenance and comparison for every pilotsim multirun.

    Args:
        compare: Run the comparison at the end of the sweep.
        reference: The arm the comparison holds the others against.
        target_halfwidth: Passed to ``compare_sweep`` (precision wanted; None = none).
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

    # ------------------------------------------------------------------------------- start

    def on_multirun_start(self, config: DictConfig, **kwargs: Any) -> None:
        """Validate every point, write ``sweep.json``, announce the sweep."""
        self.sweep_dir = Path(str(config.hydra.sweep.dir))
        self.attempt = datetime.now(UTC).isoformat()
        self.started = time.time()
        if uses_basic_sweeper(config):
            from hydra.core.global_hydra import GlobalHydra

            try:
                self.plan = plan_sweep(config, GlobalHydra.instance().config_loader())
            except (SpecError, HydraException, OmegaConfBaseException) as e:
                # a bad value, or a point that does not compose (unknown option, bad override);
                # a SpecError raised in a resolver (${pilotsim.worlds:}) speaks for itself
                print(f"pilotsim: invalid sweep, no run started: {_root_spec_error(e)}",
                      file=sys.stderr)
                sys.exit(EXIT_INVALID)
            total, done = len(self.plan.points), len(self.plan.done)
            self.to_run = total - done
            running = [p for p in self.plan.points
                       if (runfolder.read_metadata(p.folder) or {}).get("status") == "running"]
            if running:
                log.warning("%d %s marked running (%s%s): killed earlier, or still being "
                            "written by another sweep; run again now", len(running),
                            "run is" if len(running) == 1 else "runs are", running[0].folder,
                            ", ..." if len(running) > 1 else "")
        else:
            log.info("sweeper %s: points not validated up front",
                     OmegaConf.select(config, "hydra.sweeper._target_"))
            total, done = None, 0
        provenance.start(config, self.plan, self.attempt, done)
        launcher = str(OmegaConf.select(config, "hydra.launcher._target_")).rsplit(".", 1)[-1]
        n_arms = len(self.plan.arms()) if self.plan else 0
        arms = f" ({n_arms} arm{'s' if n_arms != 1 else ''})" if self.plan else ""
        reused = f", {done} already complete and skipped" if done else ""
        runs = f"{total} runs" if total is not None else "runs (not planned)"
        log.info("pilotsim sweep: %s%s%s, launcher %s, into %s", runs, arms, reused,
                 launcher, self.sweep_dir)
        log.info("resume an interrupted sweep with: hydra.sweep.dir=%s", self.sweep_dir)

    # --------------------------------------------------------------------------------- job

    def on_job_end(self, config: DictConfig, job_return: Any, **kwargs: Any) -> None:
        """Record the job's outcome; log a progress line at milestones."""
        if not _is_multirun() or self.attempt is None:
            return
        outcome = job_return.return_value
        if not isinstance(outcome, dict):  # the task raised (not through run_point)
            outcome = {"status": "failed", "error": repr(outcome)}
        sweep_dir = Path(str(config.hydra.sweep.dir))
        tick = progress.record(sweep_dir, self.attempt, outcome)
        if outcome.get("status") == "skipped" or self.to_run is None:
            return
        if progress.should_print(tick, self.to_run, self.progress_lines):
            elapsed = time.time() - (self.started or time.time())
            log.info("pilotsim sweep: %s", progress.line(tick, self.to_run, elapsed))

    # --------------------------------------------------------------------------------- end

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        """Count outcomes, compare the arms, record the attempt; exit 1 if a run failed."""
        sweep_dir = Path(str(config.hydra.sweep.dir))
        counts, failed = self._count(sweep_dir)
        comparison = self._compare(sweep_dir)
        if self.attempt is not None:
            provenance.finish(sweep_dir, self.attempt, counts, comparison)
        elapsed = progress.format_duration(time.time() - (self.started or time.time()))
        summary = ", ".join(f"{n} {s}" for s, n in counts.items() if n)
        log.info("pilotsim sweep finished in %s: %s; %s", elapsed, summary or "no runs",
                 sweep_dir)
        for folder, error in failed[:10]:
            log.error("failed: %s: %s", folder, error)
        if len(failed) > 10:
            log.error("... and %d more failed runs (status in each metadata.json)",
                      len(failed) - 10)
        if failed and self.fail_exit_code:
            sys.exit(EXIT_FAILED_RUNS)

    def _count(self, sweep_dir: Path) -> tuple[dict[str, int], list[tuple[str, str]]]:
        if self.plan is not None:
            folders = [p.folder for p in self.plan.points]
        else:
            folders = sorted(p.parent for p in sweep_dir.rglob("metadata.json"))
        counts = {"complete": 0, "failed": 0, "incomplete": 0}
        failed = []
        for folder in folders:
            meta = runfolder.read_metadata(folder) or {}
            status = meta.get("status")
            if status == "complete":
                counts["complete"] += 1
            elif status == "failed":
                counts["failed"] += 1
                failed.append((str(folder), meta.get("error", "?")))
            else:
                counts["incomplete"] += 1
        if self.plan is not None:
            counts["reused"] = len(self.plan.points) - (self.to_run or 0)
        return counts, failed

    def _compare(self, sweep_dir: Path) -> dict[str, Any]:
        if not self.compare:
            return {"status": "off"}
        try:
            from pilotsim.comparison import compare_sweep
        except ImportError as e:
            log.warning("no comparison: pilotsim.comparison is not available (%s)", e)
            return {"status": "unavailable", "reason": str(e)}
        reference, extra = self.reference, self._pilot_study(sweep_dir)
        if extra:  # a pilot study: compare every world and design with the reform nowhere
            reference = _pilot_reference(sweep_dir) or reference
        try:
            result = compare_sweep(sweep_dir, reference=reference,
                                   target_halfwidth=self.target_halfwidth, extra_blocks=extra)
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


    def _pilot_study(self, sweep_dir: Path) -> list:
        """Evaluate the sweep's pilot designs (if it has any) and return the report section."""
        from pilotsim.pilots.report import pilot_blocks, write_study
        from pilotsim.pilots.study import evaluate, load_runs

        runs = load_runs(sweep_dir)
        if not runs:
            return []
        try:
            study = evaluate(runs)
        except ValueError as e:  # e.g. a seed without its none/everywhere world
            log.warning("no pilot evaluation: %s", e)
            return []
        write_study(study, sweep_dir / "comparison")
        log.info("pilot evaluation: %s", study.paths["report_html"])
        return pilot_blocks(study)


def _robustness(sweep_dir: Path, reference: str, run_metrics: Any) -> str | None:
    """Write the robustness report when the sweep ran its arms in several worlds."""
    from pilotsim.comparison.runs import discover_runs
    from pilotsim.robustness import has_worlds, robustness_sweep

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


def _root_spec_error(e: BaseException) -> BaseException:
    """The SpecError behind a resolver's wrapped error, else ``e`` itself."""
    seen = e
    while seen is not None and not isinstance(seen, SpecError):
        seen = seen.__cause__ or seen.__context__
    return seen or e


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
