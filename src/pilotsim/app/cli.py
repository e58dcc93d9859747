"""The ``pilotsim`` command: a Hydra app that runs one scenario and writes its run folder.

pilotsim                                   # the default district, one year
pilotsim seed=7 sim.days=180               # overrides
pilotsim +scenario=erlang_c                # the queueing-theory validation scenario
pilotsim --help                            # this, and the config groups
pilotsim reform=one_door --cfg job         # the composed config
pilotsim -m 'seed=range(10)' sim.days=60   # a sweep (see pilotsim.app.sweeps, docs/experiments.md)
pilotsim +experiment=default               # a named study (experiments/), a sweep by itself

A single run exits non-zero if its config is invalid (2) or the run fails (1). In a sweep, each
job runs through `pilotsim.app.sweeps.run_point`: it skips a run already complete in its
folder, records a failing run in its folder instead of raising, and prints nothing on success;
the sweep's callback reports progress, the comparison and the exit code.
"""

from __future__ import annotations

import functools
import gc
import logging
import os
import shutil
import signal
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

if TYPE_CHECKING:
    from omegaconf import DictConfig

log = logging.getLogger("pilotsim")


def _quiet_mesa() -> None:
    # Mesa logs one INFO line per step; a year would be 365 lines of noise.
    logging.getLogger("MESA").setLevel(logging.WARNING)


def _app(cfg: DictConfig) -> dict | None:
    # Hydra's task function (decorated in main); the model (mesa) is imported here,
    # not at the top, so that `pilotsim --help` need not load it.
    from hydra.core.hydra_config import HydraConfig
    from hydra.types import RunMode
    from omegaconf import OmegaConf

    from pilotsim.spec import RunSpec
    from pilotsim.spec.schema import SpecError

    _quiet_mesa()
    hc = HydraConfig.get()
    if hc.mode == RunMode.MULTIRUN:
        from pilotsim.app.sweeps import run_point

        return run_point(cfg, hc.runtime.output_dir if cfg.output.write else None)
    # Resolve the config once (a city of a million residents takes ~0.25 s to resolve); if it
    # does not resolve, the spec names the key that fails.
    try:
        plain = OmegaConf.to_container(cfg, resolve=True)
    except Exception:
        plain = cfg
    try:
        spec = RunSpec.from_config(plain)
    except SpecError as e:
        _discard_run_dir(Path(hc.runtime.output_dir))
        _exit_invalid(str(e))
    # The run's modules only now: a rejected config's line need not wait for the model, Mesa
    # and pyarrow to import (~0.14 s of a rejected command's ~0.9 s)
    from pilotsim.analysis.summary import format_rows, summary_rows
    from pilotsim.app import api
    from pilotsim.app.sweeps import lean_exit

    out = hc.runtime.output_dir if cfg.output.write else None
    _single_run["folder"] = out
    # The process ends after this run (the exit freezes the heap: lean_exit below), so the
    # cyclic collector the runner pauses for the simulation stays paused for the tables and
    # the summary too: resumed, it walked the model's objects again (a city-year: its first
    # young collection 0.2-0.26 CPU s, the next 0.22 s, and sometimes a full one, ~0.7 s)
    gc.disable()
    result = api.run(plain, out_dir=out, spec=spec)
    if cfg.output.summary:
        meta = result.metadata
        print(f"pilotsim: {spec.arm}, seed {spec.seed}, {spec.sim.days} days, "
              f"{meta['counts']['residents']:,} residents simulated, "
              f"{meta['wall_seconds']:.1f} s")
        # from the Arrow tables: the command never asks for a DataFrame (pandas not imported)
        print(format_rows(summary_rows(result.tables["cases"], result.tables["visits"],
                                       spec.behaviour.satisfaction.satisfied_threshold)))
        if out:
            print(f"run folder: {out}")
    # every file is written and closed: the exit need not collect the model's cycles
    lean_exit.register(collect=False)


def _exit_invalid(message: str) -> NoReturn:
    from pilotsim.spec import config_errors

    print(f"pilotsim: invalid config: {message}", file=sys.stderr)
    sys.exit(config_errors.EXIT_INVALID)


def _discard_run_dir(folder: Path) -> None:
    """Remove what Hydra wrote into a rejected run's folder before the config was checked.

    Hydra creates the run folder, its ``.hydra/`` record and an empty log before the task
    starts; a rejected config must leave nothing that looks like a run. A folder that already
    held something else (another run's files) keeps them.
    """
    for logger in (logging.getLogger(), *logging.Logger.manager.loggerDict.values()):
        for handler in list(getattr(logger, "handlers", ())):
            # the log file Hydra opened in the folder
            if isinstance(handler, logging.FileHandler) and \
                    Path(handler.baseFilename).resolve().parent == folder.resolve():
                handler.close()
                logger.removeHandler(handler)
    shutil.rmtree(folder / ".hydra", ignore_errors=True)
    for log_file in folder.glob("*.log"):
        if log_file.stat().st_size == 0:
            log_file.unlink(missing_ok=True)
    cwd = Path.cwd().resolve()
    folder = folder.resolve()
    while True:
        try:
            folder.rmdir()  # only if empty now
        except OSError:
            return
        folder = folder.parent  # and results/runs/ if Hydra made them for this run
        if folder == cwd or cwd not in folder.parents:
            return


