"""Calibration groundwork: observed figures, the same figures from a run, how well they agree.

- :mod:`~pilotsim.calibration.targets`: the targets CSV, validated against a run's spec;
- :mod:`~pilotsim.calibration.measures`: each target's measure computed from a run's tables;
- :mod:`~pilotsim.calibration.likelihood`: log-likelihood and deviance of the observed figures
  given the simulated ones;
- :mod:`~pilotsim.calibration.cli`: ``pilotsim-targets TARGETS RUN_DIR``.

The fit itself (drawing parameters, keeping the worlds that reproduce the targets) is not
built yet; it will take its parameters and priors from the ``uncertainty:`` declarations.
"""
