"""Robustness of a reform ranking across uncertain worlds.

A sweep that runs every arm in every world of an uncertainty design (``pilotsim
+experiment=robustness``; worlds from :mod:`pilotsim.spec.uncertainty`) is read here into
``comparison/robustness.html`` (+ ``.md``, ``robustness.csv``): each arm's effect across worlds
beside the seed-only interval (:mod:`.effects`), P(best) and regret (:mod:`.decision`), global
sensitivity indices (:mod:`.drivers`, SALib) and the regions where the recommended arm is not
best (:mod:`.flips`, scikit-learn). Every measure of the comparison's registry
(:data:`pilotsim.analysis.comparison.metrics.METRICS`) flows in without more code.

``python -m pilotsim.analysis.robustness SWEEP_DIR`` (re)writes the report of a sweep folder.
"""

from pilotsim.analysis.robustness.sweep import RobustnessResult, has_worlds, robustness_sweep

__all__ = ["RobustnessResult", "has_worlds", "robustness_sweep"]
