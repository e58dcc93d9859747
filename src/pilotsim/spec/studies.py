"""The named studies (``experiments/``) as the Hydra config group ``experiment``.

``experiments/`` sits at the top of the repository and is installed as the package
``pilotsim.conf.experiment``, so in a regular install its files lie in ``pilotsim/conf/experiment/``
and Hydra finds the group ``experiment`` in the config tree as usual. An editable install
(``pip install -e``, which ``dev.sh`` uses) maps that package to the repository's
``experiments/`` folder instead, and Hydra, which walks the files of ``pilotsim.conf``, does not
see it: ``pilotsim +experiment=default`` would silently add a key ``experiment: default`` and
run the default config. :func:`register` closes that gap by storing every study file (and
subgroups such as ``experiment/first_sites``) in Hydra's ConfigStore under the same group and
name, with the package its ``# @package`` header names; it does nothing when the files are
visible, so a regular install reads them straight from disk.
"""

from __future__ import annotations

from importlib import resources
from importlib.resources.abc import Traversable

GROUP = "experiment"
PACKAGE = "pilotsim.conf.experiment"

_registered = False


def _visible_in_config_tree() -> bool:
    return resources.files("pilotsim.conf").joinpath(GROUP).is_dir()


def _walk(folder: Traversable, parts: tuple[str, ...] = ()):
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.is_dir() and not entry.name.startswith(("_", ".")):
            yield from _walk(entry, (*parts, entry.name))
        elif entry.name.endswith(".yaml"):
            yield parts, entry


def _package(text: str) -> str | None:
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("# @package"):
            return line.split("@package", 1)[1].strip()
        if line and not line.startswith("#"):
            break
    return None


def register() -> int:
    """Make the ``experiment`` group visible to Hydra in every install mode.

    Returns:
        How many study files were stored in the ConfigStore (0 when Hydra sees the files on
        disk, or when they were registered already).
    """
    global _registered
    if _registered or _visible_in_config_tree():
        return 0
    import yaml
    from hydra.core.config_store import ConfigStore
    from omegaconf import _utils

    store = ConfigStore.instance()
    n = 0
    for parts, entry in _walk(resources.files(PACKAGE)):
        text = entry.read_text()
        # the YAML as OmegaConf.create(text) parses it (its loader, libyaml's once the CLI
        # installed it), stored as the plain data it is: a DictConfig made of it and turned
        # back into a dict gave the same dict (ConfigStore.store makes its own), ~0.015 s
        node = yaml.load(text, Loader=_utils.get_yaml_loader()) or {}
        store.store(group="/".join((GROUP, *parts)), name=entry.name.removesuffix(".yaml"),
                    node=node, package=_package(text), provider="pilotsim")
        n += 1
    _registered = True
    return n
