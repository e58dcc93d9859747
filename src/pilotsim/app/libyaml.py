"""The command's YAML read and written by libyaml (PyYAML's C extension), with the same results.

OmegaConf reads every config file, and writes Hydra's ``.hydra/`` record, with PyYAML's
pure-Python parser and emitter. For the 1M-resident city (a 120 kB config file, an
8,000-line config) that was ~0.5 CPU s of parsing and ~0.2 s of writing ``.hydra/``; the
default district's ~0.1 s in all. libyaml parses and emits the same YAML 4–7× faster (the
run's own ``config.yaml``: :func:`pilotsim.sim.runfolder.write_config`).

The C classes keep PyYAML's Python halves, so the values are the same: the constructors and
implicit resolvers (OmegaConf's float rule, its duplicate-key check) and the representers
(OmegaConf's quoting of strings that look like numbers or booleans); only scanning, parsing
and emitting are C. A file that libyaml cannot read is read again by OmegaConf's own loader,
whose error is the one reported; a config that libyaml would write differently (see
:func:`~pilotsim.sim.runfolder.libyaml_emits_alike`) is written by PyYAML's emitter. Without
libyaml (``yaml.__with_libyaml__`` false) nothing changes.
"""

from __future__ import annotations

from typing import Any

import yaml

from pilotsim.sim.runfolder import libyaml_emits_alike


def install() -> None:
    """Make OmegaConf load and dump YAML with libyaml (idempotent; a no-op without it)."""
    import omegaconf._utils as utils
    from omegaconf import OmegaConf

    if not yaml.__with_libyaml__ or getattr(utils.get_yaml_loader, "pilotsim", False):
        return
    loader = _c_loader(utils.get_yaml_loader)
    pure_dumper = utils.get_omega_conf_dumper()
    c_dumper = _c_dumper(pure_dumper)
    pure_to_yaml = OmegaConf.to_yaml

    def get_yaml_loader() -> Any:
        return loader

    def to_yaml(cfg: Any, *, resolve: bool = False, sort_keys: bool = False) -> str:
        # OmegaConf.to_yaml's own steps, with the emitter chosen by what it emits
        container = OmegaConf.to_container(utils._ensure_container(cfg), resolve=resolve,
                                           enum_to_str=True)
        return yaml.dump(container, default_flow_style=False, allow_unicode=True,
                         sort_keys=sort_keys,
                         Dumper=c_dumper if libyaml_emits_alike(container) else pure_dumper)

    get_yaml_loader.pilotsim = True  # type: ignore[attr-defined]
    get_yaml_loader.pure = utils.get_yaml_loader  # type: ignore[attr-defined]
    to_yaml.pure = pure_to_yaml  # type: ignore[attr-defined]
    utils.get_yaml_loader = get_yaml_loader  # OmegaConf looks it up at each load
    OmegaConf.to_yaml = staticmethod(to_yaml)  # type: ignore[method-assign,assignment]


def _c_loader(pure_loader: Any) -> type:
    pure = pure_loader()  # a class made per call: its tables are the same each time

    class CLoader(yaml.CSafeLoader):  # type: ignore[misc]
        yaml_implicit_resolvers = pure.yaml_implicit_resolvers
        yaml_constructors = pure.yaml_constructors
        yaml_multi_constructors = pure.yaml_multi_constructors

        def __init__(self, stream: Any) -> None:
            seekable = getattr(stream, "seekable", None)
            self._source = stream, stream.tell() if seekable and seekable() else None
            super().__init__(stream)

        def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> Any:
            keys = set()
            for key_node, _ in node.value:
                if key_node.tag == yaml.resolver.BaseResolver.DEFAULT_SCALAR_TAG:
                    if key_node.value in keys:  # OmegaConf's loader says which, and where
                        raise yaml.constructor.ConstructorError(problem="duplicate key")
                    keys.add(key_node.value)
            return super().construct_mapping(node, deep=deep)

        def get_single_data(self) -> Any:
            try:
                return super().get_single_data()
            except yaml.YAMLError:
                stream, start = self._source
                if not isinstance(stream, str | bytes):
                    if start is None:
                        raise
                    stream.seek(start)
                again = pure_loader()(stream)
                try:
                    return again.get_single_data()
                finally:
                    again.dispose()

    return CLoader


def _c_dumper(pure: type) -> type:
    class CDumper(yaml.CDumper):  # type: ignore[misc]
        yaml_representers = pure.yaml_representers
        yaml_multi_representers = pure.yaml_multi_representers

    return CDumper
