"""A sweep worker composes each combination of a sweep once, not each job.

Hydra's joblib launcher composes every job's config in the worker that runs it
(``config_loader.load_sweep_config``): ~0.25 s of CPU a job, a tenth of a default-study run,
and the same tree again and again, since the points of a sweep mostly differ in their seed.
:func:`load_sweep_config` keeps, per worker process, the config of each combination of the
other overrides; a later job that differs only in plain ``seed=N`` or ``world=K`` overrides
(the keys :mod:`pilotsim.app.sweeps.plan` also treats as plain) gets a copy with those values
set, and with what Hydra derives from the overrides made as Hydra makes them: the job's
``hydra.overrides.task`` and ``hydra.job.override_dirname``. Any other job is composed as
before. ``tests/sweeps/test_job_configs.py`` checks that both ways give the same config.

The kept configs belong to one sweep: :func:`clear` forgets them when the next sweep is set up
in the same process (``PlannedSweeper.setup``), so a config file edited between two sweeps of
one Python session is read again. (joblib's workers are new processes for each ``pilotsim``
command; only a session that launches several sweeps through Hydra's API within loky's idle
timeout reuses them.)
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from typing import Any

from omegaconf import DictConfig, OmegaConf, open_dict, read_write

PLAIN_KEYS: tuple[str, ...] = ("seed", "world")
"""Keys whose non-negative integer values a job can set on an already composed config."""

_composed: dict[tuple[Any, ...], tuple[DictConfig, tuple[str, ...]]] = {}


def _shape(overrides: Sequence[str]) -> tuple[tuple[str, ...], dict[str, int]]:
    """The overrides with plain values blanked (``seed=*``), and those values."""
    shape, plain = [], {}
    for o in overrides:
        key, sep, value = o.partition("=")
        if sep and key in PLAIN_KEYS and value.isdigit() and key not in plain:
            shape.append(f"{key}=*")
            plain[key] = int(value)
        else:
            shape.append(o)
    return tuple(shape), plain


def clear() -> None:
    """Forget the configs kept so far (a new sweep starts in this process)."""
    _composed.clear()


def load_sweep_config(compose: Callable[[DictConfig, list[str]], DictConfig],
                      master_config: DictConfig, sweep_overrides: Sequence[str]) -> DictConfig:
    """``compose(master_config, overrides)``, composed once per combination in this process.

    Args:
        compose: Hydra's ``config_loader.load_sweep_config``.
        master_config: The multirun's config.
        sweep_overrides: The job's overrides.

    Returns:
        The job's config, equal to what ``compose`` returns for it.
    """
    overrides = list(sweep_overrides)
    shape, plain = _shape(overrides)
    if not plain:
        return compose(master_config, overrides)
    key = (master_config.hydra.job.config_name,
           tuple(OmegaConf.to_container(master_config.hydra.overrides.hydra)), shape)
    if key not in _composed:
        cfg = compose(master_config, overrides)
        _composed[key] = (copy.deepcopy(cfg), tuple(overrides))
        return cfg
    template, template_overrides = _composed[key]
    cfg = copy.deepcopy(template)
    swap = dict(zip(template_overrides, overrides, strict=True))
    with read_write(cfg), open_dict(cfg):
        for name, value in plain.items():
            cfg[name] = value
        task = [swap.get(o, o) for o in cfg.hydra.overrides.task]
        cfg.hydra.overrides.task = task
        cfg.hydra.job.override_dirname = _override_dirname(cfg, task)
    # as Hydra does after composing: the multirun's resolved values (its ${now:})
    OmegaConf.copy_cache(from_config=master_config, to_config=cfg)
    return cfg


def _override_dirname(cfg: DictConfig, task: list[str]) -> str:
    """``hydra.job.override_dirname`` of a job with task overrides ``task`` (Hydra's rule)."""
    from hydra._internal.config_loader_impl import get_overrides_dirname
    from hydra.core.override_parser.overrides_parser import OverridesParser

    settings = cfg.hydra.job.config.override_dirname
    return get_overrides_dirname(overrides=OverridesParser.create().parse_overrides(task),
                                 kv_sep=settings.kv_sep, item_sep=settings.item_sep,
                                 exclude_keys=settings.exclude_keys)
