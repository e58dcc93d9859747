"""Discover the run folders of a sweep and sort them into usable and unusable runs.

A run folder is any directory under the sweep folder that holds a ``metadata.json`` (see the
run-folder contract). Only runs whose status is ``"complete"`` and whose Parquet tables are all
present count as results; every other folder is kept, with the reason, so that the report can
list it.

Runs are paired by *world* and seed. A run's world is its ``metadata.json`` ``world.id`` (a
draw of the ``uncertainty`` design), else the fingerprint of its config without the keys that
make an arm (reforms, pilot, arm label, seed): two runs of the same arm and seed that differ in
anything else (``behaviour.knowledge.wrong_office=0.1,0.2``) are two worlds, never duplicates.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.parquet as pq

from pilotsim.analysis.comparison.errors import ComparisonError
from pilotsim.sim.runfolder import config_hash
from pilotsim.spec import Satisfaction

ARM_KEYS: tuple[str, ...] = ("reform", "pilot", "arm", "seed", "world", "output", "hydra",
                             "compare")
"""Config keys that make an arm or a replicate rather than a world."""

TABLES: tuple[str, ...] = ("cases", "visits", "site_days")
"""The Parquet tables (``<name>.parquet``) every complete run folder must hold."""

__all__ = ["ARM_KEYS", "TABLES", "ComparisonError", "Run", "RunCatalog", "discover_runs"]


@dataclass(frozen=True)
class Run:
    """One run folder as read from its ``metadata.json``.

    Attributes:
        run_id: The folder's path relative to the sweep folder (POSIX form); unique per sweep.
        path: Absolute path of the run folder.
        status: ``"complete"``, ``"failed"``, ``"running"``, or ``"unreadable"`` when the
            metadata could not be read or lacks a required key.
        arm: The scenario label (``None`` if unreadable).
        seed: The run's seed (``None`` if unreadable).
        error: Why the run cannot be used (``None`` for a usable run).
        staff_hours: ``cost.staff_hours`` from the metadata (0 when absent).
        budget: ``cost.budget`` from the metadata (0 when absent).
        setup_budget: ``cost.setup_budget``, the one-off part of ``budget`` (0 when absent:
            runs written before it was recorded count all their budget as running).
        days: Simulated days (``None`` when absent).
        sample_fraction: Share of residents simulated (1 when absent).
        finished_at: ISO 8601 finishing time, used to choose among duplicate runs.
        satisfied_threshold: The run's ``behaviour.satisfaction.satisfied_threshold`` (its
            default for runs written before the key existed).
        world: The run's world: the draw's number (``metadata.json`` ``world.id``), or a
            description of the config keys in which the sweep's worlds differ; ``""`` when the
            sweep has one world.
        world_values: The world's parameter values (``world.values``; empty otherwise).
    """

    run_id: str
    path: Path
    status: str
    arm: str | None = None
    seed: int | None = None
    error: str | None = None
    staff_hours: float = 0.0
    budget: float = 0.0
    setup_budget: float = 0.0
    days: int | None = None
    sample_fraction: float = 1.0
    finished_at: str | None = None
    satisfied_threshold: float = Satisfaction.satisfied_threshold
    world: str = ""
    world_values: Mapping[str, Any] = field(default_factory=dict)

    @property
    def usable(self) -> bool:
        """Whether the run is complete, has all its tables and is not a duplicate."""
        return self.status == "complete" and self.error is None

    def table(self, name: str) -> Path:
        """Path of one of the run's Parquet tables, e.g. ``run.table("cases")``."""
        return self.path / f"{name}.parquet"


