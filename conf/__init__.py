"""The shipped config tree (installed as ``pilotsim.conf``)."""

# Hydra imports this package before it reads any config from it (in every process, sweep
# workers included), so this is the one place that makes the dataclass defaults visible to
# every composition: the groups' `_base` options (pilotsim.spec.defaults).
from pilotsim.spec import defaults

defaults.register()
