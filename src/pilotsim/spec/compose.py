"""Compose the shipped config tree (``pilotsim.conf``) with Hydra override strings."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pilotsim.spec import studies

CONFIG_MODULE = "pilotsim.conf"


def compose(overrides: Sequence[str] = (), config_name: str = "config") -> Any:
    """Compose the shipped config tree with Hydra override strings (``["seed=7"]``)."""
    from hydra import compose as hydra_compose
    from hydra import initialize_config_module

    studies.register()

    with initialize_config_module(config_module=CONFIG_MODULE, version_base="1.3"):
        return hydra_compose(config_name=config_name, overrides=list(overrides))
