"""Observed figures a calibration should reproduce: the targets CSV, read and validated.

One row per figure a planner has (the README, "… model your own district", shows the layout):

    measure,group,period,value,n,se
    wait_mean_min,office:north_service_hall,all,24.5,1200,
    one_trip_share,all,60-364,0.58,820,
    share_satisfied,profile:elderly,all,0.61,,0.03

``measure`` is one of :data:`MEASURES`; ``group`` is ``all`` or ``TYPE:NAME`` with TYPE one of
office, community, district, profile, service (offices only for visit measures: a case is not
at one office); ``period`` is ``all`` or ``FIRST-LAST`` (0-based simulated days, both
included); ``value`` is the observed figure (shares as fractions 0–1); ``n`` is the number of
cases or visits behind it (survey respondents, records) and ``se`` its standard error: a
share needs one of them, a mean too (``n`` alone: the standard error is the simulated spread
over √n), a count per month neither (it is Poisson over the period).

Everything a row could get wrong is checked against the run's spec before anything is
computed: an unknown measure, group type or name, a group the measure cannot be split by, a
period outside the run, a share outside [0, 1], a negative or zero sample size, a duplicate
row, a figure the model cannot produce (an online share where no service can be done online).
Errors are :class:`TargetsError`, naming file, row and column.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pilotsim.spec import RunSpec
from pilotsim.spec import csvfiles as cf
from pilotsim.spec.csvfiles import FileError

DAYS_PER_MONTH = 365.25 / 12
"""Days in a month for the per-month measures (a calendar month on average)."""

GROUP_TYPES = ("office", "community", "district", "profile", "service")
"""Ways to split a figure (besides ``all``)."""

_CASE_GROUPS = ("community", "district", "profile", "service")


@dataclass(frozen=True)
class Measure:
    """A figure the model can produce for a group and period.

    Attributes:
        name: As written in the targets file.
        kind: ``share`` (a fraction of a count: binomial), ``mean`` (normal), or ``rate`` (a
            count per month: Poisson).
        table: The run table it is computed from (``cases`` or ``visits``).
        groups: Group types it can be split by (besides ``all``).
        definition: Exactly what is computed, for the README and error messages.
    """

    name: str
    kind: Literal["share", "mean", "rate"]
    table: Literal["cases", "visits"]
    groups: tuple[str, ...]
    definition: str


MEASURES: dict[str, Measure] = {m.name: m for m in (
    Measure("wait_mean_min", "mean", "visits", GROUP_TYPES,
            "mean visits.wait_min (minutes) of the visits made on the period's days"),
    Measure("visits_per_month", "rate", "visits", GROUP_TYPES,
            "visits made on the period's days, per month, divided by sim.sample_fraction "
            "(catalogue visits only: an office's other business is not recorded)"),
    Measure("trips_per_case", "mean", "cases", _CASE_GROUPS,
            "mean cases.trips of the cases closed (completed or abandoned) in the period"),
    Measure("one_trip_share", "share", "cases", _CASE_GROUPS,
            "completed cases with trips <= 1 / cases completed in the period"),
    Measure("share_satisfied", "share", "cases", _CASE_GROUPS,
            "closed cases with satisfaction >= behaviour.satisfaction.satisfied_threshold / "
            "cases closed in the period with a score"),
    Measure("satisfaction_mean", "mean", "cases", _CASE_GROUPS,
            "mean cases.satisfaction (0–100) of the cases closed in the period"),
    Measure("online_share", "share", "cases", _CASE_GROUPS,
            "cases handled online (cases.channel) / cases closed in the period"),
    Measure("abandonment_rate", "share", "cases", _CASE_GROUPS,
            "abandoned cases / cases closed (completed or abandoned) in the period"),
    Measure("cases_per_month", "rate", "cases", _CASE_GROUPS,
            "cases opened in the period, per month, divided by sim.sample_fraction"),
)}
"""Every measure a target can name."""


class TargetsError(FileError):
    """A targets file row the model cannot be held against (names file, row and column)."""


@dataclass(frozen=True)
class Target:
    """One observed figure.

    Attributes:
        row: Its row in the file (header = 1).
        measure: The measure's name (a key of :data:`MEASURES`).
        group: ``all`` or ``TYPE:NAME`` as written.
        period: ``all`` or ``FIRST-LAST`` as written.
        first_day: First simulated day of the period (0 for ``all``).
        last_day: Last simulated day of the period, included.
        value: The observed figure.
        n: Cases or visits behind it, if given.
        se: Its standard error, if given.
    """

    row: int
    measure: str
    group: str
    period: str
    first_day: int
    last_day: int
    value: float
    n: float | None = None
    se: float | None = None

    @property
    def group_type(self) -> str:
        """``all`` or the part before the colon."""
        return self.group.partition(":")[0] if self.group != "all" else "all"

    @property
    def group_name(self) -> str | None:
        """The part after the colon (None for ``all``)."""
        return self.group.partition(":")[2] if self.group != "all" else None

    @property
    def days(self) -> int:
        """Days in the period."""
        return self.last_day - self.first_day + 1

    @property
    def months(self) -> float:
        """Months in the period (:data:`DAYS_PER_MONTH` days each)."""
        return self.days / DAYS_PER_MONTH


def _group_names(spec: RunSpec) -> dict[str, Sequence[str]]:
    profiles = {p for c in spec.city.communities.values()
                for p, share in c.profile_mix.items() if share > 0}
    return {"office": list(spec.city.offices), "community": list(spec.city.communities),
            "district": list(spec.city.districts),
            "profile": [p for p in spec.behaviour.profiles if p in profiles],
            "service": list(spec.services.catalogue)}


def _period(table: cf.Table, number: int, text: str, days: int) -> tuple[int, int]:
    if text == "all":
        return 0, days - 1
    first, sep, last = text.partition("-")
    try:
        a, b = int(first), int(last)
    except ValueError:
        a = b = -1
    if not sep or a < 0 or b < a:
        raise table.error(number, "period", text,
                          "'all' or FIRST-LAST, simulated days counted from 0, e.g. 60-364")
    if b >= days:
        raise table.error(number, "period", text,
                          f"days within the run (sim.days = {days}: the last day is {days - 1})")
    return a, b


def _check_group(table: cf.Table, number: int, measure: Measure, group: str,
                 names: dict[str, Sequence[str]]) -> None:
    if group == "all":
        return
    kind, sep, name = group.partition(":")
    if not sep or kind not in GROUP_TYPES:
        raise table.error(number, "group", group,
                          "'all' or TYPE:NAME with TYPE one of " + ", ".join(GROUP_TYPES))
    if kind not in measure.groups:
        raise table.error(number, "group", group,
                          f"a group {measure.name} can be split by: all, "
                          + ", ".join(f"{g}:NAME" for g in measure.groups)
                          + " (a case is not at one office: use a visit measure)")
    if name not in names[kind]:
        raise table.error(number, "group", group,
                          f"one of the run's {kind} names: " + ", ".join(names[kind]))


def _check_producible(table: cf.Table, number: int, measure: Measure, group: str,
                      spec: RunSpec) -> None:
    """A figure the model can only ever simulate as 0 cannot be fitted to: say so now."""
    if measure.name != "online_share":
        return
    services = spec.services.catalogue
    if group.startswith("service:"):
        services = {k: v for k, v in services.items() if k == group.partition(":")[2]}
    if all(s.online == "none" for s in services.values()):
        raise table.error(number, "measure", measure.name,
                          "a measure the model can produce (no service "
                          + ("in this group " if group.startswith("service:") else "")
                          + "can be done online: services.catalogue.*.online is none)")


def read_targets(path: str | Path, spec: RunSpec) -> list[Target]:
    """Read and validate a targets CSV against the run it is to be compared with.

    Args:
        path: The CSV file (columns measure, group, period, value, and n and/or se).
        spec: The run's spec: its offices, communities, districts, profiles, services and
            length decide which targets it can produce.

    Returns:
        The targets, in file order.

    Raises:
        TargetsError: naming the file, row, column, value and what was expected.
    """
    table = cf.read_table(Path(path), ["measure", "group", "period", "value"], ["n", "se"],
                          error_type=TargetsError)
    if "n" not in table.columns and "se" not in table.columns:
        raise table.error(1, "n", table.columns,
                          "a column n (sample size) or se (standard error), or both")
    if not table.rows:
        raise table.error(2, None, None, "at least one target row")
    names = _group_names(spec)
    seen: dict[tuple[str, str, str], int] = {}
    out = []
    for number, row in table.rows:
        measure = MEASURES.get(row["measure"])
        if measure is None:
            raise table.error(number, "measure", row["measure"],
                              "one of the measures " + ", ".join(MEASURES))
        _check_group(table, number, measure, row["group"], names)
        _check_producible(table, number, measure, row["group"], spec)
        first, last = _period(table, number, row["period"], spec.sim.days)
        key = (measure.name, row["group"], row["period"])
        if key in seen:
            raise table.error(number, "measure", ",".join(key),
                              f"one row per measure, group and period (row {seen[key]} has "
                              "the same)")
        seen[key] = number
        value = cf.cell(table, number, row, "value", cf.number, "a number")
        if measure.kind == "share" and not 0 <= value <= 1:
            raise table.error(number, "value", row["value"],
                              "a share as a fraction in [0, 1] (58% is 0.58)")
        if value < 0:
            raise table.error(number, "value", row["value"], "a number >= 0")
        n = cf.cell(table, number, row, "n", cf.number, "a sample size", default=False)
        se = cf.cell(table, number, row, "se", cf.number, "a standard error", default=False)
        if n is not False and n < 1:
            raise table.error(number, "n", row["n"],
                              "a sample size >= 1 (the cases or visits behind the figure)")
        if se is not False and se <= 0:
            raise table.error(number, "se", row["se"], "a standard error > 0")
        if measure.kind != "rate" and n is False and se is False:
            raise table.error(number, "n", "",
                              f"a sample size n or a standard error se ({measure.name} is a "
                              f"{measure.kind}: its likelihood needs one)")
        out.append(Target(number, measure.name, row["group"], row["period"], first, last,
                          value, None if n is False else n, None if se is False else se))
    return out
