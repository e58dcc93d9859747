"""Run a spec in-process: build its interventions, give them to the model, run, make the tables.

This is the one place that assembles a run (it sits in ``plugins``, the lowest layer that sees
both the model and the interventions): :func:`build_model` turns a spec into the reforms, the
pilot schedule and the pilot-site boost and hands them to
:class:`~pilotsim.sim.model.PilotModel`, which receives its interventions and builds none
itself; :func:`run` runs that model and makes the tables (and writes the run folder if asked).
The app's :mod:`pilotsim.app.api` is the public face of the same functions; analysis code that
must run the model (pilot studies, forecasts, calibration) calls this module, not the app.
"""

from __future__ import annotations

import dataclasses
import gc
import os
import time
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pilotsim.plugins.pilots.boost import boost_interventions
from pilotsim.plugins.pilots.schedule import pilot_schedule
from pilotsim.plugins.reforms.base import combine_waves
from pilotsim.plugins.reforms.registry import build_reforms
from pilotsim.sim import records, runfolder, tables
from pilotsim.sim.model import Intervention, PilotModel
from pilotsim.sim.phases import Phase
from pilotsim.spec import RunSpec, plain_config
from pilotsim.spec.schema import SpecError
from pilotsim.spec.uncertainty import resolve_world

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa


def build_model(spec: RunSpec, interventions: Iterable[Intervention] = (),
                schedule: Mapping[str, int | None] | None = None) -> PilotModel:
    """The model of ``spec`` with the spec's reforms, pilot schedule and boost.

    Args:
        spec: The validated run spec.
        interventions: Further interventions, applied after the spec's own.
        schedule: A rollout of the spec's reforms (community → start day, or None), e.g. a
            pilot design's; it replaces their own scopes and start days (see
            :func:`pilotsim.plugins.reforms.registry.build_reforms`). None: the spec's pilot
            design chooses it (unless the design is ``as_configured``).
    """
    pilot_sites: dict[str, int | None] = {}
    if schedule is None and spec.pilot.design != "as_configured":
        pilot_sites, schedule = pilot_schedule(spec)
    return PilotModel(spec, [*boost_interventions(spec, schedule), *interventions],
                      reforms=build_reforms(spec, schedule), pilot_sites=pilot_sites)


@dataclass
class RunResult:
    """What one run produced.

    The tables are held as Arrow (``tables``: "cases", "visits", "site_days"); each becomes a
    DataFrame when first asked for (``cases``, ``visits``, ``site_days``), so a caller that
    does not ask (the ``pilotsim`` command) never imports pandas.

    Attributes:
        tables: The three tables as Arrow, by name.
        metadata: Seed, config, versions, timings (as written to ``metadata.json``).
        model: The model at the end of the run (for inspection; in a run that wrote its
            folder, the cases written to ``cases.parquet`` during the run are None in
            ``model.cases``: :class:`~pilotsim.sim.records.CaseParquetStream`).
        folder: The run folder, if one was written.
    """

    tables: dict[str, pa.Table] = field(repr=False)
    metadata: dict[str, Any]
    model: PilotModel = field(repr=False)
    folder: Path | None = None

    @cached_property
    def cases(self) -> pd.DataFrame:
        """One row per case."""
        return tables.frame(self.tables["cases"])

    @cached_property
    def visits(self) -> pd.DataFrame:
        """One row per office visit."""
        return records.visits_frame(self.model, self.tables["visits"])

    @cached_property
    def site_days(self) -> pd.DataFrame:
        """One row per community per day."""
        return tables.frame(self.tables["site_days"])


