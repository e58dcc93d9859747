"""`pilotsim --help` answers from the files: Hydra's groups, without Hydra or the model."""

from __future__ import annotations

import subprocess
import sys

from hydra import initialize_config_module
from hydra.core.global_hydra import GlobalHydra

from pilotsim.app import cli, usage
from pilotsim.app.api import CONFIG_MODULE
from pilotsim.spec import studies


def _hydra_groups() -> dict[str, list[str]]:
    studies.register()
    with initialize_config_module(config_module=CONFIG_MODULE, version_base="1.3"):
        loader = GlobalHydra.instance().config_loader()
        out: dict[str, list[str]] = {}

        def walk(parent: str) -> None:
            for group in loader.list_groups(parent):
                name = f"{parent}/{group}" if parent else group
                # a leading "_" is not a choice to make (usage._HIDDEN): the dataclass
                # defaults, e.g. reform/_base (pilotsim.spec.defaults)
                if name == "hydra" or group.startswith("_"):
                    continue
                options = [o for o in loader.get_group_options(name) if not o.startswith("_")]
                if options:
                    out[name] = sorted(options)
                walk(name)

        walk("")
    return dict(sorted(out.items()))


def test_help_lists_the_config_groups_hydra_composes_from():
    groups = usage.config_groups()
    assert groups == _hydra_groups()
    assert "as_configured" in groups["pilot"] and "default" in groups["experiment"]
    for group, options in groups.items():
        assert f"{group}: {', '.join(options)}" in usage.text(cli.__doc__)


def test_bare_help_imports_neither_hydra_nor_the_model():
    code = ("import sys; sys.argv = ['pilotsim', '--help']; from pilotsim.app.cli import main; "
            "main(); print(sorted(m for m in ('hydra', 'mesa', 'pandas', 'pilotsim.sim.model') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert "pilot: as_configured, everywhere" in out
    assert out.strip().splitlines()[-1] == "[]"
