"""The shipped config tree (installed as ``pilotsim.conf``): the configuration's composition root.

Hydra imports this package before it reads any config from it (in every process, sweep
workers included), so this is the one place that makes the dataclass defaults visible to every
composition: the groups' and sections' ``_base`` options (:mod:`pilotsim.spec.defaults`). It
names the parameter dataclasses of every layer (the spec's, the comparison's settings, each
reform plug-in's ``Params``), so it sits above the layers, as ``pilotsim.__main__`` does: no
layer imports it (docs/architecture.md).
"""

from pilotsim.analysis.comparison.settings import CompareSettings
from pilotsim.plugins.reforms.registry import REFORMS
from pilotsim.spec import Output, Sim, defaults
from pilotsim.spec.pilot_designs import PilotSpec

GROUPS: dict[str, type] = {"pilot": PilotSpec}
"""Config group → the dataclass whose defaults its options extend."""

SECTIONS: dict[str, type] = {"sim": Sim, "compare": CompareSettings, "output": Output}
"""Top-level section of ``conf/config.yaml`` → the dataclass whose defaults it holds
(``config.yaml`` places each as option ``NAME`` of group ``_base`` at package ``NAME``:
``- _base@sim: sim``, so the file restates none of them)."""

REFORM_PARAMS: dict[str, type] = {name: cls.Params for name, cls in REFORMS.items()}
"""Reform name → its ``Params`` dataclass (the reform registry's, in its order)."""

defaults.register(GROUPS, SECTIONS, REFORM_PARAMS)
