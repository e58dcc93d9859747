"""Teaching scenarios: presets in ``conf/teaching/`` that set up the dashboard for one lesson.

A preset is a ``# @package _global_`` config file (``pilotsim-dashboard +teaching=pooling``).
Besides any shared config values (both worlds get them), it holds a ``teaching`` block that the
dashboard reads and removes before validating the run spec::

    teaching:
      title: Pooling counters (one door)
      explanation: One paragraph the app shows next to the worlds.
      warm_up: 14         # days both worlds run before the comparison counts
      suggested_day: 60   # the day to stop at and read the numbers (the lesson's point)
      by_district: false  # the headline also shows each district (a lesson about a place)
      changes:            # the reform world's starting controls (see settings.Changes)
        reforms: [one_door]
        start_day: 14
        counters: {east_civil_affairs: 3}
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import yaml

from pilotsim.app.dashboard.settings import Changes
from pilotsim.spec.schema import build, check

GROUP = "teaching"


@dataclass(frozen=True)
class Teaching:
    """A teaching scenario's text and starting changes.

    Attributes:
        title: A short title.
        explanation: One paragraph: what the two worlds show and what to point at.
        changes: The reform world's starting changes (the controls start there).
        warm_up: Days before the comparison counts (the headline's "since" column and the
            district figures start there): the worlds fill with cases first.
        suggested_day: The day the lesson's text is written for (the tests check its claims
            there).
        by_district: Whether the headline shows each district too (a lesson about a place).
    """

    title: str = "Your own comparison"
    explanation: str = (
        "The left map is the city as configured; the right map is the same city, the same "
        "residents and the same days of need, with the reforms and changes chosen in the "
        "sidebar. Press Reset after changing a control.")
    changes: Changes = field(default_factory=Changes)
    warm_up: int = 0
    suggested_day: int = 60
    by_district: bool = False

    def __post_init__(self) -> None:
        check(self.warm_up >= 0, "warm_up", self.warm_up, "an integer >= 0 (days)")
        check(self.suggested_day >= 1, "suggested_day", self.suggested_day,
              "an integer >= 1 (a day to stop at)")

    @classmethod
    def from_config(cls, cfg: Mapping[str, Any]) -> Teaching:
        """The ``teaching`` block of a composed config (defaults if there is none)."""
        block = cfg.get(GROUP) if hasattr(cfg, "get") else None
        if block is None:
            return cls()
        try:
            from omegaconf import DictConfig, OmegaConf

            if isinstance(block, DictConfig):
                block = OmegaConf.to_container(block, resolve=True)
        except ImportError:  # pragma: no cover - hydra is a dependency
            pass
        return build(cls, block, GROUP)


def preset_names() -> list[str]:
    """The shipped teaching presets (names usable as ``+teaching=NAME``)."""
    folder = resources.files("pilotsim.conf") / GROUP
    if not folder.is_dir():
        return []
    return sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".yaml"))


def read_preset(name: str) -> Teaching:
    """A preset's ``teaching`` block read from its file (without composing the config)."""
    text = (resources.files("pilotsim.conf") / GROUP / f"{name}.yaml").read_text()
    data = yaml.safe_load(text) or {}
    return build(Teaching, data.get(GROUP, {}), f"{GROUP}/{name}.yaml:{GROUP}")


def strip(cfg_plain: dict) -> dict:
    """The plain config without the dashboard-only ``teaching`` block (for the run spec)."""
    return {k: v for k, v in cfg_plain.items() if k != GROUP}
