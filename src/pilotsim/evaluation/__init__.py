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

from pilotsim.evaluation.assess import assess, rollout_decision
from pilotsim.evaluation.did import event_study, twfe
from pilotsim.evaluation.panel import OUTCOMES, Panel, assign_treatment, build_panel
from pilotsim.evaluation.power import mde, placebo_pilots, predicted_power, simulated_power
from pilotsim.evaluation.results import Estimate, EventStudy, StaggeredResult
from pilotsim.evaluation.staggered import callaway_santanna
from pilotsim.evaluation.truth import TrueEffects, true_effects, true_effects_by_seed

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
