"""The Python API: compose a config from the shipped tree, run it in-process, get tables.

Example:
    >>> from pilotsim.app import api
    >>> cfg = api.compose(["sim.days=30", "seed=3"])
    >>> result = api.run(cfg)                      # nothing written
    >>> result.cases.groupby("profile").trips.mean()
    >>> result = api.run(cfg, out_dir="results/my_run")   # also writes the run folder

The functions live in the layers below (see ``docs/architecture.md``): composing the config in
:mod:`pilotsim.spec.compose`, building and running the model in :mod:`pilotsim.plugins.runner`,
so that analysis code can run models without importing the app.
"""

from pilotsim.plugins.runner import RunResult, build_model, reform_metadata, run
from pilotsim.spec.compose import CONFIG_MODULE, compose

__all__ = ["CONFIG_MODULE", "RunResult", "build_model", "compose", "reform_metadata", "run"]
