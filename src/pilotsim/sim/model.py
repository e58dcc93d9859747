"""PilotModel: residents, offices and community organisations, one Mesa step per day."""

from __future__ import annotations

import dataclasses
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

import mesa
import numpy as np

from pilotsim.sim import cases as C  # noqa: N812  (C.OPEN, C.visit_slot read as constants)
from pilotsim.sim.agenda import Due
from pilotsim.sim.agents import Office, Organisation, Resident
from pilotsim.sim.background import BackgroundDemand
from pilotsim.sim.bulk import BulkVisits, closed_columns
from pilotsim.sim.cases import Case, CaseTable
from pilotsim.sim.distributions import ServiceTime, sum_of
from pilotsim.sim.levers import Levers
from pilotsim.sim.lifecycle import CaseLifecycle
from pilotsim.sim.office_choice import choose_office, expected_wait
from pilotsim.sim.phases import DayPlan, Phase
from pilotsim.sim.population import Population
from pilotsim.sim.records import VisitLog
from pilotsim.sim.rng import Streams, grouped_draws, poisson
from pilotsim.sim.routes import Routes, travel_matrix
from pilotsim.spec import Office as OfficeSpec
from pilotsim.spec import RunSpec

_BUSINESS_DAYS = 32  # days of office generators seeded at once (PilotModel._business_states)
_NEEDS_DAYS = 128  # days of needs generators seeded at once (PilotModel._needs_generator)


class Intervention(Protocol):
    """What the model asks of a reform or scheduled change (its lifecycle).

    ``setup`` runs once when the model is built, ``start`` at the beginning of ``start_day``,
    ``daily`` at the end of every day from then on. Each is handed the model's
    :class:`~pilotsim.sim.levers.Levers`, never the model: what an intervention may read and
    change is exactly their public methods. ``setup`` gets levers whose changes are refused
    (a reform starting on day D must leave the days before D as the baseline's).
    """

    start_day: int

    def setup(self, levers: Levers) -> None:  # noqa: D102
        ...

    def start(self, levers: Levers) -> None:  # noqa: D102
        ...

    def daily(self, levers: Levers, day: int) -> None:  # noqa: D102
        ...


@dataclass
class StepRuntime:
    """A step as the running model sees it (reforms may change these quantities)."""

    department: str
    service_time: ServiceTime
    held_documents: tuple[str, ...]
    issues: tuple[str, ...]
    processing_days: int
    relayable: bool
    skip: bool = False


@dataclass
class ServiceRuntime:
    """A service as the running model sees it."""

    name: str
    steps: list[StepRuntime]
    online: str
    proxy: bool

    def copy(self) -> ServiceRuntime:
        """An independent copy (its steps copied too), for a community's own view."""
        return dataclasses.replace(self, steps=[dataclasses.replace(s) for s in self.steps])


