"""The validated run specification: frozen, pure data, built from the Hydra config.

``RunSpec.from_config`` is the only door from config to model. Type and key errors come from
:mod:`pilotsim.spec.schema`; the checks in the domain modules are the domain's (a profile mix that
does not sum to 1, a step at a department no office serves, a document nobody can hold or obtain,
an office that never opens, ...). Every error is a :class:`~pilotsim.spec.schema.SpecError`
naming key, value and expectation.

The spec is split by domain, one module each; this package re-exports their public names:

- :mod:`pilotsim.spec.city`: ``city:`` (communities, offices, organisations, travel);
- :mod:`pilotsim.spec.services`: ``services:`` (catalogue, steps, documents, service times);
- :mod:`pilotsim.spec.behaviour`: ``behaviour:`` (profiles and the behavioural model);
- :mod:`pilotsim.spec.run`: ``sim:``, ``output:``, the RunSpec and the converter.

services imports only schema; city and behaviour import services; run imports all three.
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
