"""Calibration groundwork: observed figures, the same figures from a run, how well they agree.

- :mod:`~pilotsim.calibration.targets`: the targets CSV, validated against a run's spec;
- :mod:`~pilotsim.calibration.measures`: each target's measure computed from a run's tables;
- :mod:`~pilotsim.calibration.likelihood`: log-likelihood and deviance of the observed figures
  given the simulated ones;
- :mod:`~pilotsim.calibration.cli`: ``pilotsim-targets TARGETS RUN_DIR``;
- :mod:`~pilotsim.calibration.fit`: ABC-SMC (pyabc) over the ``uncertainty:`` declarations as
  priors, the targets' deviance as distance, one seed per particle;
- :mod:`~pilotsim.calibration.fit_report`: observed vs simulated per target, prior vs
  posterior per parameter, marginals and pairs;
- :mod:`~pilotsim.calibration.calibrate_cli`: ``pilotsim-calibrate TARGETS [OVERRIDES]``,
  writing the posterior ensemble (read as worlds by :mod:`pilotsim.ensemble`).
"""
