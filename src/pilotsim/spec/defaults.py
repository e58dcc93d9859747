"""The parameter dataclasses' defaults as Hydra config nodes: one source of defaults.

A default lives in exactly one place, the field of its spec dataclass (e.g.
:class:`pilotsim.spec.pilot_designs.PilotSpec`). Hydra sees it through a node stored in its
ConfigStore, and a group's YAML files extend that node (``defaults: [_base, _self_]``) and
carry only what differs. The composed config keeps every key, so an override such as
``pilot.sites=6`` needs no ``+``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from pilotsim.spec.pilot_designs import PilotSpec

BASE = "_base"  # option name of a group's dataclass defaults (a leading _: not a choice to make)


def plain_defaults(cls: type) -> dict[str, Any]:
    """A dataclass's defaults as plain data (what its YAML would say for each key).

    Args:
        cls: A dataclass whose fields all have defaults.

    Returns:
        Field name → default; nested dataclasses as mappings, tuples as lists.
    """
    return _plain(cls())


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value):
        return {f.name: _plain(getattr(value, f.name))
                for f in dataclasses.fields(value) if f.init}
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    return value


def groups() -> dict[str, type]:
    """Config group → the dataclass whose defaults its options extend."""
    return {"pilot": PilotSpec}


def register() -> None:
    """Store each group's dataclass defaults in Hydra's ConfigStore as option ``_base``.

    Storing again replaces the node with the same data, so calling this more than once is
    harmless.
    """
    from hydra.core.config_store import ConfigStore

    store = ConfigStore.instance()
    for group, cls in groups().items():
        store.store(group=group, name=BASE, node=plain_defaults(cls), provider="pilotsim")
