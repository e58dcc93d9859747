"""The evaluator's view of a pilot: panels, DiD estimators, truth, assessment and power.

Pure functions on tidy pandas tables; nothing here runs the simulator. The usual flow:

1. :func:`~pilotsim.analysis.evaluation.panel.build_panel` turns a run's ``site_days`` and
   treatment schedule into a site-by-period panel.
2. :func:`~pilotsim.analysis.evaluation.did.twfe`,
   :func:`~pilotsim.analysis.evaluation.did.event_study` and
   :func:`~pilotsim.analysis.evaluation.staggered.callaway_santanna` estimate the pilot's effect.
3. :func:`~pilotsim.analysis.evaluation.truth.true_effects` computes what the simulator knows
   from the counterfactual worlds (reform everywhere / nowhere, same seed).
4. :func:`~pilotsim.analysis.evaluation.assess.assess` scores estimators against the truth across
   seeds; :mod:`~pilotsim.analysis.evaluation.power` gives placebo null distributions, power
   and MDE.
"""

from pilotsim.analysis.evaluation.assess import assess, rollout_decision
from pilotsim.analysis.evaluation.did import event_study, twfe
from pilotsim.analysis.evaluation.panel import OUTCOMES, Panel, assign_treatment, build_panel
from pilotsim.analysis.evaluation.power import mde, placebo_pilots, predicted_power, simulated_power
from pilotsim.analysis.evaluation.results import Estimate, EventStudy, StaggeredResult
from pilotsim.analysis.evaluation.staggered import callaway_santanna
from pilotsim.analysis.evaluation.truth import TrueEffects, true_effects, true_effects_by_seed

__all__ = [
    "OUTCOMES",
    "Estimate",
    "EventStudy",
    "Panel",
    "StaggeredResult",
    "TrueEffects",
    "assess",
    "assign_treatment",
    "build_panel",
    "callaway_santanna",
    "event_study",
    "mde",
    "placebo_pilots",
    "predicted_power",
    "rollout_decision",
    "simulated_power",
    "true_effects",
    "true_effects_by_seed",
    "twfe",
]