def _one_line_config_errors() -> None:
    """Report a config that Hydra cannot compose in one line, with exit code 2.

    Hydra prints its composition errors (an unknown option, a key not in the config, an
    override that does not parse, a YAML file that does not load) as a block or a traceback
    and exits 1; pilotsim's own checks say ``key = value: expected ...`` and exit 2. Hydra
    reports every error of its entry point through ``hydra._internal.utils.run_and_report``;
    wrapping it is the one place where both meet. Errors that are not about the config go on
    to Hydra's reporting unchanged, as does everything with ``HYDRA_FULL_ERROR=1``.
    """
    from hydra._internal import utils as hydra_utils

    from pilotsim.spec import config_errors

    original = hydra_utils.run_and_report
    if getattr(original, "pilotsim", False):
        return

    def run_and_report(func: Any) -> Any:
        try:
            return func()
        except Exception as e:
            message = None if os.environ.get("HYDRA_FULL_ERROR") else config_errors.describe(e)
            if message is None:
                return original(functools.partial(_raise, e))
            _exit_invalid(message)

    run_and_report.pilotsim = True  # type: ignore[attr-defined]
    hydra_utils.run_and_report = run_and_report


def _raise(error: BaseException) -> NoReturn:
    raise error


def _register_sweeper() -> None:
    # Hydra finds plugins by scanning the hydra_plugins package's folders, which an editable
    # install (dev.sh) does not expose for this project; register the sweeper explicitly
    # (a no-op when the scan found it). The scan re-executes Hydra's core plugin modules, so
    # it must come first: the sweeper subclasses the basic sweeper it leaves in place. A
    # second command in the same process (a notebook, a test) may scan again, leaving our
    # class a subclass of the previous BasicSweeper: then it is made again from the current one.
    import importlib

    from hydra._internal.core_plugins import basic_sweeper
    from hydra.core.plugins import Plugins

    plugins = Plugins.instance()
    from hydra_plugins.pilotsim_sweeper import planned_sweeper

    if not issubclass(planned_sweeper.PlannedSweeper, basic_sweeper.BasicSweeper):
        planned_sweeper = importlib.reload(planned_sweeper)
    plugins.register(planned_sweeper.PlannedSweeper)


_single_run: dict[str, str | None] = {}


class Interrupted(KeyboardInterrupt):
    """Ctrl-C or SIGTERM, carrying the signal's name (``signal_name``)."""

    def __init__(self, signal_name: str) -> None:
        super().__init__(signal_name)
        self.signal_name = signal_name


def _raise_interrupted(signum: int, frame: Any) -> None:
    raise Interrupted(signal.Signals(signum).name)


def _stop_cleanly() -> None:
    """Make SIGTERM stop the program the way Ctrl-C does.

    The run in hand is marked interrupted, a sweep's workers are stopped, and the user is told
    what finished and how to resume (SIGTERM's default is to die silently, leaving runs marked
    running).
    """
    for sig in (signal.SIGINT, signal.SIGTERM):
        if signal.getsignal(sig) in (signal.default_int_handler, signal.SIG_DFL):
            signal.signal(sig, _raise_interrupted)


def _interrupted(how: str) -> list[str]:
    from pilotsim.app.sweeps.callback import active

    sweep = active()
    if sweep is not None:
        return sweep.interrupted(how)
    folder = _single_run.get("folder")
    where = f"; its folder {folder} is marked interrupted" if folder else ""
    return [f"pilotsim: run interrupted ({how}){where}",
            "nothing of a single run is kept: run the same command again to start it anew"]


def _asks_for_help(args: list[str]) -> bool:
    # Only a bare --help: with overrides, Hydra's help shows the config they compose.
    return args in (["--help"], ["-h"])


def _asks_for_multirun(args: list[str]) -> bool:
    return "-m" in args or "--multirun" in args


def main() -> None:
    """Console entry point."""
    if _asks_for_help(sys.argv[1:]):
        from pilotsim.app import usage

        print(usage.text(__doc__))
        return
    import hydra

    from pilotsim.app import compose_once, libyaml

    # here, not at the top: importing the spec package (numpy, pandas) would slow --help
    from pilotsim.spec import studies

    _quiet_mesa()
    libyaml.install()  # first: the studies' files load with it too
    studies.register()
    _register_sweeper()
    _one_line_config_errors()
    compose_once.install(single_run=not _asks_for_multirun(sys.argv[1:]))
    _stop_cleanly()
    # Ray folds log lines that differ only in their numbers into "[repeated 5x across
    # cluster]": that is every progress line of a sweep. Read by Ray when it starts.
    os.environ.setdefault("RAY_DEDUP_LOGS", "0")
    try:
        # the conf package installed as pilotsim.conf (a plain path would be relative to this
        # module's folder, pilotsim/app/)
        hydra.main(config_path="pkg://pilotsim.conf", config_name="config",
                   version_base="1.3")(_app)()
    except KeyboardInterrupt as e:
        how = getattr(e, "signal_name", "SIGINT")
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not cut this short
        print("\n".join(_interrupted(how)), file=sys.stderr, flush=True)
        sys.exit(128 + signal.Signals[how].value)
