"""The evaluator's view of a pilot: panels, DiD estimators, truth, assessment and power.

Pure functions on tidy pandas tables; nothing here runs the simulator. The usual flow:

1. :func:`~pilotsim.evaluation.panel.build_panel` turns a run's ``site_days`` and treatment
   schedule into a site-by-period panel.
2. :func:`~pilotsim.evaluation.did.twfe`, :func:`~pilotsim.evaluation.did.event_study` and
   :func:`~pilotsim.evaluation.staggered.callaway_santanna` estimate the pilot's effect.
3. :func:`~pilotsim.evaluation.truth.true_effects` computes what the simulator knows from the
   counterfactual worlds (reform everywhere / nowhere, same seed).
4. :func:`~pilotsim.evaluation.assess.assess` scores estimators against the truth across seeds;
   :mod:`~pilotsim.evaluation.power` gives placebo null distributions, power and MDE.
"""
