"""The plan of a sweep: every point's overrides, validated config, run folder and config hash.

Hydra's basic sweeper expands ``key=a,b`` and ``seed=range(10)`` into the Cartesian product of
points, and each job composes its own config. :func:`plan_sweep` does the same expansion and
composition up front, in the launching process, so that

- a config that cannot become a valid spec stops the sweep **before any run starts**
  (:class:`~pilotsim.spec.schema.SpecError` naming the point's overrides, the key and the value);
- two points that would write the same run folder are refused (they would overwrite each
  other, and a resumed sweep could not tell them apart);
- the points already complete in the sweep folder (same resolved config, so same seed) are
  known before launching, for the progress counter and the provenance record.
"""

from __future__ import annotations

import contextlib
import copy
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from omegaconf import DictConfig, ListConfig, OmegaConf, open_dict, read_write
from omegaconf.errors import OmegaConfBaseException

from pilotsim.sim import runfolder
from pilotsim.spec import RunSpec, resolver_error
from pilotsim.spec.schema import SpecError

# Sweepers that expand points the way Hydra's basic sweeper does (pilotsim's is a subclass).
BASIC_SWEEPERS = ("hydra._internal.core_plugins.basic_sweeper.BasicSweeper",
                  "hydra_plugins.pilotsim_sweeper.planned_sweeper.PlannedSweeper")


@dataclass(frozen=True)
class SweepPoint:
    """One run of a sweep.

    Attributes:
        num: Hydra's job number (position in the sweep).
        overrides: The overrides that make this point (sweep values and fixed ones).
        arm: The run's arm label.
        seed: The run's seed.
        folder: The run folder (sweep dir / subdir).
        config_hash: Fingerprint of the resolved run config (:func:`runfolder.config_hash`).
    """

    num: int
    overrides: tuple[str, ...]
    arm: str
    seed: int
    folder: Path
    config_hash: str

    def is_done(self) -> bool:
        """Whether the folder already holds this run, complete."""
        return is_done(self.folder, self.config_hash)

    def as_dict(self, sweep_dir: Path) -> dict[str, Any]:
        """Plain data for ``sweep.json`` (folder relative to the sweep dir)."""
        return {"num": self.num, "overrides": list(self.overrides), "arm": self.arm,
                "seed": self.seed, "folder": _relative(self.folder, sweep_dir),
                "config_hash": self.config_hash}


@dataclass(frozen=True)
class SweepPlan:
    """All points of a sweep and where they go.

    Attributes:
        sweep_dir: The sweep folder.
        params: The sweep's parameters: overrides from ``hydra.sweeper.params`` then the
            command line's task overrides, as written.
        points: The expanded points, in launch order.
    """

    sweep_dir: Path
    params: tuple[str, ...]
    points: tuple[SweepPoint, ...]

    @property
    def done(self) -> tuple[SweepPoint, ...]:
        """Points whose run folder is already complete for the same config."""
        return tuple(p for p in self.points if p.is_done())

    def arms(self) -> list[str]:
        """Arm labels in order of first appearance."""
        return list(dict.fromkeys(p.arm for p in self.points))


class SweepPlanError(SpecError):
    """A sweep that must not start: a point whose config is invalid, or clashing run folders."""


def is_done(folder: Path, config_hash: str) -> bool:
    """Whether ``folder`` holds a complete run of the config with hash ``config_hash``."""
    meta = runfolder.read_metadata(folder)
    return bool(meta) and meta.get("status") == "complete" \
        and meta.get("config_hash") == config_hash


def sweep_params(config: DictConfig) -> list[str]:
    """The sweep's parameters as override strings, the way Hydra's basic sweeper sees them.

    ``hydra.sweeper.params`` (set by a named study) come first, then the command line's task
    overrides; a later override of the same key wins, as in Hydra.
    """
    params = OmegaConf.select(config, "hydra.sweeper.params") or {}
    out = [f"{k}={v}" for k, v in params.items()]
    out += list(OmegaConf.to_container(config.hydra.overrides.task, resolve=False))
    return out


def expand(config: DictConfig, config_loader: Any) -> list[list[str]]:
    """Expand the sweep's parameters into one override list per point (Hydra's order)."""
    from hydra._internal.core_plugins.basic_sweeper import BasicSweeper
    from hydra.core.override_parser.overrides_parser import OverridesParser

    parser = OverridesParser.create(config_loader=config_loader)
    overrides = parser.parse_overrides(sweep_params(config))
    (batch,) = BasicSweeper.split_arguments(overrides, None)
    return batch


