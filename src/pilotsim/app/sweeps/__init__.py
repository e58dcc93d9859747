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
  comparison at the end.

Beside this package: ``hydra_plugins.pilotsim_sweeper`` (Hydra's basic sweeper without its
redundant second composition of every job) and :mod:`pilotsim.spec.studies` (the named studies of
``experiments/`` as the config group ``experiment`` in every install mode).

``python -m pilotsim.app.sweeps SWEEP_DIR`` prints how far a sweep has come.
"""

from pilotsim.app.sweeps.callback import SweepCallback
from pilotsim.app.sweeps.job import run_point
from pilotsim.app.sweeps.plan import SweepPlan, SweepPlanError, SweepPoint, plan_sweep

__all__ = ["SweepCallback", "SweepPlan", "SweepPlanError", "SweepPoint", "plan_sweep",
           "run_point"]
