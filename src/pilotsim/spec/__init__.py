"""The validated run specification: frozen, pure data, built from the Hydra config.

``RunSpec.from_config`` is the only door from config to model. Type and key errors come from
:mod:`pilotsim.spec.schema`; the checks here are the domain's (a profile mix that does not sum to 1,
a step at a department no office serves, a document nobody can hold or obtain, an office that
never opens, ...). Every error is a :class:`~pilotsim.spec.schema.SpecError` naming key, value and
expectation.
"""

from pilotsim.spec.behaviour import (
    Abandonment,
    Behaviour,
    Beta,
    Channels,
    Knowledge,
    Profile,
    Satisfaction,
    TakeUp,
    Visits,
    WordOfMouth,
)
from pilotsim.spec.city import (
    ORGANISATION_FUNCTIONS,
    City,
    Community,
    Office,
    Organisation,
    StaffingChange,
    Travel,
)
from pilotsim.spec.run import (
    SAFE_LABEL,
    Output,
    RunSpec,
    Sim,
    arm_label,
    is_safe_label,
    plain_config,
    resolver_error,
)
from pilotsim.spec.schema import Probability
from pilotsim.spec.services import Distribution, Document, Service, Services, Step

__all__ = [
    "ORGANISATION_FUNCTIONS",
    "SAFE_LABEL",
    "Abandonment",
    "Behaviour",
    "Beta",
    "Channels",
    "City",
    "Community",
    "Distribution",
    "Document",
    "Knowledge",
    "Office",
    "Organisation",
    "Output",
    "Probability",
    "Profile",
    "RunSpec",
    "Satisfaction",
    "Service",
    "Services",
    "Sim",
    "StaffingChange",
    "Step",
    "TakeUp",
    "Travel",
    "Visits",
    "WordOfMouth",
    "arm_label",
    "is_safe_label",
    "plain_config",
    "resolver_error",
]
