"""One door: a district's departmental front desks become one integrated centre.

What it changes, from its start day, for each district in its scope:

* The centre is an existing office (``host``; by default the district's desk nearest the
  district's population-weighted centroid). It takes every department of the catalogue
  (``departments``), becomes ``integrated``, and shows queue numbers (``wait_info``) if
  configured. It pools the counters and the background business of the desks it absorbs, and
  the district's share of those of offices several districts use (district bureaus: their
  counters are split among districts by the population that uses them, largest remainders
  first, ties to the districts without a centre); ``counters`` overrides the pooled number.
  Absorbed desks close (no departments, no counters); a shared office keeps the other
  districts' share, and closes if that is none.
  Staff are moved, not added: with the default the city's counters stay the same.
* Every community of the district prefers the centre (``routes.prefer``): all its steps are
  done there. Going to a wrong office (``wrong_office_factor``: its reception) and forgetting
  a document (``missing_document_factor``: one checklist per procedure) become rarer, each
  delivered with the community's readiness fidelity (a well-run committee passes the centre's
  guidance on).
* "A whole procedure in one visit" is not a branch in the model: an ``integrated`` office
  handles, in the visit for one step, the following steps it is the resident's office for
  (:meth:`~pilotsim.sim.model.PilotModel.visit_span`). The visit's service time is the sum of the
  steps' (one moment-matched distribution, so the visit keeps its single draw), the documents
  are the union of the steps' (certificates are handed over internally), and back-office
  processing days add up after the visit instead of costing trips.

With ``level: district`` (the default) scope works on whole districts: a district is served by
a centre if any of its communities is in scope, and then every community of the district is
reached (the desks they used are gone).

With ``level: community`` (for pilots in a few communities) the centre is a *new* office beside
the host desk, and the communities in scope go there. Where its counters come from is
``centre_staff``: ``added`` (the default, as pilots are usually resourced: new counters and
staff, as many as the pilot communities' share of the desks' counters, rounded up, or
``counters``; costed as counter-hours; the desks keep theirs) or ``moved`` (whole counters taken
from the desks by the communities' share, at least one — which halves a two-counter desk that
still serves most of the district). Later waves (a stepped wedge) add their own; when every
community of a district is in, the desks' counters move into the centre, the desks close and
added counters are withdrawn: rollout runs on the city's own staff, as at district level.
Residents of the pilot communities may still use their old desks while those serve
(the model's office choice weighs travel and expected waits). With
``serve_outsiders`` residents of other communities may take a case to the centre too, by the
same rule: the pilot's spillover, and demand a centre sized for its own communities was not
sized for; they self-limit as its expected wait rises. It is off by default: a pilot centre
serves the communities it was set up for (the desks keep the others' records and jurisdiction).
A district's *desks* are, unless ``merge`` names them (then only those are absorbed, wholly),
the offices whose users (the communities for which they are the nearest office serving a
department the catalogue needs) all live in that district. Residents outside the scope who
come to a centre (it is the nearest office for some department) are served there too — the
spillover is the model's, not a special case.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Literal

from pilotsim.plugins.reforms.base import Reform
from pilotsim.sim.distributions import ServiceTime
from pilotsim.spec import Distribution
from pilotsim.spec.reform_params import Cost, ReformParams, scope_communities
from pilotsim.spec.schema import check

if TYPE_CHECKING:
    from pilotsim.sim.levers import Levers, OfficeView
    from pilotsim.spec import RunSpec


# The default cost: illustrative figures (docs/reforms.md, "Parameter reference"). Named here,
# not called in the field: Cost is frozen, so sharing one instance is safe.
COST = Cost(setup_budget=1_500_000, budget_per_day=2000, staff_hours_per_day=16,
            budget_per_staff_hour=60)


@dataclass(frozen=True)
class OneDoorParams(ReformParams):
    """Parameters of ``one_door``.

    Attributes:
        cost: Illustrative cost figures per centre (docs/reforms.md).
        host: District → office that becomes its centre (default: the district's desk nearest
            its population-weighted centroid).
        merge: District → offices whose front desks the centre absorbs (default: the
            district's own desks, see the module docstring).
        counters: Counters of each centre (default: pooled at ``district`` level; at
            ``community`` level see ``centre_staff``).
        wrong_office_factor: Multiplier on the risk of going to a wrong office (or window)
            for residents the centre serves (0: a perfect reception sends everyone to the
            right counter; the default 0.3 keeps some: a resident who does not know the
            procedure still queues for the wrong window or the old desk).
        missing_document_factor: Multiplier on the risk of forgetting a document for
            residents the centre serves (default 0.6: a centre gives one checklist per
            procedure and tells everything at the first contact, through the community's
            committee; 1: no change). Delivered with the site's readiness fidelity, like the
            reception.
        one_visit_across_processing: Whether a centre visit continues past a step with
            back-office processing days (the file is passed on internally, the resident is
            told the result: "at most one trip"); False: the resident comes back when the
            processing is done.
        centre_staff: At ``community`` level, where a pilot centre's counters come from:
            ``added`` (default; new counters and staff, ``counters`` of them or, if null, as
            many as the pilot communities' share of the desks' counters, rounded up —
            costed as counter-hours; the desks keep theirs; when a district's last
            communities join, the desks' counters move into the centre and the added ones
            are withdrawn, as at full rollout) or ``moved`` (whole counters taken from the
            desks by the communities' share, at least one: halves a two-counter desk).
        wait_info: The centre shows queue numbers and expected waits.
        level: ``district`` (the district's desks become the centre, every community is
            reached) or ``community`` (a centre for the communities in scope only).
        serve_outsiders: At ``community`` level, whether the centre also serves residents of
            communities outside the scope who choose it (default False: a pilot centre serves
            the communities it was set up for).
    """

    cost: Cost = COST
    host: Mapping[str, str] | None = None
    merge: Mapping[str, tuple[str, ...]] | None = None
    counters: int | None = None
    wrong_office_factor: float = 0.3
    wait_info: bool = True
    level: Literal["district", "community"] = "district"
    serve_outsiders: bool = False
    missing_document_factor: float = 0.6
    one_visit_across_processing: bool = True
    centre_staff: Literal["added", "moved"] = "added"
    readiness_fidelity: float = 1.0

    def check_run(self, spec: RunSpec, path: str) -> None:  # noqa: D102
        districts, offices = spec.city.districts, spec.city.offices
        for key, mapping in (("host", self.host or {}), ("merge", self.merge or {})):
            for d in mapping:
                check(d in districts, f"{path}.{key}.{d}", d,
                      "a district of the city: " + ", ".join(districts))
        for d, o in (self.host or {}).items():
            check(o in offices, f"{path}.host.{d}", o, "an office: " + ", ".join(offices))
        for d, names in (self.merge or {}).items():
            for i, o in enumerate(names):
                check(o in offices, f"{path}.merge.{d}[{i}]", o,
                      "an office: " + ", ".join(offices))
        if self.counters is not None:
            check(self.counters >= 1, f"{path}.counters", self.counters, "an integer >= 1")
        check(0 <= self.wrong_office_factor <= 1, f"{path}.wrong_office_factor",
              self.wrong_office_factor, "a multiplier in [0, 1]")
        check(0 <= self.missing_document_factor <= 1, f"{path}.missing_document_factor",
              self.missing_document_factor, "a multiplier in [0, 1]")
        for d, plan in centres(self, spec).items():
            check(bool(plan.desks), f"{path}.merge.{d}", list(plan.desks),
                  f"at least one office whose front desks district {d!r} centre absorbs "
                  "(no office serves only this district: name them under merge)")
            check(plan.host in plan.desks, f"{path}.host.{d}", plan.host,
                  "one of the offices the centre absorbs: " + ", ".join(plan.desks))


def office_users(spec: RunSpec) -> dict[str, dict[str, int]]:
    """Office → district → residents of the communities that use it.

    A community *uses* an office if it is the nearest office serving some department a step of
    the catalogue needs (as the model routes residents before any reform); see
    :func:`community_users`, which this sums by district.
    """
    comms = list(spec.city.communities.values())
    users: dict[str, dict[str, int]] = {}
    for name, by_community in community_users(spec).items():
        users[name] = {}
        for ci, population in by_community.items():
            d = comms[ci].district
            users[name][d] = users[name].get(d, 0) + population
    return users


def community_users(spec: RunSpec) -> dict[str, dict[int, int]]:
    """Office → community index → its residents, for the communities that use the office."""
    city = spec.city
    needed = {st.department for s in spec.services.catalogue.values() for st in s.steps}
    offices = list(city.offices.items())
    users: dict[str, dict[int, int]] = {n: {} for n in city.offices}
    for ci, c in enumerate(city.communities.values()):
        for dept in needed:
            serving = [(math.dist(c.location, o.location), i, n)
                       for i, (n, o) in enumerate(offices) if dept in o.departments]
            if serving:
                users[min(serving)[2]][ci] = c.population
    return users


def district_desks(spec: RunSpec) -> dict[str, list[str]]:
    """District → offices used only by its communities (its own front desks)."""
    users = office_users(spec)
    return {d: [n for n, u in users.items() if set(u) == {d}] for d in spec.city.districts}


@dataclass(frozen=True)
class CentrePlan:
    """One district's centre.

    Attributes:
        host: The office that becomes the centre.
        desks: Offices absorbed wholly (counters, background business; they close).
        shared: Offices used by several districts (district bureaus) → the share of their
            counters and background business the centre takes (the district's share of their
            users); empty when ``merge`` names the district's offices.
    """

    host: str
    desks: tuple[str, ...]
    shared: Mapping[str, float]


def centres(params: OneDoorParams, spec: RunSpec) -> dict[str, CentrePlan]:
    """District → its centre, for every district the scope touches."""
    comm = list(spec.city.communities.values())
    touched = sorted({comm[i].district for i in scope_communities(params.scope, spec)},
                     key=spec.city.districts.index)
    users = office_users(spec)
    out = {}
    for d in touched:
        merge, hosts = params.merge or {}, params.host or {}
        if d in merge:
            desks, shared = tuple(merge[d]), {}
        else:
            desks = tuple(n for n, u in users.items() if set(u) == {d})
            shared = {n: u[d] / sum(u.values()) for n, u in users.items()
                      if d in u and len(u) > 1}
        host = hosts.get(d)
        if host is None and desks:
            members = [c for c in comm if c.district == d]
            total = sum(c.population for c in members)
            centroid = tuple(sum(c.location[k] * c.population for c in members) / total
                             for k in (0, 1))
            host = min(desks, key=lambda n: (math.dist(centroid, spec.city.offices[n].location),
                                             desks.index(n)))
        out[d] = CentrePlan(host or "", desks, shared)
    return out


def largest_remainder(total: int, shares: list[float], favour: list[bool]) -> list[int]:
    """Split ``total`` whole units by ``shares`` (summing to 1), largest remainders first.

    Equal remainders go first to the parts with ``favour`` set.
    """
    raw = [total * x for x in shares]
    out = [int(r) for r in raw]
    order = sorted(range(len(raw)), key=lambda i: (round(raw[i] - out[i], 9), favour[i]),
                   reverse=True)
    for i in order[:total - sum(out)]:
        out[i] += 1
    return out


class OneDoor(Reform):
    """An integrated one-door centre per district in scope (see the module docstring)."""

    Params = OneDoorParams
    cost_unit = "centre"

    def prepare(self, levers: Levers) -> None:  # noqa: D102
        spec = levers.spec
        self.plan = centres(self.params, spec)
        district_of = [c.district for c in spec.city.communities.values()]
        self.districts = {d: [i for i, x in enumerate(district_of) if x == d] for d in self.plan}
        self.built: list[str] = []
        self.reach = 0.0
        # pilot centres' added counters (centre_staff: added), by office index, and the
        # counter-hours they opened, per day from the start
        self.added: dict[int, int] = {}
        self._added_hours: list[float] = []

    def start(self, levers: Levers) -> None:  # noqa: D102
        super().start(levers)
        p: OneDoorParams = self.params  # type: ignore[assignment]
        if p.level == "community":
            self._start_for_communities(levers)
            return
        office = {o.name: o for o in levers.offices}
        every = {d for o in office.values() for d in o.departments} | \
            {st.department for s in levers.spec.services.catalogue.values() for st in s.steps}
        # counters of shared offices: split among all districts by their users' share, the
        # centres take their districts' parts, the office keeps the others'
        users = office_users(levers.spec)
        taken: dict[str, dict[str, int]] = {d: {} for d in self.plan
                                            if not office[self.plan[d].host].integrated}
        for name in sorted({n for d in taken for n in self.plan[d].shared}):
            u = users[name]
            districts = list(u)
            split = largest_remainder(office[name].counters,  # ties: the office keeps them
                                      [u[x] / sum(u.values()) for x in districts],
                                      [x not in taken for x in districts])
            for x, k in zip(districts, split, strict=True):
                if x in taken:
                    taken[x][name] = k
        self.built = []
        for d, plan in self.plan.items():
            host = office[plan.host]
            if host.integrated:  # the district has its centre already (an earlier wave)
                continue
            self.built.append(d)
            parts = [(office[n], office[n].counters, 1.0) for n in plan.desks] + \
                [(office[n], taken[d][n], share) for n, share in plan.shared.items()]
            pooled = sum(k for _, k, _ in parts)
            error = sum(o.error_rate * k for o, k, _ in parts) / max(pooled, 1)
            other = sum(o.other_visits_per_day * share for o, _, share in parts)
            other_mean = (sum(o.other_visits_per_day * share * o.other_service.mean
                              for o, _, share in parts) / other) if other > 0 else \
                host.other_service.mean
            for o, k, share in parts:
                if o is host:
                    continue
                levers.set_counters(o.index, o.counters - k)
                levers.set_other_business(o.index, o.other_visits_per_day * (1.0 - share))
                if o.counters == 0:
                    levers.close_office(o.index)
            h = host.index
            levers.integrate(h, every, hands_over_processing=p.one_visit_across_processing)
            if p.wait_info:
                levers.show_waits(h)
            levers.set_error_rate(h, error)
            levers.set_other_business(h, other, ServiceTime(Distribution(
                host.other_service.kind, other_mean, host.other_service.cv or 0.5)))
            levers.set_counters(h, p.counters if p.counters is not None else pooled)
            for c in self.districts[d]:
                levers.prefer_office(c, h)
                levers.scale_risk(c, wrong_office=self.toward(levers, c, p.wrong_office_factor),
                                  missing_document=self.toward(levers, c,
                                                               p.missing_document_factor))

    def _start_for_communities(self, levers: Levers) -> None:
        """A centre per district for the communities in scope (``level: community``)."""
        p: OneDoorParams = self.params  # type: ignore[assignment]
        spec = levers.spec
        office = {o.name: o for o in levers.offices}
        every = {st.department for s in spec.services.catalogue.values() for st in s.steps}
        users = community_users(spec)
        wave = set(self.communities)
        self.built = []
        people = [c.population for c in spec.city.communities.values()]
        # cost follows scope: each district's centre is paid in the share of its residents
        # this wave brings to it (a stepped wedge's waves add up to whole centres)
        self.reach = sum(sum(people[c] for c in self.districts[d] if c in wave)
                         / max(sum(people[c] for c in self.districts[d]), 1)
                         for d in self.plan)
        for d, plan in self.plan.items():
            mine = [c for c in self.districts[d] if c in wave]
            if not mine:
                continue
            name = f"one_door_{d}"
            centre = office.get(name)
            if centre is None:
                host = spec.city.offices[plan.host]
                # open to nobody until this wave's communities are admitted below
                i = levers.open_office(name, replace(
                    host, departments=tuple(sorted(every)), counters=1, staffing=(),
                    other_visits_per_day=0.0, wait_info=host.wait_info or p.wait_info),
                    only_for=())
                levers.set_counters(i, 0)
                levers.integrate(i, every, hands_over_processing=p.one_visit_across_processing)
                levers.set_error_rate(i, sum(office[n].error_rate for n in plan.desks)
                                      / len(plan.desks))
                if p.serve_outsiders:
                    levers.add_walk_in_centre(i)
                self.built.append(d)
                centre = levers.offices[i]
            joined = centre.restricted_to or frozenset()  # communities earlier waves brought in
            complete = set(self.districts[d]) <= joined | wave
            if p.centre_staff == "moved":
                if p.counters is not None:
                    # a centre of a fixed size: new staff, the desks keep theirs; it does not
                    # grow with later waves (the pilot that is not scaled up with its demand)
                    if d in self.built:
                        levers.set_counters(centre.index, p.counters)
                else:
                    levers.set_counters(centre.index, centre.counters + self._move_counters(
                        levers, plan, mine, users, centre))
            elif complete:
                # the whole district is in: rollout at the city's own staff, as at district
                # level — the desks' counters move in, the pilot's added counters go
                levers.set_counters(centre.index, self._move_counters(
                    levers, plan, self.districts[d], users, centre, whole=True))
            elif p.counters is None or d in self.built:
                # new counters and staff, sized for this wave (a fixed ``counters``: once)
                add = p.counters if p.counters is not None else \
                    self._pilot_share(levers, plan, mine, users)
                self.added[centre.index] = add
                levers.set_counters(centre.index, centre.counters + add)
            for c in mine:
                levers.prefer_office(c, centre.index)
                levers.scale_risk(c, wrong_office=self.toward(levers, c, p.wrong_office_factor),
                                  missing_document=self.toward(levers, c,
                                                               p.missing_document_factor))
                levers.admit(centre.index, c)

    @staticmethod
    def _pilot_share(levers: Levers, plan: CentrePlan, mine: list[int],
                     users: dict[str, dict[int, int]]) -> int:
        """New counters for ``mine``: their share of the desks' counters, rounded up."""
        spec = levers.spec
        need = sum(sum(users[n].get(c, 0) for c in mine) / max(sum(users[n].values()), 1)
                   * spec.city.offices[n].counters for n in (*plan.desks, *plan.shared))
        return max(1, math.ceil(need - 1e-9))

    @staticmethod
    def _move_counters(levers: Levers, plan: CentrePlan, mine: list[int],
                       users: dict[str, dict[int, int]], centre: OfficeView,
                       whole: bool = False) -> int:
        """Take from each desk the share of its counters ``mine`` use; return how many.

        With ``whole`` (``mine`` is the whole district) the district's own desks give all
        they have left.
        """
        spec = levers.spec
        office = {o.name: o for o in levers.offices}
        moved = 0
        for n in (*plan.desks, *plan.shared):
            u = users[n]
            share = sum(u.get(c, 0) for c in mine) / max(sum(u.values()), 1)
            o = office[n]
            k = o.counters if whole and n in plan.desks else \
                min(o.counters, round(share * spec.city.offices[n].counters))
            levers.set_counters(o.index, o.counters - k)
            moved += k
            if o.counters == 0:
                levers.close_office(o.index)
        if centre.counters + moved == 0:  # a pilot too small for a whole counter: take one
            donor = max((office[n] for n in plan.desks), key=lambda o: o.counters)
            if donor.counters > 1:
                levers.set_counters(donor.index, donor.counters - 1)
            moved = 1
        return moved

    def daily(self, levers: Levers, day: int) -> None:
        """Count the counter-hours this wave's added counters were open today.

        They count until their district is whole (then the desks' own staff take over).
        """
        hours = 0.0
        offices = levers.offices
        for i, k in self.added.items():
            centre = offices[i]
            d = next(x for x in self.plan if f"one_door_{x}" == centre.name)
            if not set(self.districts[d]) <= (centre.restricted_to or frozenset()):
                hours += k * centre.open_minutes(day) / 60.0
        self._added_hours.append(hours)

    def measured_staff_hours(self, active_days: int) -> float:
        """Counter-hours of the counters pilot centres added (``centre_staff: added``)."""
        return float(sum(self._added_hours[:active_days]))

    def reached(self) -> list[int]:
        """Every community of a district with a centre (``level: community``: the scope)."""
        if self.params.level == "community":  # type: ignore[attr-defined]
            return sorted(self.communities)
        return sorted(c for cs in self.districts.values() for c in cs)

    def units(self) -> float:
        """Centres this reform built (a district that had one already is not counted).

        ``level: community``: the centres' share reached, per district the share of its
        residents in this wave's scope (three of twelve equal communities: a quarter).
        """
        if self.params.level == "community":  # type: ignore[attr-defined]
            return float(self.reach)
        return float(len(self.built))