def uses_basic_sweeper(config: DictConfig) -> bool:
    """Whether the sweep is expanded by Hydra's basic sweeper (the only one planned here)."""
    return OmegaConf.select(config, "hydra.sweeper._target_") in BASIC_SWEEPERS


@contextlib.contextmanager
def _hydra_config(cfg: DictConfig) -> Iterator[None]:
    from hydra.core.hydra_config import HydraConfig

    hc = HydraConfig.instance()
    old = hc.cfg
    hc.set_config(cfg)
    try:
        yield
    finally:
        hc.cfg = old


def plan_sweep(config: DictConfig, config_loader: Any) -> SweepPlan:
    """Compose and validate every point of the sweep; refuse clashing run folders.

    Args:
        config: The multirun's config (as Hydra gives it to ``on_multirun_start``).
        config_loader: Hydra's config loader (composes each point as the job will).

    Returns:
        The plan.

    Raises:
        SweepPlanError: naming the first point whose config is invalid (and how many are), or
            two points that would write the same run folder.
    """
    sweep_dir = Path(str(config.hydra.sweep.dir))
    points: list[SweepPoint] = []
    invalid: list[tuple[list[str], SpecError]] = []
    # Composing is what costs (~0.1-0.4 s a point); points that differ only in the seed or
    # the world, plain values, compose to the same tree, so each other combination is
    # composed once.
    composed: dict[tuple[str, ...], DictConfig] = {}
    scenarios: dict[str, dict[str, dict]] = {}  # arm -> hash without the seed -> task config
    # Validating a spec is the next cost (~15 ms a point); two task configs equal but for an
    # integer seed >= 0 validate alike, so each is validated once and only its arm is kept.
    validated: dict[str, str] = {}  # hash of the task config without the seed -> its arm
    for num, overrides in enumerate(expand(config, config_loader)):
        rest, plain = _split_plain(overrides)
        job_cfg = composed.get(rest) if plain else None
        if job_cfg is None:
            job_cfg = config_loader.load_sweep_config(config, list(overrides))
            if plain:
                composed[rest] = job_cfg
        with read_write(job_cfg), read_write(job_cfg.hydra), open_dict(job_cfg):
            for key, value in plain.items():
                job_cfg[key] = value
            job_cfg.hydra.job.num = num
            job_cfg.hydra.job.id = f"{job_cfg.hydra.job.name}_{num}"
        try:
            with _hydra_config(job_cfg):
                subdir = str(OmegaConf.select(job_cfg, "hydra.sweep.subdir"))
                task = _task_config(job_cfg)
            scenario = runfolder.config_hash(task, without=("seed",))
            seed = task.get("seed")
            if scenario not in validated or type(seed) is not int or seed < 0:
                spec = RunSpec.from_config(task)
                validated[scenario], seed = spec.arm, spec.seed
        except SpecError as e:
            invalid.append((overrides, e))
            if e.key.startswith("uncertainty"):
                break  # the section is shared: every other point fails the same way
            continue
        arm = validated[scenario]
        points.append(SweepPoint(num, tuple(overrides), arm, seed, sweep_dir / subdir,
                                 runfolder.config_hash(task)))
        scenarios.setdefault(arm, {}).setdefault(scenario, task)
    if invalid:
        overrides, e = invalid[0]
        more = f" (and {len(invalid) - 1} more points)" if len(invalid) > 1 else ""
        raise SweepPlanError(e.key, e.value,
                             f"{e.expected} — in the sweep point {' '.join(overrides)}{more}")
    _refuse_clashes(points, sweep_dir)
    _refuse_mix(scenarios, sweep_dir)
    return SweepPlan(sweep_dir, tuple(sweep_params(config)), tuple(points))


def fails_as_written(config: DictConfig) -> bool:
    """Whether the sweep's config, before any sweep value, already fails the run's checks.

    The values that every point shares (``-m seed=0,1 sim.days=abc``) are in the multirun's
    own config, so every point fails alike and :func:`plan_sweep` will stop the sweep: the
    launcher's workers need not start (two processes importing the model, killed a moment
    later). A config with uncertain parameters is left to the plan: checking them draws values
    (SciPy's statistics), which would delay the workers of a good world sweep. Anything that
    does not settle it (an interpolation of a sweep value) is not a failure here.

    Args:
        config: The multirun's config (as Hydra gives it to ``on_multirun_start``).

    Returns:
        True only when the config as written is certainly invalid.
    """
    if OmegaConf.select(config, "uncertainty.parameters"):
        return False
    try:
        with _hydra_config(config):
            task = _task_config(config)
    except Exception:  # a value that needs the job's own config: the plan will tell
        return False
    try:
        RunSpec.from_config(task)
    except SpecError:
        return True
    except Exception:
        return False
    return False


