"""What an install carries: every package and config folder is listed for setuptools.

A folder under ``src/pilotsim``, ``conf/`` or ``experiments/`` that ``[tool.setuptools]
packages`` does not list is left out of a wheel (Python code) or, for config folders, installed
as data with a warning that setuptools will ignore it; either way an installed pilotsim could
miss a config group it needs.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _folders(root: Path, package: str) -> set[str]:
    """``package`` and the dotted name of every folder below ``root`` holding a file."""
    names = {package}
    for d in root.rglob("*"):
        if d.is_dir() and d.name != "__pycache__" and any(
                f.is_file() and f.suffix in (".py", ".yaml") for f in d.iterdir()):
            names.add(".".join([package, *d.relative_to(root).parts]))
    return names


def test_every_package_and_config_folder_is_listed():
    tool = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    listed = set(tool["packages"])
    dirs = tool["package-dir"]
    assert dirs["pilotsim.conf"] == "conf" and dirs["pilotsim.conf.experiment"] == "experiments"
    needed = (_folders(ROOT / "src" / "pilotsim", "pilotsim")
              | _folders(ROOT / "conf", "pilotsim.conf")
              | _folders(ROOT / "experiments", "pilotsim.conf.experiment"))
    assert needed - listed == set(), "add these to [tool.setuptools] packages"
    assert listed - needed <= {"hydra_plugins.pilotsim_sweeper"}, listed - needed