@dataclass(frozen=True)
class RunCatalog:
    """All run folders found under a sweep folder.

    Attributes:
        sweep_dir: The sweep folder that was searched.
        runs: Every run folder found, usable or not, sorted by ``run_id``.
    """

    sweep_dir: Path
    runs: tuple[Run, ...] = field(default_factory=tuple)

    @property
    def usable(self) -> list[Run]:
        """The runs that count as results."""
        return [r for r in self.runs if r.usable]

    @property
    def problems(self) -> list[Run]:
        """The runs that were found but do not count, each with its ``error``."""
        return [r for r in self.runs if not r.usable]

    @property
    def arms(self) -> list[str]:
        """Arms with at least one usable run, sorted."""
        return sorted({r.arm for r in self.usable if r.arm is not None})

    def to_frame(self) -> pd.DataFrame:
        """All runs as a table (one row per run folder)."""
        columns = ["run_id", "arm", "world", "seed", "status", "usable", "error", "staff_hours",
                   "budget", "days", "finished_at"]
        rows = [{**{c: getattr(r, c) for c in columns if c != "usable"}, "usable": r.usable}
                for r in self.runs]
        return pd.DataFrame(rows, columns=columns)


def _satisfied_threshold(meta: dict[str, Any]) -> float:
    """The run's share-satisfied threshold from its resolved config in ``metadata.json``."""
    config = meta.get("config")
    node: Any = config if isinstance(config, dict) else {}
    for key in ("behaviour", "satisfaction", "satisfied_threshold"):
        node = node.get(key) if isinstance(node, dict) else None
    if isinstance(node, int | float) and not isinstance(node, bool):
        return float(node)
    return Satisfaction.satisfied_threshold


