"""Sweeps: many runs (arms × seeds × …) from one command, on local cores or a cluster.

A sweep is a Hydra multirun of the ``pilotsim`` app (``pilotsim -m reform=baseline,one_door
'seed=range(20)'`` or a named study, ``pilotsim +experiment=default``). Hydra's launcher decides
where the runs execute (joblib on local cores by default; Ray or Slurm by choosing another
launcher config, see ``conf/hydra/launcher/``); this package adds what makes a sweep of
simulation runs dependable, whatever the launcher:

- :mod:`~pilotsim.app.sweeps.plan` — every point composed and validated before any run starts;
- :mod:`~pilotsim.app.sweeps.job` — one point: skipped if its folder is already complete for the
  same resolved config, recorded as failed (not raised) if it fails;
- :mod:`~pilotsim.app.sweeps.progress` — runs done / total and ETA in a bounded number of lines;
- :mod:`~pilotsim.app.sweeps.provenance` — ``sweep.json`` beside Hydra's ``multirun.yaml``;
- :mod:`~pilotsim.app.sweeps.callback` — the Hydra callback tying these together and running the
  comparison at the end;
- :mod:`~pilotsim.app.sweeps.prestart`, :mod:`~pilotsim.app.sweeps.warmup`,
  :mod:`~pilotsim.app.sweeps.lean_exit` — the serial start and end kept short: local workers
  start while the sweep is planned, the comparison's libraries load while the runs go, and the
  processes exit without sweeping their heaps.

Beside this package: ``hydra_plugins.pilotsim_sweeper`` (Hydra's basic sweeper without its
redundant second composition of every job) and :mod:`pilotsim.spec.studies` (the named studies of
``experiments/`` as the config group ``experiment`` in every install mode).

``python -m pilotsim.app.sweeps SWEEP_DIR`` prints how far a sweep has come.
"""

from importlib import import_module
from typing import Any

# Name → the module that defines it, loaded on first use (PEP 562): Hydra instantiates the
# callback in the sweep's launching process, which must not import the model (`job` imports
# the API, Mesa and the simulation: ~1 s of serial start-up a launcher never uses).
_EXPORTS = {"SweepCallback": "callback", "run_point": "job", "SweepPlan": "plan",
            "SweepPlanError": "plan", "SweepPoint": "plan", "plan_sweep": "plan"}

__all__ = ["SweepCallback", "SweepPlan", "SweepPlanError", "SweepPoint", "plan_sweep",
           "run_point"]


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f"{__name__}.{_EXPORTS[name]}"), name)