@contextmanager
def cyclic_gc_paused() -> Iterator[None]:
    """Pause CPython's cyclic garbage collector while the model runs.

    A run builds up hundreds of thousands of long-lived objects (cases, resident agents) and
    makes next to no cyclic garbage (160 objects in a district-year); the generational
    collector would scan the growing heap again and again, 15–20 % of the CPU time of a
    240,000-resident year. Reference counting still frees every temporary object; the
    collector is restored (and catches up) when the run ends.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def reform_metadata(model: PilotModel) -> dict[str, Any]:
    """The run's ``cost`` (summed over reforms), ``reform_costs`` (each) and ``treatment``.

    ``treatment`` maps every community to the first day a reform reaches it, or None.
    """
    waves: dict[str, list[dict[str, float]]] = {}
    for r in model.reforms:  # a stepped wedge runs a reform once per wave: count them all
        waves.setdefault(r.name, []).append(r.report(model.levers))
    per = {name: combine_waves(reports) for name, reports in waves.items()}
    cost = {k: float(sum(c[k] for c in per.values()))
            for k in ("staff_hours", "budget", "setup_budget", "running_budget")}
    first: dict[str, int | None] = {c: None for c in model.community_names}
    for r in model.reforms:
        if not r.started:
            continue
        for ci in r.reached():
            name = model.community_names[ci]
            day = first[name]
            first[name] = r.start_day if day is None else min(day, r.start_day)
    return {"cost": cost, "reform_costs": per, "treatment": first}


def run(cfg: Any, out_dir: str | Path | None = None, spec: RunSpec | None = None) -> RunResult:
    """Validate ``cfg``, run the model to the end, and optionally write the run folder.

    Args:
        cfg: A composed config (DictConfig) or plain dict.
        out_dir: Folder to write the run into (created if needed); None writes nothing.
        spec: An already validated spec for ``cfg`` (skips validation).

    Returns:
        The tables, metadata and final model.

    Raises:
        SpecError: if the config is invalid; nothing is written then.
        Exception: whatever the simulation raised; the run folder's ``metadata.json`` then says
            ``"status": "failed"`` with the ``error`` and a ``traceback`` summary (if the
            folder can still be written). KeyboardInterrupt (Ctrl-C, or SIGTERM in the CLI)
            leaves ``"status": "interrupted"``.
    """
    with failures_marked([out_dir]):
        return _run(cfg, out_dir, spec)


@contextmanager
def failures_marked(out_dirs: Iterable[str | Path | None]) -> Iterator[None]:
    """Mark the run folders among ``out_dirs`` failed or interrupted if the block raises.

    A :class:`SpecError` is raised before any folder is written and marks nothing; only a
    folder whose run started writing and did not finish is marked (a complete one stays so).
    """
    try:
        yield
    except SpecError:
        raise
    except Exception as e:
        for folder in _unfinished(out_dirs):
            runfolder.remove_temp_files(folder)
            runfolder.mark_failed(folder, e)
        raise
    except BaseException as e:  # Ctrl-C, SIGTERM (see pilotsim.app.cli), sys.exit from a handler
        for folder in _unfinished(out_dirs):
            runfolder.remove_temp_files(folder)
            runfolder.mark_interrupted(folder, getattr(e, "signal_name", type(e).__name__))
        raise


def _unfinished(out_dirs: Iterable[str | Path | None]) -> list[Path]:
    return [Path(d) for d in out_dirs if d is not None]


def _run(cfg: Any, out_dir: str | Path | None, spec: RunSpec | None) -> RunResult:
    run = Started.begin(cfg, out_dir, spec)
    t = time.perf_counter()
    model = build_model(run.spec)
    run.build_seconds = time.perf_counter() - t
    return run.simulate(model)


@dataclass
class Started:
    """A run under way: its spec, config, metadata and folder, and the clock of its stages.

    :func:`run` begins one, builds its model and simulates it; a pilot study's worlds
    (:mod:`pilotsim.plugins.forking`) begin one each and hand :meth:`simulate` a model
    continued from the days they share.

    Attributes:
        spec: The validated spec.
        plain: The config as the run used it (``config.yaml``).
        meta: The metadata so far (written to the folder as ``"status": "running"``).
        folder: The run folder, if one is written.
        validate_seconds: The time :meth:`begin` took.
        build_seconds: The time the model's build took (the caller's to set; a fork's includes
            restoring the shared days' snapshot).
    """

    spec: RunSpec
    plain: dict[str, Any]
    meta: dict[str, Any]
    folder: Path | None
    validate_seconds: float
    build_seconds: float = 0.0

    @classmethod
    def begin(cls, cfg: Any, out_dir: str | Path | None, spec: RunSpec | None) -> Started:
        """Validate ``cfg`` (unless ``spec`` is given) and start the metadata (and folder)."""
        t0 = time.perf_counter()
        spec = spec or RunSpec.from_config(cfg)
        plain = plain_config(cfg)
        plain.pop("hydra", None)
        # The hash is of the config as the sweep planned it (world number, not its values), so
        # a resumed sweep recognises the run; config.yaml holds the values the run used.
        config_hash = runfolder.config_hash(plain)
        plain, world = resolve_world(plain)
        meta: dict[str, Any] = {
            "status": "running",
            "seed": spec.seed,
            "arm": spec.arm,
            "days": spec.sim.days,
            "sample_fraction": spec.sim.sample_fraction,
            "started_at": runfolder.now_iso(),
            "package_version": runfolder.package_version(),
            "git_commit": runfolder.git_commit(),
            "dependencies": runfolder.dependency_versions(),
            "config": plain,
            "config_hash": config_hash,
            **runfolder.process_fields(),
            "world": world,
            "fork": None,
        }
        folder = Path(out_dir) if out_dir is not None else None
        if folder is not None:
            folder.mkdir(parents=True, exist_ok=True)
            runfolder.write_metadata(folder, meta)
        return cls(spec, plain, meta, folder, time.perf_counter() - t0)

    def simulate(self, model: PilotModel, shared_seconds: float = 0.0) -> RunResult:
        """Run ``model`` to the end, make the tables, write the folder; the run's result.

        ``model`` may have run some days already (a fork's shared days, which took
        ``shared_seconds``, counted in the ``simulate`` timing as its phase seconds count
        them): the visits it holds go to ``visits.parquet`` first, and its cases, closed or
        open, are written as an unforked run writes them.
        """
        folder, meta = self.folder, self.meta
        t1 = time.perf_counter()
        stream = case_stream = None
        if folder is not None:  # visits, and closed cases, go to Parquet as the run goes
            stream = records.VisitParquetStream(runfolder.temp_path(folder / "visits.parquet"),
                                                model)
            model.visits.attach(stream.write)
            case_stream = records.CaseParquetStream(
                runfolder.temp_path(folder / "cases.parquet"), model)
            write_closed = case_stream.after_day  # a last phase of the day (the day is data)
            model.phases.append(Phase(
                "cases_out", "closed cases ahead of the oldest open one go to cases.parquet",
                lambda d: write_closed()))
        t2 = time.perf_counter()
        with cyclic_gc_paused():
            model.run()
        t3 = time.perf_counter()
        if case_stream is not None and stream is not None:
            case_stream.close()
            cases = case_stream.read()
            stream.close()
            visits = stream.read()
        else:
            cases = records.cases_arrow(model)
            visits = records.visits_arrow(model, model.visits.columns())
        site_days = records.site_days_arrow(model, cases, visits)
        meta.update(reform_metadata(model))
        meta["pilot"] = {"design": self.spec.pilot.design, "unit": self.spec.pilot.unit,
                         "sites": model.pilot_sites,
                         "boost": dataclasses.asdict(self.spec.pilot.boost)}
        meta["counts"] = {"residents": int(model.population.size), "cases": len(cases),
                          "visits": len(visits)}
        if folder is not None:
            runfolder.write_config(folder, self.plain)
            assert case_stream is not None and stream is not None
            os.replace(case_stream.path, folder / "cases.parquet")
            runfolder.write_table(folder, "site_days", site_days)
            os.replace(stream.path, folder / "visits.parquet")
        t4 = time.perf_counter()
        # the streams' set-up counts as build, as the days shared with other runs as simulate
        timings = {"validate": self.validate_seconds, "build": self.build_seconds + t2 - t1,
                   "simulate": shared_seconds + t3 - t2, "tables_and_write": t4 - t3}
        meta["timings"] = {k: round(v, 4) for k, v in timings.items()}
        # where the simulate time went, phase by phase of the day (they sum to about
        # "simulate")
        meta["phase_seconds"] = {k: round(v, 4) for k, v in model.phase_seconds().items()}
        meta["wall_seconds"] = round(sum(timings.values()), 4)
        meta["finished_at"] = runfolder.now_iso()
        meta["status"] = "complete"
        if folder is not None:
            runfolder.write_metadata(folder, meta)
        return RunResult({"cases": cases, "visits": visits, "site_days": site_days}, meta,
                         model, folder)