PLAIN_KEYS = ("seed", "world")
"""Keys whose integer values a point can set on an already composed config."""


def _split_plain(overrides: Sequence[str]) -> tuple[tuple[str, ...], dict[str, int]]:
    """The overrides without plain ``seed=N`` and ``world=K``, and those values."""
    rest, plain = [], {}
    for o in overrides:
        key, _, value = o.partition("=")
        if key in PLAIN_KEYS and value.isdigit():
            plain[key] = int(value)
        else:
            rest.append(o)
    return tuple(rest), plain


def _task_config(job_cfg: DictConfig) -> dict:
    # What the job's task function receives (Hydra's run_job drops the hydra node), resolved
    # node by node so that the hydra node, which the job completes later, is never resolved.
    out = {}
    try:
        for key in job_cfg:
            if key == "hydra":
                continue
            value = job_cfg[key]
            out[key] = (OmegaConf.to_container(value, resolve=True)
                        if isinstance(value, DictConfig | ListConfig) else value)
    except OmegaConfBaseException as e:
        raise resolver_error(e, job_cfg) from None
    return out


def _refuse_clashes(points: Sequence[SweepPoint], sweep_dir: Path) -> None:
    seen: dict[Path, SweepPoint] = {}
    for p in points:
        other = seen.setdefault(p.folder, p)
        if other is not p:
            raise SweepPlanError(
                "hydra.sweep.subdir", _relative(p.folder, sweep_dir),
                "a different run folder for every sweep point, but the points "
                f"[{' '.join(other.overrides)}] and [{' '.join(p.overrides)}] both write it; "
                "give each point its own arm label (arm=...) or name the swept key in the "
                "subdir, e.g. hydra.sweep.subdir='${arm}/days${sim.days}_seed${seed}'")


def _refuse_mix(scenarios: dict[str, dict[str, dict]], sweep_dir: Path) -> None:
    """Refuse a sweep into a folder whose complete runs of the same arm have another config.

    Resuming or extending a sweep (more seeds, another arm) into its folder is the point of
    the folder; running the same arm with a changed config into it would leave runs of two
    configs under one label, which the comparison would pair as if they were one.
    """
    if not sweep_dir.is_dir():
        return
    for meta_path in sorted(sweep_dir.rglob("metadata.json")):
        meta = runfolder.read_metadata(meta_path.parent)
        if not meta or meta.get("status") != "complete" or meta.get("arm") not in scenarios:
            continue
        config = meta.get("config")
        mine = scenarios[meta["arm"]]
        if not isinstance(config, dict) or runfolder.config_hash(config, without=("seed",)) \
                in mine:
            continue
        # a world's run holds its drawn values: compare what the draw leaves alone
        world = meta.get("world")
        drawn = list(world.get("values") or {}) if isinstance(world, dict) else []
        skip = ("seed", "world", "uncertainty", *drawn)
        if drawn and _dropping(config, skip) in [_dropping(c, skip) for c in mine.values()]:
            continue
        key = first_difference(*(_dropping(c, skip) for c in
                                 (next(iter(mine.values())), config))) or "?"
        raise SweepPlanError(
            "hydra.sweep.dir", str(sweep_dir),
            f"a folder without runs of another config for the same arm, but "
            f"{_relative(meta_path.parent, sweep_dir)} holds a complete '{meta['arm']}' run "
            f"whose config differs (first at {key}); give this sweep its own folder, or "
            "remove those runs")


def _dropping(config: dict, keys: Sequence[str]) -> dict:
    """A copy of a plain config without the dotted ``keys`` (``*`` for any; missing ignored)."""
    def drop(node: Any, parts: list[str]) -> None:
        if not isinstance(node, dict):
            return
        head, rest = parts[0], parts[1:]
        names = list(node) if head == "*" else [head]  # ``*``: every key at that level
        for name in names:
            if not rest:
                node.pop(name, None)
            else:
                drop(node.get(name), rest)

    out = copy.deepcopy(config)
    for key in keys:
        drop(out, key.split("."))
    return out


def first_difference(a: Any, b: Any, path: str = "") -> str | None:
    """The first dotted key (in sorted order) at which two plain configs differ, or None."""
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b), key=str):
            here = f"{path}.{k}" if path else str(k)
            if k not in a or k not in b:
                return here
            found = first_difference(a[k], b[k], here)
            if found:
                return found
        return None
    return None if a == b else (path or "<root>")


def _relative(folder: Path, sweep_dir: Path) -> str:
    try:
        return str(folder.relative_to(sweep_dir))
    except ValueError:
        return str(folder)
