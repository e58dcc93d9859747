"""The city domain: who lives where and where they are served (the ``city:`` section).

Districts and their communities (population, profile mix, readiness), the offices (departments,
opening hours, counters and dated staffing changes), the community organisations and the travel
time model.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from pilotsim.spec.hours import WEEKDAYS, parse_hours
from pilotsim.spec.schema import (
    Probability,
    check,
    check_non_negative,
    check_positive,
    check_probability,
)
from pilotsim.spec.services import Distribution


@dataclass(frozen=True)
class StaffingChange:
    """From ``day`` on (0-based), the office opens ``counters`` counters."""

    day: int
    counters: int

    def __post_init__(self) -> None:
        check_non_negative(self.day, "day")
        check_non_negative(self.counters, "counters")


@dataclass(frozen=True)
class Office:
    """A government office: the departments it serves, where it is, how it works.

    Attributes:
        departments: Departments whose steps this office handles.
        location: (x, y) in km.
        counters: Counters (servers) open at the start of the run.
        hours: Weekday (``mon`` … ``sun``) → opening intervals ``"HH:MM-HH:MM"``; a weekday
            that is absent is closed. ``"00:00-24:00"`` every day is open around the clock.
        error_rate: Probability that a served step is done wrongly and the resident is sent
            back (a wasted trip).
        wait_info: True if the office shows queue numbers/expected waits (waits feel shorter).
        other_visits_per_day: Mean visits per open day for business outside the catalogue; they
            occupy counters but are not recorded.
        other_service_time: Service time of those visits.
        staffing: Dated changes of the number of counters.
    """

    departments: tuple[str, ...]
    location: tuple[float, float]
    counters: int
    hours: Mapping[str, tuple[str, ...]]
    error_rate: Probability = 0.02
    wait_info: bool = False
    other_visits_per_day: float = 0.0
    other_service_time: Distribution = Distribution("exponential", 8.0)
    staffing: tuple[StaffingChange, ...] = ()

    def __post_init__(self) -> None:
        check(len(self.departments) > 0, "departments", list(self.departments),
              "at least one department")
        check(self.counters >= 1, "counters", self.counters, "an integer >= 1")
        check_probability(self.error_rate, "error_rate")
        check_non_negative(self.other_visits_per_day, "other_visits_per_day")
        for day in self.hours:
            check(day in WEEKDAYS, f"hours.{day}", day, "a weekday: " + ", ".join(WEEKDAYS))
        intervals = {d: parse_hours(v, f"hours.{d}") for d, v in self.hours.items()}
        check(any(intervals.values()), "hours", dict(self.hours),
              "opening hours on at least one weekday, e.g. mon: ['08:30-12:00']")
        days = [c.day for c in self.staffing]
        check(days == sorted(days), "staffing", days, "changes in increasing day order")

    @property
    def intervals(self) -> dict[str, tuple[tuple[int, int], ...]]:
        """Weekday → opening intervals in minutes since midnight."""
        return {d: parse_hours(v, d) for d, v in self.hours.items()}


@dataclass(frozen=True)
class Community:
    """A community (the grassroots unit) and who lives in it.

    Attributes:
        district: The district (sub-district) it belongs to.
        population: Residents.
        location: (x, y) in km.
        profile_mix: Resident profile → share; shares sum to 1.
        readiness: How well run the site is, 0–1 (pilot designs may select on it).
    """

    district: str
    population: int
    location: tuple[float, float]
    profile_mix: Mapping[str, float]
    readiness: float = 0.5

    def __post_init__(self) -> None:
        check(self.population >= 1, "population", self.population, "an integer >= 1")
        for k, v in self.profile_mix.items():
            check_probability(v, f"profile_mix.{k}")
        total = sum(self.profile_mix.values())
        check(math.isclose(total, 1.0, abs_tol=1e-6), "profile_mix", dict(self.profile_mix),
              f"shares that sum to 1 (they sum to {total:.6g})")
        check_probability(self.readiness, "readiness")


ORGANISATION_FUNCTIONS = ("information", "precheck", "proxy", "relay")


@dataclass(frozen=True)
class Organisation:
    """A community organisation (neighbourhood committee, volunteers).

    Attributes:
        community: The community it serves.
        staff_min_per_day: Staff minutes available per day for residents' cases.
        functions: What it offers: ``information`` (explains procedures), ``precheck`` (checks
            documents before a visit), ``proxy`` (submits for eligible residents), ``relay``
            (obtains relayable certificates from one office for another).
    """

    community: str
    staff_min_per_day: float
    functions: tuple[Literal["information", "precheck", "proxy", "relay"], ...] = ()

    def __post_init__(self) -> None:
        check_non_negative(self.staff_min_per_day, "staff_min_per_day")


@dataclass(frozen=True)
class Travel:
    """Travel time model: overhead plus distance at a speed, one way, before mobility.

    Attributes:
        speed_km_per_h: Door-to-door speed.
        overhead_min: Fixed minutes per trip (getting ready, walking to transport).
    """

    speed_km_per_h: float = 15.0
    overhead_min: float = 10.0

    def __post_init__(self) -> None:
        check_positive(self.speed_km_per_h, "speed_km_per_h")
        check_non_negative(self.overhead_min, "overhead_min")


@dataclass(frozen=True)
class City:
    """Districts, communities, offices and organisations.

    Attributes:
        name: A label.
        districts: District names.
        communities: Name → community.
        offices: Name → office.
        organisations: Name → community organisation.
        travel: The travel-time model.
        path: The folder the communities, offices and organisations were read from
            (``city=from_files``, see :mod:`pilotsim.spec.district_files`); None for a city
            written in the config itself.
    """

    name: str
    districts: tuple[str, ...]
    communities: Mapping[str, Community]
    offices: Mapping[str, Office]
    organisations: Mapping[str, Organisation] = field(default_factory=dict)
    travel: Travel = Travel()
    path: str | None = None

    def __post_init__(self) -> None:
        check(len(self.communities) > 0, "communities", {}, "at least one community")
        check(len(self.offices) > 0, "offices", {}, "at least one office")
        for name, c in self.communities.items():
            check(c.district in self.districts, f"communities.{name}.district", c.district,
                  "one of the districts: " + ", ".join(self.districts))
        for name, o in self.organisations.items():
            check(o.community in self.communities, f"organisations.{name}.community",
                  o.community, "one of the communities: " + ", ".join(self.communities))
