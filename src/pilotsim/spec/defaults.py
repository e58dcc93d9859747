"""The parameter dataclasses' defaults as Hydra config nodes: one source of defaults.

A default lives in exactly one place, the field of its spec dataclass (e.g.
:class:`pilotsim.spec.pilot_designs.PilotSpec`). Hydra sees it through a node stored in its
ConfigStore, and a group's YAML files extend that node (``defaults: [_base, _self_]``) and
carry only what differs. The composed config keeps every key, so an override such as
``pilot.sites=6`` needs no ``+``.

Reforms are one group whose options compose (``reform=[one_door,data_sharing]``), each under
its own key (``reform.one_door``). So each reform's ``Params`` defaults are a node of their own,
option ``NAME`` of group ``reform/_base``, and ``conf/reform/NAME.yaml`` places it under its
key: ``defaults: [_base@NAME: NAME, _self_]`` (group ``_base`` relative to ``reform``, package
``NAME`` relative to ``reform``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

BASE = "_base"  # option name of a group's dataclass defaults (a leading _: not a choice to make)
REFORM_GROUP = "reform"  # its options compose; each reform's defaults: group reform/_base


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


def register(groups: Mapping[str, type], sections: Mapping[str, type],
             reforms: Mapping[str, type]) -> None:
    """Store the dataclass defaults in Hydra's ConfigStore.

    The config tree (``pilotsim.conf``, the one place that knows the parameter dataclasses of
    every layer) calls this with its tables.

    Args:
        groups: Config group → dataclass; each gets option ``_base`` of its group.
        sections: Top-level section of ``config.yaml`` → dataclass; each gets option ``NAME``
            of group ``_base``.
        reforms: Reform name → its ``Params`` dataclass; each gets option ``NAME`` of group
            ``reform/_base`` (its YAML puts it under ``reform.NAME``).
    Storing again replaces a node with the same data, so calling this more than once is
    harmless.
    """
    from hydra.core.config_store import ConfigStore

    store = ConfigStore.instance()
    for group, cls in groups.items():
        store.store(group=group, name=BASE, node=plain_defaults(cls), provider="pilotsim")
    for name, cls in sections.items():
        store.store(group=BASE, name=name, node=plain_defaults(cls), provider="pilotsim")
    for name, cls in reforms.items():
        store.store(group=f"{REFORM_GROUP}/{BASE}", name=name, node=plain_defaults(cls),
                    provider="pilotsim")