class PilotModel(mesa.Model):
    """The pilotsim world. One :meth:`step` is one day; within it, minutes are continuous.

    A day is :attr:`phases`, an ordered :class:`~pilotsim.sim.phases.DayPlan` that ``step`` runs
    and times phase by phase (:meth:`day_plan` prints it; :meth:`phase_seconds` gives the
    cumulative times). Its order, which the code below follows:

    1. **Start of day** — interventions whose start day has come apply themselves (dated office
       staffing changes are among them); organisations' staff time resets.
    2. **Needs arrive** — the ``needs`` stream brings new needs (Poisson per community,
       profile and service), each recorded as a case; a resident becomes an agent at their
       first need; they may ask their committee (information, pre-check), decide whether to
       apply at all given the burden they expect (:mod:`pilotsim.sim.takeup`; a need not pursued
       stays a case with status ``not_pursued``) and choose a channel (in person, online,
       proxy).
    3. **Residents act** — every case with something due today acts, in agenda order: remote
       steps (online, proxy, relay) finish, back-office processing ends and the next step is
       planned, and residents due at an office pick the office they believe right (or a wrong
       one), an arrival minute, and bring or forget documents. Where they have a choice of
       place (a one-door centre or their usual desks) they weigh travel and expected waits
       when planning the visit (:meth:`~pilotsim.sim.lifecycle.CaseLifecycle._choose_office`).
    4. **Offices serve** — each office serves the day's arrivals FCFS in continuous time,
       with unrecorded visits: business outside the catalogue and, when sampling, the
       unsimulated residents' background cases (:mod:`pilotsim.sim.background`; their needs
       open and their due visits are planned here, and they advance after the queue);
       those still waiting at closing go home.
    5. **Cases advance or finish** — served steps move on (after processing days); wasted trips
       teach the resident and may make them give up; finished cases are scored (peak–end) and
       update the resident's knowledge, trust and channel memory.
    6. **Word of mouth** — residents whose case closed today tell neighbours in their community.
    7. **Daily hooks** — interventions' per-day hooks run.

    Only cases with something due act; no step is O(all residents).

    What reforms and other interventions may change (the core has no per-reform branch) is
    :class:`~pilotsim.sim.levers.Levers`, ``self.levers``: one method per kind of change, and
    the only object interventions are handed. The attributes below are the model's own;
    nothing outside the model layer writes them.

    Args:
        spec: The validated run spec.
        interventions: Scheduled changes other than the spec's reforms (a pilot's boost, a
            test's probe); the offices' staffing schedules are added here, the rest is given:
            the model builds no intervention itself (:func:`pilotsim.plugins.runner.build_model`
            builds a spec's).
        reforms: The spec's reforms, applied before ``interventions`` and kept as
            :attr:`reforms` for their reports.
        pilot_sites: The pilot design's sites (community → start day, or None), kept for the
            run's metadata.
    """

    def __init__(self, spec: RunSpec, interventions: Iterable[Intervention] = (), *,
                 reforms: Sequence[Intervention] = (),
                 pilot_sites: Mapping[str, int | None] | None = None) -> None:
        super().__init__(rng=spec.seed)
        self.spec = spec
        self.day = 0
        self.streams = Streams(spec.seed)
        self._business: dict[int, list[dict]] = {}  # see _business_states
        self._needs_states: dict[int, dict] = {}  # see _needs_generator
        self.choices = self.streams.counter("choices")
        self.service_draws = self.streams.counter("service_times")
        city, beh = spec.city, spec.behaviour
        self.profile_names = list(beh.profiles)
        self.community_names = list(city.communities)
        self.district_names = list(city.districts)
        self.community_district = np.array(
            [self.district_names.index(c.district) for c in city.communities.values()])
        self.service_names = list(spec.services.catalogue)
        self.profiles = [beh.profiles[p] for p in self.profile_names]
        self.population = Population.build(spec, self.streams.generator("population"))
        self.offices = [Office(self, n, o, i) for i, (n, o) in enumerate(city.offices.items())]
        self.office_index = {o.name: o.index for o in self.offices}
        self.organisation_of: dict[int, Organisation] = {}
        for name, o in city.organisations.items():
            ci = self.community_names.index(o.community)
            org = Organisation(self, name, o, ci, spec.sim.sample_fraction)
            self.organisation_of.setdefault(ci, org)
        self.travel = travel_matrix(city, self.offices)
        self.routes = Routes(self.travel, self.offices)
        self.redirect = ServiceTime(beh.visits.redirect_time)
        self.services = {n: self._service_runtime(n) for n in self.service_names}
        self._service_views: list[dict[str, ServiceRuntime] | None] = \
            [None] * len(self.community_names)
        self.shared_documents: set[str] = set()
        # one-door centres residents of other communities may choose (kept by the reform, so
        # planning a visit does not scan every office)
        self.walk_in_centres: list[Office] = []
        # community × office: the wait its residents learned to expect there (NaN: no one has
        # been); own visits and neighbours' reports pooled (word of mouth within a community)
        self.wait_learned = np.full((len(self.community_names), len(self.offices)), np.nan)
        self.community_shared_documents: list[set[str]] = \
            [set() for _ in self.community_names]
        nc = len(self.community_names)
        self.wrong_office_factor = np.ones(nc)
        self.missing_document_factor = np.ones(nc)
        self.proxy_eligible = np.array([[p.proxy_eligible for p in self.profiles]] * nc,
                                       dtype=bool).reshape(nc, len(self.profiles))
        self.residents: dict[int, Resident] = {}
        self._is_agent = np.zeros(self.population.size, dtype=bool)  # rows in residents
        # by case id: the case, or None (a bulk day's row, or a case the case stream let go)
        self.cases: list[Case | None] = []
        self.case_table = CaseTable()  # the same cases' facts as columns, by case id
        self.agenda: dict[int, list[tuple[Due, Case, float]]] = defaultdict(list)
        self.visits = VisitLog()
        # cases closed today, in order: objects, and bulk rows as arrays of ids
        self.closed_today: list[Case | np.ndarray] = []
        self._need_rates = self._needs_per_day()
        # room for the run's expected cases (one a need) and a tenth more: no growth copies
        self.case_table.reserve(int(1.1 * self._need_rates.sum() * self.spec.sim.days) + 1024)
        # day 0 computes every group answer afresh; from then on a lever marks a change
        self._world_day, self._world_changed, self._world_touched = -1, True, True
        self.lifecycle = CaseLifecycle(self)  # what a case goes through, one case at a time
        self.background = BackgroundDemand(self)
        # the day as data: step() runs these in order, timing each (see day_plan())
        self.phases = self._build_phases()
        # the city's own dated changes: every model of the city has them, whatever its reforms
        self.staffing: list[Intervention] = [_Staffing(o, ch.day, ch.counters)
                                             for o in self.offices for ch in o.pending_staffing]
        self._attach(reforms, interventions, pilot_sites)
        looking = Levers(self, changes=False)  # set-up may read the world, not change it
        for iv in self.interventions:
            iv.setup(looking)

    def _attach(self, reforms: Sequence[Intervention], interventions: Iterable[Intervention],
                pilot_sites: Mapping[str, int | None] | None) -> None:
        self.pilot_sites: dict[str, int | None] = dict(pilot_sites or {})
        self.reforms = list(reforms)
        self.interventions: list[Intervention] = [*self.staffing, *self.reforms,
                                                  *interventions]
        self.levers = Levers(self)

    def own_interventions(self) -> list[Intervention]:
        """The interventions the model was given (its reforms first), without its staffing."""
        return self.interventions[len(self.staffing):]

    def continue_as(self, world: PilotModel) -> None:
        """Continue this run as ``world``'s: take its interventions, reforms and pilot sites.

        For a model restored from a snapshot of a run that ``world`` shares up to today
        (:mod:`pilotsim.sim.snapshot`, :mod:`pilotsim.plugins.forking`): ``world`` is built
        from its spec, so its interventions are set up (at build, under levers that refuse
        changes: they hold what they read, never a part of ``world``). This model's own
        staffing changes stay: they come from the city, the same in every world.

        Raises:
            ValueError: if one of ``world``'s interventions starts before today (the days
                before it would not be ``world``'s).
        """
        late = [iv for iv in world.own_interventions() if iv.start_day < self.day]
        if late:
            raise ValueError(f"continue_as on day {self.day}: an intervention of the world "
                             f"starts on day {late[0].start_day}; expected no start before "
                             "the day the run continues as that world")
        self._attach(world.reforms, world.own_interventions()[len(world.reforms):],
                     world.pilot_sites)

    # ---------------------------------------------------------------------------- building

    def _service_runtime(self, name: str) -> ServiceRuntime:
        s = self.spec.services.catalogue[name]
        docs = self.spec.services.documents
        steps = [
            StepRuntime(
                department=st.department,
                service_time=ServiceTime(st.service_time),
                held_documents=tuple(d for d in st.requires if docs[d].holdable),
                issues=st.issues,
                processing_days=st.processing_days,
                relayable=st.relayable,
            )
            for st in s.steps
        ]
        return ServiceRuntime(name=name, steps=steps, online=s.online, proxy=s.proxy)

    def _needs_per_day(self) -> np.ndarray:
        """Expected needs per day: communities × profiles × services."""
        pop = self.population
        rates = np.array([[self.spec.services.catalogue[s].demand_per_year.get(p, 0.0)
                           for s in self.service_names] for p in self.profile_names])
        return pop.group_size[:, :, None] * rates[None, :, :] / 365.0

    def service(self, community: int, name: str) -> ServiceRuntime:
        """Service ``name`` as residents of ``community`` see it."""
        view = self._service_views[community]
        return self.services[name] if view is None else view[name]

    def own_services(self, community: int) -> dict[str, ServiceRuntime]:
        """The community's own, editable view of the services (copied on first use).

        Reforms with a scope edit these, so communities outside the scope are untouched.
        """
        view = self._service_views[community]
        if view is None:
            view = self._service_views[community] = {n: s.copy() for n, s in
                                                     self.services.items()}
        return view

    def is_shared(self, community: int, document: str) -> bool:
        """Whether offices fetch ``document`` themselves for residents of ``community``."""
        return document in self.shared_documents or \
            document in self.community_shared_documents[community]

    def step_skippable(self, community: int, step: StepRuntime) -> bool:
        """Whether a resident of ``community`` need not do ``step`` at all.

        A step is skipped when it was removed (``skip``), or when it is a relayable
        certificate step and every document it issues is shared (the office that needs the
        certificate fetches it).
        """
        return step.skip or (step.relayable and bool(step.issues) and
                             all(self.is_shared(community, d) for d in step.issues))

    def next_step_to_do(self, community: int, rt: ServiceRuntime, step: int) -> int:
        """The first step from ``step`` residents of ``community`` must do (len: none left)."""
        while step < len(rt.steps) and self.step_skippable(community, rt.steps[step]):
            step += 1
        return step

    def visit_span(self, community: int, rt: ServiceRuntime, first: int, office: int) -> int:
        """One past the last step a visit to ``office`` for step ``first`` handles.

        An ordinary office handles one step per visit. An ``integrated`` office (a one-door
        window) also takes the following steps whose departments it serves (skippable steps in
        between are passed over): issued documents are handed over internally. A step with
        back-office processing days ends the visit unless the office hands processed files
        on itself (``hands_over_processing``; otherwise the resident comes back when the
        processing is done). This holds for whoever comes, so residents from outside a
        centre's scope who use it (spillover) get the whole procedure done too.
        """
        j = first + 1
        here = self.offices[office]
        if here.integrated:
            steps = rt.steps
            last = steps[first]
            while j < len(steps) and (here.hands_over_processing or
                                      last.processing_days == 0):
                if self.step_skippable(community, steps[j]):
                    j += 1
                    continue
                if steps[j].department not in here.departments:
                    break
                last = steps[j]
                j += 1
        return j

    def _span_steps(self, community: int, rt: ServiceRuntime, first: int,
                    end: int) -> list[StepRuntime]:
        return [rt.steps[first]] + [s for s in rt.steps[first + 1:end]
                                    if not self.step_skippable(community, s)]

    def span_processing_days(self, community: int, rt: ServiceRuntime, first: int,
                             end: int) -> int:
        """Back-office days after a visit that did steps ``first`` to ``end`` (exclusive)."""
        return sum(s.processing_days for s in self._span_steps(community, rt, first, end))

    def span_service(self, community: int, rt: ServiceRuntime, first: int,
                     end: int) -> tuple[ServiceTime, tuple[str, ...]]:
        """Counter time and documents to carry for a visit doing steps ``first`` to ``end``.

        One step: its own distribution and held documents. Several (an integrated window):
        the sum of their service times as one distribution and the union of their documents.
        Documents the offices fetch themselves for ``community`` (shared) are left out.
        """
        step = rt.steps[first]
        dist, held = step.service_time, step.held_documents
        if end > first + 1:
            span = self._span_steps(community, rt, first, end)
            dist = sum_of([s.service_time for s in span])
            held = tuple(dict.fromkeys(x for s in span for x in s.held_documents))
        return dist, tuple(x for x in held if not self.is_shared(community, x))

    def visit_effect(self, community: int, rt: ServiceRuntime, first: int,
                     office: int) -> tuple[int, ServiceTime, tuple[str, ...], int]:
        """What a visit to ``office`` for step ``first`` does: the rule of both populations.

        Returns:
            ``(end, dist, docs, days)``: one past its last step (:meth:`visit_span`), its
            counter time and the documents to carry (:meth:`span_service`) and the back-office
            days after it (:meth:`span_processing_days`).
        """
        end = self.visit_span(community, rt, first, office)
        dist, docs = self.span_service(community, rt, first, end)
        return end, dist, docs, self.span_processing_days(community, rt, first, end)

    def world_may_have_changed(self, d: int) -> bool:
        """Whether group-level answers (routes, spans, documents) of before today may be stale.

        The world changes only through :class:`~pilotsim.sim.levers.Levers` (every change
        method reports itself here, :meth:`note_world_change`; the model's own changing
        methods, such as :meth:`add_office` and :meth:`own_services`, are called only by
        them): interventions' starts and their daily hooks. Computed once a day, after the
        interventions' starts: every caller that day (the case lifecycle's memo, the
        background's) gets the same answer.
        """
        if self._world_day != d:
            self._world_day, self._world_changed = d, self._world_touched
            self._world_touched = False
        return self._world_changed

    def note_world_change(self) -> None:
        """Record that something group answers may depend on changed (called by the levers)."""
        self._world_touched = True

    def add_office(self, name: str, spec: OfficeSpec) -> Office:
        """Open a new office during the run (e.g. a pilot's one-door centre).

        Its travel times follow the city's travel model; routes are recomputed.
        """
        office = Office(self, name, spec, len(self.offices))
        self.offices.append(office)
        self.office_index[name] = office.index
        t = self.spec.city.travel
        column = [t.overhead_min + 60.0 * math.dist(c.location, spec.location) / t.speed_km_per_h
                  for c in self.spec.city.communities.values()]
        self.travel = np.column_stack([self.travel, column])
        self.wait_learned = np.column_stack([self.wait_learned,
                                             np.full(len(column), np.nan)])
        self.routes.travel = self.travel
        self.routes.update()
        return office

    def resident(self, index: int) -> Resident:
        """The agent of the resident in population row ``index`` (created at first need)."""
        r = self.residents.get(index)
        if r is None:
            r = self.residents[index] = Resident(self, index)
            self._is_agent[index] = True
        return r

    def add_residents(self, r: np.ndarray) -> None:
        """Make agents of the residents in population rows ``r`` who are none yet.

        In order of first appearance in ``r``, as :meth:`resident` called row by row would
        (the same ``unique_id`` values), with Mesa's registration done once for all of them
        (:meth:`~pilotsim.sim.agents.Resident.create_many`): a day's needs make their new
        residents agents here. Who is an agent already is a look-up on arrays.
        """
        agent = self._is_agent[r]
        if agent.all():
            return
        known = self.residents
        new = [x for x in dict.fromkeys(r[~agent].tolist()) if x not in known]
        known.update(zip(new, Resident.create_many(self, new), strict=True))
        self._is_agent[new] = True

    # --------------------------------------------------------------------------------- day

    def _build_phases(self) -> DayPlan:
        """The day's phases in order (the class docstring tells the story of each)."""
        return DayPlan([
            Phase("interventions", "interventions whose start day has come apply themselves "
                  "(staffing changes, reforms, pilot boosts)", self._interventions_start),
            Phase("organisations", "committees' staff time resets for the day",
                  self._organisations_day),
            Phase("needs", "needs arrive (Poisson per community, profile and service); each "
                  "opens a case: committee contact, take-up, channel", self._needs_arrive),
            Phase("act", "cases with something due act in agenda order: remote steps finish, "
                  "next steps are planned, residents set off", self.lifecycle.act),
            Phase("serve", "offices serve the day's arrivals FCFS with unrecorded visits; "
                  "visits resolve, cases advance, finish or give up", self._offices_serve),
            Phase("word_of_mouth", "residents whose case closed today tell neighbours",
                  self._word_of_mouth),
            Phase("daily_hooks", "interventions' per-day hooks run", self._daily_hooks),
        ])

    def day_plan(self) -> str:
        """The day's phases as a small table (name, what it does), in the order they run."""
        return str(self.phases)

    def phase_seconds(self) -> dict[str, float]:
        """Cumulative seconds each phase of the day has taken so far, in plan order."""
        return self.phases.seconds()

    def step(self) -> None:
        """Simulate one day: run :attr:`phases` in order (see the class docstring)."""
        if self.day >= self.spec.sim.days:
            self.running = False
            return
        self.phases.run_day(self.day)
        self.day += 1
        self.running = self.day < self.spec.sim.days

    # ------------------------------------------------------------------------ 1. start of day

    def _interventions_start(self, d: int) -> None:
        for iv in self.interventions:
            if iv.start_day == d:
                iv.start(self.levers)
        if self.world_may_have_changed(d):  # the world is settled for the day from here on
            self.lifecycle.forget_groups()

    def _organisations_day(self, d: int) -> None:
        for org in self.organisation_of.values():
            org.start_day()

    def _daily_hooks(self, d: int) -> None:
        for iv in self.interventions:
            if iv.start_day <= d:
                iv.daily(self.levers, d)

    def run(self) -> None:
        """Run every remaining day of the spec."""
        while self.day < self.spec.sim.days:
            self.step()

    # ------------------------------------------------------------------------ 2. needs

    def _needs_arrive(self, d: int) -> None:
        gen = self._needs_generator(d)
        counts = poisson(gen, self._need_rates)
        pop = self.population
        ci, pi, si = np.nonzero(counts)
        if not len(ci):
            return
        n = counts[ci, pi, si]
        # per group in order, who then when (the generator's numbers as if called group by
        # group); the arithmetic on them is done once for the day (element-wise, the same)
        offsets, fractions = grouped_draws(gen, pop.group_size[ci, pi], n)
        self.lifecycle.open_cases(d, np.repeat(pop.group_start[ci, pi], n) + offsets,
                                  d * 1440.0 + fractions * 1440.0, np.repeat(si, n))

    def _needs_generator(self, d: int) -> np.random.Generator:
        """``streams.generator("needs", d)``: the same draws, its state seeded ahead.

        The states of the next ``_NEEDS_DAYS`` days are made at once
        (:meth:`~pilotsim.sim.rng.Streams.generator_states`, ~6 µs a day) and set on the
        streams' reusable generator (~3 µs) instead of seeding a fresh one (~18 µs quiet,
        ~35 in a bulk day): a state depends on its key ``(seed, "needs", d)`` only.
        """
        got = self._needs_states.get(d)
        if got is None:
            ahead = range(d, max(d + 1, min(d + _NEEDS_DAYS, self.spec.sim.days)))
            self._needs_states = dict(zip(ahead, self.streams.generator_states(
                "needs", [(day,) for day in ahead]), strict=True))
            got = self._needs_states[d]
        return self.streams.generator_at(got)

    # ------------------------------------------------------ queries of channels and routes

    def online_application(self, community: int, rt: ServiceRuntime) -> tuple[int, int]:
        """What an online application of ``rt`` does for residents of ``community``.

        The application is online; the steps it covers (all of a fully online service, all
        but the last, the collection visit, otherwise) still take their statutory processing
        days. Both populations (the simulated cases and the unsimulated residents' demand)
        read it here.

        Returns:
            ``(upto, days)``: the steps covered (``rt.steps[:upto]``) and the processing days
            of those the resident must do.
        """
        upto = len(rt.steps) if rt.online == "full" else len(rt.steps) - 1
        return upto, sum(st.processing_days for st in rt.steps[:upto]
                         if not self.step_skippable(community, st))

    def documents_to_gather(self, community: int, rt: ServiceRuntime) -> int:
        """Documents a resident of ``community`` must bring for the procedure's steps to do.

        Those the remaining steps require that residents hold, less those offices fetch
        themselves (shared data); the take-up decision counts them as burden.
        """
        c = community
        return len({x for st in rt.steps if not self.step_skippable(c, st)
                    for x in st.held_documents if not self.is_shared(c, x)})

    def channels_open(self, community, profile, literacy, online_offered, proxy_offered,
                      committee_proxy):
        """Whether online and proxy service are open to residents (one, or arrays of them).

        Online needs the service to offer it and literacy at the threshold; proxy needs the
        service to allow it, the committee to offer it and the profile to be eligible in the
        community. Every argument may be an array (the background's needs, one per row).

        Args:
            community: Community index.
            profile: Profile index.
            literacy: The resident's digital literacy.
            online_offered: The service is online (its ``online`` is not ``none``).
            proxy_offered: The service allows proxy submission.
            committee_proxy: The community's committee offers proxy submission.

        Returns:
            ``(online_open, proxy_open)``, booleans or boolean arrays.
        """
        threshold = self.spec.behaviour.channels.online_literacy_threshold
        if not isinstance(literacy, np.ndarray):  # one case: Python's short-circuit is cheaper
            return online_offered and literacy >= threshold, \
                proxy_offered and committee_proxy and bool(self.proxy_eligible[community, profile])
        online_open = online_offered & (literacy >= threshold)
        proxy_open = proxy_offered & committee_proxy & self.proxy_eligible[community, profile]
        return online_open, proxy_open

    def in_person_route(self, community: int, rt: ServiceRuntime,
                        first: int = 0) -> tuple[float, int, float]:
        """The visits a procedure (from step ``first`` on) takes in person from ``community``.

        Returns:
            ``(travel, visits, service)``: one-way travel minutes summed over the visits
            (before the resident's mobility), the number of visits, and their mean service
            minutes summed. A resident's cost of going in person is
            ``2 × travel × mobility + visits × expected wait + service`` (see
            :func:`pilotsim.sim.decisions.channel_costs`).
        """
        c = community
        travel, visits, service = 0.0, 0, 0.0
        i = first
        while i < len(rt.steps):
            if self.step_skippable(c, rt.steps[i]):
                i += 1
                continue
            o = self.routes.right(c, rt.steps[i].department)
            end = self.visit_span(c, rt, i, o)
            travel += self.travel[c, o]
            service += sum(s.service_time.mean for s in self._span_steps(c, rt, i, end))
            visits += 1
            i = end
        return travel, visits, service

    # ------------------------------------------------------ queries of offices and plans

    def office_for(self, case: Case, community: int, department: str) -> int:
        """The office a case's resident goes to for ``department``.

        The office they chose for the visit
        (:meth:`~pilotsim.sim.lifecycle.CaseLifecycle._choose_office`: a walk-in centre, if it
        serves the department, or their usual desks instead of their preferred centre), else
        their community's route (:meth:`route_office`).
        """
        return self.route_office(community, department, case.via)

    def route_office(self, community: int, department: str, via: int | None) -> int:
        """The office residents of ``community`` go to for ``department``: the group rule.

        ``via`` is a walk-in centre chosen for the case, ``VIA_DESKS`` (the usual desks
        instead of the community's preferred centre) or None. The simulated residents
        (:meth:`office_for`) and the unsimulated residents' demand
        (:class:`~pilotsim.sim.background.BackgroundDemand`) both route through here.
        """
        if via == C.VIA_DESKS:
            return self.routes.usual(community, department)
        if via is not None and department in self.offices[via].departments:
            return via
        return self.routes.right(community, department)

    def office_options(self, community: int, rt: ServiceRuntime,
                       step: int) -> tuple[list[int | None], list[list[int]], int]:
        """The plans residents of ``community`` could follow for the rest of a case: a group rule.

        The options are the community's route (its preferred one-door centre, if it has one),
        the usual desks instead of that centre (while they still serve), and the nearest
        one-door centre open to walk-ins from other communities. Each option's plan is the
        offices the rest of the case (steps from ``step``) would take its resident to, one per
        visit; an option whose plan repeats an earlier one is left out (it is the same
        choice). Whether a resident knows of the walk-in centre is theirs, not the group's:
        see :meth:`choose_offices`.

        Returns:
            ``(vias, plans, centre)``: each option's ``Case.via`` value (None for the
            community's route) and plan, and the index of the walk-in centre's option
            (-1 if it has none).
        """
        c = community
        options: list[int | None] = [None]
        if c in self.routes.preferred:
            options.append(C.VIA_DESKS)
        centres = [o for o in self.walk_in_centres if o.counters > 0
                   and c not in (o.restricted_to or ())]
        if centres:
            options.append(min(centres, key=lambda o: self.travel[c, o.index]).index)
        vias: list[int | None] = []
        plans: list[list[int]] = []
        centre = -1
        for via in options:
            plan = self._plan_offices(c, rt, step, via)
            if plan and plan not in plans:
                if via is not None and via >= 0:
                    centre = len(plans)
                plans.append(plan)
                vias.append(via)
        return vias, plans, centre

    def _plan_offices(self, c: int, rt: ServiceRuntime, step: int,
                      via: int | None) -> list[int]:
        """The offices the rest of a case (from ``step``) would take its resident to."""
        out, i = [], step
        while i < len(rt.steps):
            if self.step_skippable(c, rt.steps[i]):
                i += 1
                continue
            o = self.route_office(c, rt.steps[i].department, via)
            out.append(o)
            i = self.visit_span(c, rt, i, o)
        return out

    def expected_waits(self, c: int, offices: list[int], prior: float) -> np.ndarray:
        """Minutes a resident of community ``c`` expects to wait at each of ``offices``.

        What an office shows where it displays its queue (``wait_info``), else what the
        community learned there (own visits and word of mouth), else ``prior`` (the
        resident's general expectation); see :func:`pilotsim.sim.office_choice.expected_wait`.
        """
        idx = np.asarray(offices, dtype=np.int64)
        return expected_wait(self.shown_waits()[idx], self.wait_learned[c, idx],
                             np.float64(prior))

    def shown_waits(self) -> np.ndarray:
        """Per office, the wait it displays (NaN where it shows none)."""
        return np.array([o.shown_wait if o.wait_info else np.nan for o in self.offices])

    def choose_offices(self, c: np.ndarray, plans: np.ndarray, available: np.ndarray,
                       mobility: np.ndarray, prior: np.ndarray, u: np.ndarray) -> np.ndarray:
        """Each resident's pick among their plans: the rule of both populations, on arrays.

        A plan's expected total time is its round trips' travel plus the waits expected at
        its offices (:meth:`expected_waits`); the pick is a logit over those times
        (:func:`pilotsim.sim.office_choice.choose_office`), so a centre whose queue residents
        have learned to fear loses walk-ins (it self-limits). A simulated case passes one
        row (:meth:`~pilotsim.sim.lifecycle.CaseLifecycle._choose_office`), the unsimulated
        residents' demand a day's rows (:class:`~pilotsim.sim.background.BackgroundDemand`).

        Args:
            c: Community per row, shape ``(rows,)``.
            plans: Offices of each option's plan, shape ``(rows, options, visits)``, padded
                with -1 (as :meth:`office_options` gives them).
            available: Which options each row may take, shape ``(rows, options)``.
            mobility: Each resident's travel-time factor, shape ``(rows,)``.
            prior: Each resident's general expected wait in minutes, shape ``(rows,)``.
            u: One uniform per row (the case's ``V_OFFICE`` draw of the visit).

        Returns:
            The index of the chosen option per row.
        """
        valid = plans >= 0
        o = np.where(valid, plans, 0)
        cc = np.asarray(c, dtype=np.int64)[:, None, None]
        travel = np.where(valid, 2 * self.travel[cc, o] * mobility[:, None, None], 0.0)
        waits = np.where(valid, expected_wait(self.shown_waits()[o], self.wait_learned[cc, o],
                                              prior[:, None, None]), 0.0)
        cost = travel.sum(axis=2) + waits.sum(axis=2)
        return choose_office(cost, available, u,
                             self.spec.behaviour.visits.office_choice_scale_min)

    # ------------------------------------------------------------------------ 4-5. serve

    def _offices_serve(self, d: int) -> None:
        """Each office serves its day; then the day's visits resolve, office by office.

        Every queue is served first (no visit's outcome adds to an office's queue today: what
        comes next is on a later day), then the simulated cases' visits resolve in one batch,
        in office order and serve order within an office
        (:meth:`~pilotsim.sim.lifecycle.CaseLifecycle.resolve_visits`). An office's queue
        display takes today's mean wait as its visits start to resolve, so a resident
        re-planning at an earlier office still sees the later ones' displays of yesterday.
        """
        background = self.background.visits(d)
        days: list[tuple] = []
        if any(o.today and o.today_bulk is not None for o in self.offices):
            self.lifecycle.materialise_offices_day()  # an office shares its day: objects
        business = None  # the offices' generator states, once an office-day needs one
        for office in self.offices:
            real, bulk = office.today, office.today_bulk
            bg_times, bg_services = background.get(office.index, ((), ()))
            other = None
            if office.other_visits_per_day > 0 and office.is_open(d):
                business = business or self._business_states(d)
                other = business[office.index]
            if not real and bulk is None and not bg_times and other is None:
                continue
            office.today, office.today_bulk = [], None
            if bulk is not None and not bg_times and other is None:  # the bulk rows alone
                days.append(self._serve_bulk(office, d, bulk))
                continue
            if bulk is None:
                times = [x[0] for x in real]
                services = [x[1] for x in real]
            else:  # the day's bulk rows (pilotsim.sim.bulk): columns, no objects
                times, services = bulk.arrival.tolist(), bulk.service.tolist()
            n_real, n_bg = len(times), len(bg_times)
            times.extend(bg_times)
            services.extend(bg_services)
            if other is not None:
                self._other_business(office, d, times, services, other)
            # stable argsort, as sorted(range(n), key=times.__getitem__) but in C for big days
            order = sorted(range(len(times)), key=times.__getitem__) if len(times) < 64 else \
                np.argsort(np.asarray(times), kind="stable").tolist()
            waits, served = office.queue.serve(
                d, [times[i] for i in order], [services[i] for i in order])
            office.last_queue_peak = len(times)
            # what a queue display shows tomorrow: today's mean wait, all visitors (np.mean's
            # own steps, its pairwise sum then one division, without its ~4 µs of wrappers)
            shown = float(np.add.reduce(np.array(waits))) / len(waits) if waits else None
            mine = [j for j, i in enumerate(order) if i < n_real]
            days.append((office, shown, [real[order[j]] for j in mine] if bulk is None else
                         bulk.take(np.array([order[j] for j in mine], dtype=np.int64)),
                         [waits[j] for j in mine], [served[j] for j in mine]))
            if n_bg:
                bg_waits, bg_served = [0.0] * n_bg, [False] * n_bg
                for j, i in enumerate(order):
                    if n_real <= i < n_real + n_bg:
                        bg_waits[i - n_real], bg_served[i - n_real] = waits[j], served[j]
                self.background.served(office.index, bg_waits, bg_served)
        self.lifecycle.resolve_visits(d, days)
        self.background.end_of_day()

    def _serve_bulk(self, office: Office, d: int, bulk: BulkVisits) -> tuple:
        """An office day of bulk rows alone: ``_offices_serve``'s steps on its columns.

        The stable sort of the arrivals, the queue, the shown mean wait, as for a mixed day
        (the same order and numbers), without the lists a mixed day merges through; the
        waits handed on as an array (the shown mean's and :func:`~pilotsim.sim.bulk.resolve`'s).
        """
        # NumPy's default sort (SIMD: ~10 µs at a c = 10 day's 720 rows against ~37 for the
        # stable one) gives the stable sort's order where no two arrivals tie (the order of
        # distinct numbers is unique; arrivals are never NaN); ties, as where needs before the
        # opening all arrive at it, take the stable sort
        visits = bulk.take(bulk.arrival.argsort())
        if (visits.arrival[1:] == visits.arrival[:-1]).any():
            visits = bulk.take(bulk.arrival.argsort(kind="stable"))
        waits, served = office.queue.serve(d, visits.arrival.tolist(),
                                                    visits.service.tolist())
        office.last_queue_peak = len(waits)
        waits = np.array(waits, dtype=np.float64)  # (the shown mean's, and resolve's column)
        shown = float(np.add.reduce(waits)) / len(waits) if len(waits) else None
        return office, shown, visits, waits, served

    def _business_states(self, d: int) -> list[dict]:
        """Per office, the start state of its generator of day ``d``'s unrecorded business.

        ``generator("background", office, d)``'s, seeded for every office and the next
        ``_BUSINESS_DAYS`` days at once (:meth:`~pilotsim.sim.rng.Streams.generator_states`):
        a state depends on its key only, and the seeding's ~150 small-array steps cost
        ~300 µs a call whatever its rows: one call a day for the district's ~7 open offices
        cost ~0.1 s a year, one per 32 days ~0.01 s.
        """
        got = self._business.get(d)
        if got is None or len(got) < len(self.offices):  # (or an office opened since)
            n = len(self.offices)
            ahead = range(d, min(d + _BUSINESS_DAYS, self.spec.sim.days))
            states = self.streams.generator_states(
                "background", [(o, day) for day in ahead for o in range(n)])
            self._business = {day: states[i * n:(i + 1) * n] for i, day in enumerate(ahead)}
            got = self._business[d]
        return got

    def _other_business(self, office: Office, d: int, times: list[float],
                        services: list[float], state: dict) -> None:
        """Add the office's business outside the catalogue (unrecorded visits) to its day.

        A Poisson number of visits at times skewed to the morning like residents' visits,
        drawn from the office-day's ``background`` generator (``state``: its start,
        :meth:`~pilotsim.sim.rng.Streams.generator_states`). (The unsimulated residents'
        visits come from :class:`BackgroundDemand`.)
        """
        gen = self.streams.generator_at(state)
        windows = office.day_open[d]
        a, b = windows[0][0], windows[-1][1]
        skew = self.spec.behaviour.visits.arrival_skew
        n = int(gen.poisson(office.other_visits_per_day))
        u = gen.random((n, 2))
        times.extend((a + (b - a) * u[:, 0] ** skew).tolist())
        services.extend(office.other_service.sample_many(u[:, 1].tolist()))

    # ------------------------------------------------------------------------ 6. neighbours

    def _word_of_mouth(self, d: int) -> None:
        closed, self.closed_today = self.closed_today, []
        wom = self.spec.behaviour.word_of_mouth
        if not closed or wom.contacts == 0 or wom.weight == 0:
            return
        pop = self.population
        ids, score, per_visit, known = closed_columns(self, closed)
        tellers = self.case_table.resident[ids]
        comm = pop.community[tellers]
        lo, hi = pop.community_start[comm], pop.community_start[comm + 1]
        gen = self.streams.generator("social", d)
        u = gen.random((len(ids), wom.contacts))
        listeners = (lo[:, None] + (u * (hi - lo)[:, None]).astype(np.int64)).ravel()
        w = wom.weight
        told = np.repeat(np.arange(len(ids)), wom.contacts)
        score, per_visit, known = score[told], per_visit[told], known[told]
        ok = ~np.isnan(per_visit)
        pop.expectation[listeners[ok]] += w * (per_visit[ok] - pop.expectation[listeners[ok]])
        ok = ~np.isnan(score)
        pop.trust[listeners[ok]] += w * (score[ok] / 100 - pop.trust[listeners[ok]])
        gain = np.maximum(known - pop.knowledge[listeners], 0.0)
        pop.knowledge[listeners] += w * gain


@dataclass
class _Staffing:
    """A dated change of an office's counters (from the office's ``staffing`` schedule)."""

    office: Office
    start_day: int
    counters: int

    def setup(self, levers: Levers) -> None:
        pass

    def start(self, levers: Levers) -> None:
        levers.set_counters(self.office.index, self.counters)

    def daily(self, levers: Levers, day: int) -> None:
        pass