def _read_run(path: Path, sweep_dir: Path) -> Run:
    run_id = path.relative_to(sweep_dir).as_posix() or "."
    try:
        meta: dict[str, Any] = json.loads((path / "metadata.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:  # ValueError: not JSON, or not UTF-8
        return Run(run_id, path, "unreadable", error=f"metadata.json cannot be read: {exc}")
    if not isinstance(meta, dict):
        return Run(run_id, path, "unreadable", error="metadata.json is not a JSON object")
    status = str(meta.get("status", "unknown"))
    arm, seed = meta.get("arm"), meta.get("seed")
    cost = meta.get("cost") or {}
    try:
        if not isinstance(cost, dict):
            raise TypeError(f"'cost' is {cost!r}, not a mapping of staff_hours and budget")
        common: dict[str, Any] = {
            "arm": str(arm) if arm is not None else None,
            "seed": int(seed) if isinstance(seed, int | float) and not isinstance(seed, bool)
            else None,
            "staff_hours": float(cost.get("staff_hours") or 0.0),
            "budget": float(cost.get("budget") or 0.0),
            "setup_budget": float(cost.get("setup_budget") or 0.0),
            "days": meta.get("days"),
            "sample_fraction": float(meta.get("sample_fraction") or 1.0),
            "finished_at": meta.get("finished_at"),
            "satisfied_threshold": _satisfied_threshold(meta),
            **_world_of(meta),
        }
    except (TypeError, ValueError, OverflowError) as exc:
        return Run(run_id, path, "unreadable", error=f"metadata.json has a malformed value: {exc}")
    if status == "failed":
        return Run(run_id, path, status, error=str(meta.get("error") or "failed (no error given)"),
                   **common)
    if status != "complete":
        return Run(run_id, path, status, error=f"not complete (status {status!r})", **common)
    if common["arm"] is None or common["seed"] is None:
        return Run(run_id, path, "unreadable",
                   error="metadata.json lacks 'arm' or an integer 'seed'", **common)
    missing = [f"{t}.parquet" for t in TABLES if not (path / f"{t}.parquet").is_file()]
    if missing:
        return Run(run_id, path, status, error=f"complete but missing {', '.join(missing)}",
                   **common)
    for t in TABLES:  # the footer names the schema and row groups: a cut or garbled file fails
        try:
            pq.read_metadata(path / f"{t}.parquet")
        except (OSError, ValueError) as exc:  # pyarrow's ArrowInvalid is a ValueError
            return Run(run_id, path, "unreadable",
                       error=f"{t}.parquet is not a readable Parquet file: {exc}", **common)
    return Run(run_id, path, status, **common)


def _world_of(meta: Mapping[str, Any]) -> dict[str, Any]:
    """``world`` and ``world_values`` of a run (a config fingerprint for runs without a draw)."""
    world = meta.get("world")
    if isinstance(world, Mapping) and world.get("id") is not None:
        values = world.get("values")
        return {"world": str(world["id"]),
                "world_values": dict(values) if isinstance(values, Mapping) else {}}
    config = meta.get("config")
    if isinstance(config, Mapping):
        rest = {k: v for k, v in config.items() if k not in ARM_KEYS}
        return {"world": "config " + config_hash(rest)[:10]}
    return {"world": ""}


def _flat(node: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(node, Mapping):
        out: dict[str, Any] = {}
        for k, v in node.items():
            out.update(_flat(v, f"{prefix}.{k}" if prefix else str(k)))
        return out
    return {prefix: node}


def _name_worlds(runs: list[Run], sweep_dir: Path) -> list[Run]:
    """Replace config fingerprints by the keys in which the worlds differ (``""`` if one)."""
    prints = {r.world: r for r in runs if r.world.startswith("config ")}
    if len(prints) <= 1:
        return [Run(**{**r.__dict__, "world": ""}) if r.world in prints else r for r in runs]
    flats = {}
    for w, r in prints.items():
        meta = json.loads((r.path / "metadata.json").read_text(encoding="utf-8"))
        flats[w] = _flat({k: v for k, v in meta["config"].items() if k not in ARM_KEYS})
    keys = sorted(set().union(*flats.values()))
    varying = [k for k in keys if len({repr(f.get(k)) for f in flats.values()}) > 1]
    names = {w: ", ".join(f"{k}={f.get(k)}" for k in varying) for w, f in flats.items()}
    values = {w: {k: f.get(k) for k in varying} for w, f in flats.items()}
    return [Run(**{**r.__dict__, "world": names[r.world], "world_values": values[r.world]})
            if r.world in names else r for r in runs]


def _mark_duplicates(runs: list[Run]) -> list[Run]:
    """Keep one usable run per (arm, world, seed): the one that finished last; flag others."""
    by_key: dict[tuple[str | None, str, int | None], list[Run]] = {}
    for run in runs:
        if run.usable:
            by_key.setdefault((run.arm, run.world, run.seed), []).append(run)
    dropped: dict[str, str] = {}
    for group in by_key.values():
        if len(group) > 1:
            keep = max(group, key=lambda r: (r.finished_at or "", r.run_id))
            for r in group:
                if r is not keep:
                    dropped[r.run_id] = (f"duplicate of {keep.run_id} (same arm, world and "
                                         "seed); ignored")
    return [Run(**{**r.__dict__, "error": dropped[r.run_id]}) if r.run_id in dropped else r
            for r in runs]


def discover_runs(sweep_dir: str | Path) -> RunCatalog:
    """Find every run folder under ``sweep_dir`` (at any depth) and read its metadata.

    Args:
        sweep_dir: The sweep folder.

    Returns:
        The catalogue of runs, usable and not.

    Raises:
        ComparisonError: If ``sweep_dir`` does not exist or is not a directory.
    """
    root = Path(sweep_dir).expanduser().resolve()
    if not root.exists():
        raise ComparisonError(f"sweep directory '{sweep_dir}' does not exist; "
                              "expected a folder holding run folders (each with metadata.json)")
    if not root.is_dir():
        raise ComparisonError(f"sweep directory '{sweep_dir}' is a file, not a directory")
    folders = sorted({p.parent for p in root.rglob("metadata.json") if p.is_file()})
    runs = _name_worlds([_read_run(f, root) for f in folders], root)
    return RunCatalog(root, tuple(_mark_duplicates(runs)))
