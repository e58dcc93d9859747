"""Calibration groundwork: observed figures, the same figures from a run, how well they agree.

- :mod:`~pilotsim.analysis.calibration.targets`: the targets CSV, validated against a run's
  spec;
- :mod:`~pilotsim.analysis.calibration.measures`: each target's measure computed from a run's
  tables;
- :mod:`~pilotsim.analysis.calibration.likelihood`: log-likelihood and deviance of the observed
  figures given the simulated ones;
- :mod:`~pilotsim.analysis.calibration.cli`: ``pilotsim-targets TARGETS RUN_DIR``;
- :mod:`~pilotsim.analysis.calibration.fit`: ABC-SMC (pyabc) over the ``uncertainty:``
  declarations as priors, the targets' deviance as distance, one seed per particle;
- :mod:`~pilotsim.analysis.calibration.fit_report`: observed vs simulated per target, prior vs
  posterior per parameter, marginals and pairs;
- :mod:`~pilotsim.analysis.calibration.calibrate_cli`: ``pilotsim-calibrate TARGETS [OVERRIDES]``,
  writing the posterior ensemble (read as worlds by :mod:`pilotsim.spec.ensemble`).
"""
