"""The services domain: the catalogue of procedures residents need (the ``services:`` section).

A service is ordered steps, each handled at an office of a department, with the documents it
requires and issues and its counter time (a :class:`Distribution`, also used for the offices'
other business and the redirect time); the catalogue checks that every required document can be
held or was issued by an earlier step.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from pilotsim.spec.schema import check, check_non_negative, check_positive


@dataclass(frozen=True)
class Distribution:
    """A service-time distribution in minutes.

    Attributes:
        dist: ``exponential`` (by mean), ``lognormal`` (by mean and coefficient of variation)
            or ``fixed``.
        mean: Mean in minutes.
        cv: Coefficient of variation (sd / mean), used by ``lognormal`` only.
    """

    dist: Literal["exponential", "lognormal", "fixed"]
    mean: float
    cv: float = 0.5

    def __post_init__(self) -> None:
        check_positive(self.mean, "mean")
        if self.dist == "lognormal":
            check_positive(self.cv, "cv")


@dataclass(frozen=True)
class Step:
    """One step of a procedure, handled at an office of a department.

    Attributes:
        department: Department whose office handles the step.
        service_time: Counter time in minutes.
        requires: Documents the resident must bring.
        issues: Documents this step issues (certificates later steps require).
        processing_days: Back-office days after the step before the next step can start (or
            the case closes).
        relayable: A community organisation offering ``relay`` may obtain this step's output
            for the resident (no trip).
    """

    department: str
    service_time: Distribution
    requires: tuple[str, ...] = ()
    issues: tuple[str, ...] = ()
    processing_days: int = 0
    relayable: bool = False

    def __post_init__(self) -> None:
        check_non_negative(self.processing_days, "processing_days")


@dataclass(frozen=True)
class Service:
    """A procedure residents need.

    Attributes:
        label: Human-readable name.
        steps: Ordered steps.
        demand_per_year: Resident profile → needs per resident-year (Poisson).
        online: ``none``; ``full`` (can be done wholly online); ``collection`` (online up to
            one collection visit at the last step's office).
        proxy: Whether a community organisation may submit it for eligible residents.
    """

    label: str
    steps: tuple[Step, ...]
    demand_per_year: Mapping[str, float]
    online: Literal["none", "full", "collection"] = "none"
    proxy: bool = False

    def __post_init__(self) -> None:
        check(len(self.steps) > 0, "steps", [], "at least one step")
        for k, v in self.demand_per_year.items():
            check_non_negative(v, f"demand_per_year.{k}")


@dataclass(frozen=True)
class Document:
    """A document a step may require.

    Attributes:
        label: Human-readable name.
        holdable: True if residents keep it at home (ID card, household register); False if
            it must be issued by a step (a certificate).
    """

    label: str
    holdable: bool = True


@dataclass(frozen=True)
class Services:
    """The service catalogue and the documents it refers to.

    Attributes:
        catalogue: Name → service.
        documents: Name → document.
        path: The folder the catalogue was read from (``services=from_files``, see
            :mod:`pilotsim.spec.service_files`); None for a catalogue written in the config itself.
    """

    catalogue: Mapping[str, Service]
    documents: Mapping[str, Document] = field(default_factory=dict)
    path: str | None = None

    def __post_init__(self) -> None:
        check(len(self.catalogue) > 0, "catalogue", {}, "at least one service")
        for sname, s in self.catalogue.items():
            obtained: set[str] = set()
            for i, step in enumerate(s.steps):
                key = f"catalogue.{sname}.steps[{i}]"
                for d in (*step.requires, *step.issues):
                    check(d in self.documents, f"{key}.requires" if d in step.requires else
                          f"{key}.issues", d, "a document listed under services.documents: "
                          + ", ".join(self.documents))
                for d in step.requires:
                    check(self.documents[d].holdable or d in obtained, f"{key}.requires", d,
                          "a document residents can hold, or one issued by an earlier step "
                          "of this service (no earlier step issues it and residents cannot "
                          "hold it)")
                obtained.update(step.issues)
