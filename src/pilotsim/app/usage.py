"""``pilotsim --help``: the usage and the config groups, read from the files alone.

Hydra's help composes the whole config (and pilotsim's CLI imported the package with it) to
print, after the groups, ~800 lines of the composed default config; that took ~1.6 CPU s.
This prints the same groups by listing the config tree's folders, importing neither Hydra nor
the model, and points to ``pilotsim --cfg job`` for the composed config (which Hydra's
``--help`` still prints when overrides come with it).
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterator
from pathlib import Path

# Hydra's help leaves its own groups out; a leading "_" marks what is not a choice to make
# (the groups' dataclass defaults, pilotsim.spec.defaults.BASE).
_HIDDEN = ("hydra", "_", ".")


def _folder(module: str, parent: Path) -> Path | None:
    # find_spec("pilotsim.conf.experiment") would import pilotsim.conf, which registers the
    # dataclass defaults (Hydra, the spec classes): ask the finders instead. An editable
    # install maps the package to experiments/, a regular one puts it under the conf folder.
    for finder in sys.meta_path:
        find = getattr(finder, "find_spec", None)
        spec = find(module, [str(parent)]) if find else None
        if spec is not None and spec.submodule_search_locations:
            return Path(next(iter(spec.submodule_search_locations)))
    return None


def _options(folder: Path, group: str) -> Iterator[tuple[str, list[str]]]:
    names = sorted(p.stem for p in folder.glob("*.yaml") if not p.name.startswith(_HIDDEN))
    if names and group:
        yield group, names
    for sub in sorted(p for p in folder.iterdir() if p.is_dir()):
        if not sub.name.startswith(_HIDDEN) and sub.name != "__pycache__":
            yield from _options(sub, f"{group}/{sub.name}" if group else sub.name)


def config_groups() -> dict[str, list[str]]:
    """Config group → its options, as Hydra lists them (its own ``hydra/`` groups left out)."""
    conf = _folder("pilotsim.conf", Path(importlib.util.find_spec("pilotsim").origin).parent)
    if conf is None:  # not installed: nothing to list
        return {}
    groups = dict(_options(conf, ""))
    experiments = _folder("pilotsim.conf.experiment", conf)
    if experiments is not None:
        groups.update(_options(experiments, "experiment"))
    return dict(sorted(groups.items()))


def text(intro: str) -> str:
    """The help text: ``intro`` (the command's docstring), then the config groups."""
    lines = [intro.strip().replace("``", "`"), "", "== Configuration groups ==",
             "Compose your configuration from those groups (group=option)", ""]
    lines += [f"{group}: {', '.join(options)}" for group, options in config_groups().items()]
    lines += ["", "== Config ==",
              "Override anything in the config (foo.bar=value); every key is documented in",
              "README.md (Configuration reference).",
              "The composed config: pilotsim --cfg job (with overrides: pilotsim reform=one_door "
              "--cfg job).",
              "", "Powered by Hydra (https://hydra.cc)",
              "Use --hydra-help to view Hydra specific help"]
    return "\n".join(lines)
