"""Levers: what a reform (or any intervention) may read and change in the running model.

An intervention is handed a :class:`Levers`, never the :class:`~pilotsim.sim.model.PilotModel`.
Everything it may change is one method here, one per kind of change (counters, an error rate,
a community's risk multipliers, a step skipped, …); everything it may read is a query that
returns immutable values: tuples, frozensets, read-only mappings (``MappingProxyType``), the
frozen spec, or the read-only views :class:`OfficeView`, :class:`OrganisationView` and
:class:`ServiceView`.

Why a class of levers rather than documented attributes of the model:

* **The list is the code.** "Reforms change only these quantities" used to be a docstring over
  ~25 public, mutable attributes of the model; nothing stopped a reform from writing a twenty-
  sixth, or writing one half-way (departments changed without recomputing routes). Here the
  public methods *are* the list; ``docs/reforms.md`` repeats it and a test keeps the two equal.
* **Each change keeps the model consistent.** A lever does all of a change: closing an office
  clears its departments and business, leaves the walk-in list and recomputes routes; opening
  one extends the travel and learned-wait tables. A reform cannot forget a step of it.
* **The model can change shape behind it.** How cases, routes or services are stored is the
  model's business (the case engine may become columnar); only this module has to follow.
* **Enforced, not just documented.** A reform gets no reference to the model: the model is
  held in a name-mangled slot, views hold their office in private slots, and
  ``tests/reforms/test_levers.py`` fails if a reform module (or the pilot boost) touches a
  private attribute, assigns an attribute or item of anything but its own state or a
  container it built, calls a mutating method on anything else, or imports the model's
  stateful modules. Python cannot make a reference truly unreachable; the static check
  closes the doors Python leaves open (``getattr``, ``_``-names), the read-only return
  values close the rest at run time.
* **Levers instead of the model, not beside it.** Handing reforms the model "to read" would
  hand them every mutable array and set with it (a read and a write go through the same
  reference), so the rule could again only be written down. The queries here are the reads
  the shipped reforms need, nothing more; a new reform that needs another adds one.
* **Set-up cannot change the world.** The model hands ``setup`` a levers object built with
  ``changes=False``: every change method raises there, so a reform starting on day D leaves
  the days before D identical to the baseline by construction.

Offices and communities are named by their index (``office_index``, ``community_names``);
services and profiles by name; steps by their catalogue index.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from pilotsim.sim.cases import OPEN

if TYPE_CHECKING:
    from pilotsim.sim.agents import Office, Organisation
    from pilotsim.sim.distributions import ServiceTime
    from pilotsim.sim.model import PilotModel, ServiceRuntime, StepRuntime
    from pilotsim.spec import Office as OfficeSpec
    from pilotsim.spec import RunSpec


class OfficeView:
    """A read-only, live view of one office's current settings.

    Args:
        office: The office (kept private: the view has no path to the model).
    """

    __slots__ = ("_office",)

    def __init__(self, office: Office) -> None:
        object.__setattr__(self, "_office", office)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"OfficeView is read-only: change {name!r} through Levers")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"OfficeView is read-only: {name!r} cannot be deleted")

    @property
    def name(self) -> str:
        """The office's name."""
        return self._office.name

    @property
    def index(self) -> int:
        """Its index among the model's offices (what the levers take)."""
        return self._office.index

    @property
    def location(self) -> tuple[float, float]:
        """Its location (km)."""
        return tuple(self._office.location)  # type: ignore[return-value]

    @property
    def departments(self) -> frozenset[str]:
        """Departments it serves (empty: closed to the public)."""
        return frozenset(self._office.departments)

    @property
    def counters(self) -> int:
        """Counters open now."""
        return self._office.counters

    @property
    def error_rate(self) -> float:
        """Probability that a served step is done wrong."""
        return self._office.error_rate

    @property
    def wait_info(self) -> bool:
        """Whether it shows queue numbers and expected waits."""
        return self._office.wait_info

    @property
    def integrated(self) -> bool:
        """Whether it is a one-door window (one visit, consecutive steps)."""
        return self._office.integrated

    @property
    def hands_over_processing(self) -> bool:
        """Whether an integrated visit continues past a step with processing days."""
        return self._office.hands_over_processing

    @property
    def restricted_to(self) -> frozenset[int] | None:
        """Communities routed here (None: anyone for whom it is the nearest office)."""
        r = self._office.restricted_to
        return None if r is None else frozenset(r)

    @property
    def other_visits_per_day(self) -> float:
        """Expected visits a day of business outside the catalogue."""
        return self._office.other_visits_per_day

    @property
    def other_service(self) -> ServiceTime:
        """Service time of that business (a copy: change it with ``set_other_business``)."""
        return copy.copy(self._office.other_service)

    def open_minutes(self, day: int) -> float:
        """Minutes it is open on ``day`` (0 when closed that day)."""
        return float(sum(b - a for a, b in self._office.day_open[day]))


class OrganisationView:
    """A read-only, live view of a community organisation.

    Args:
        organisation: The organisation (kept private).
    """

    __slots__ = ("_organisation",)

    def __init__(self, organisation: Organisation) -> None:
        object.__setattr__(self, "_organisation", organisation)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"OrganisationView is read-only: change {name!r} through Levers")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"OrganisationView is read-only: {name!r} cannot be deleted")

    @property
    def name(self) -> str:
        """Its name in the config."""
        return self._organisation.name

    @property
    def functions(self) -> frozenset[str]:
        """Functions it offers (information, precheck, proxy, relay)."""
        return frozenset(self._organisation.functions)

    @property
    def staff_min_per_day(self) -> float:
        """Staff minutes a day (at the simulated scale)."""
        return self._organisation.staff_min_per_day


class StepView(NamedTuple):
    """A step as a community sees it now (a snapshot; change it through :class:`Levers`).

    Attributes:
        department: Department of the step.
        service_time: Its counter time (a copy).
        held_documents: Documents residents must bring.
        issues: Documents it issues.
        processing_days: Back-office days after it.
        relayable: Whether a committee can relay it.
        skip: Whether it was removed.
    """

    department: str
    service_time: ServiceTime
    held_documents: tuple[str, ...]
    issues: tuple[str, ...]
    processing_days: int
    relayable: bool
    skip: bool

    @classmethod
    def of(cls, step: StepRuntime) -> StepView:
        """The snapshot of ``step``."""
        return cls(step.department, copy.copy(step.service_time), step.held_documents,
                   step.issues, step.processing_days, step.relayable, step.skip)


class ServiceView(NamedTuple):
    """A service as a community sees it now (a snapshot; change it through :class:`Levers`).

    Attributes:
        name: The service's name.
        steps: Its steps, in catalogue order.
        online: ``no``, ``collection`` or ``full``.
        proxy: Whether a committee may submit it.
    """

    name: str
    steps: tuple[StepView, ...]
    online: str
    proxy: bool

    @classmethod
    def of(cls, rt: ServiceRuntime) -> ServiceView:
        """The snapshot of ``rt``."""
        return cls(rt.name, tuple(StepView.of(s) for s in rt.steps), rt.online, rt.proxy)


class Levers:
    """What an intervention may read and change in the running model (see the module).

    Args:
        model: The model (held privately; interventions never see it).
        changes: Whether the change methods work (False: the object handed to ``setup``,
            which must leave the model as it is).
    """

    __slots__ = ("__changes", "__model", "__offices")

    def __init__(self, model: PilotModel, changes: bool = True) -> None:
        self.__model = model
        self.__changes = changes
        self.__offices: list[OfficeView] = []

    def __change(self) -> PilotModel:
        """The model, for a change method (refused while interventions are set up)."""
        if not self.__changes:
            raise RuntimeError("interventions must not change the model in setup (days "
                               "before their start day must stay the baseline's): change it "
                               "in start or daily")
        self.__model.note_world_change()
        return self.__model

    # ------------------------------------------------------------------------- queries

    @property
    def spec(self) -> RunSpec:
        """The run spec (frozen)."""
        return self.__model.spec

    @property
    def day(self) -> int:
        """Today (0-based)."""
        return self.__model.day

    @property
    def community_names(self) -> tuple[str, ...]:
        """Community names, by index."""
        return tuple(self.__model.community_names)

    @property
    def profile_names(self) -> tuple[str, ...]:
        """Resident profile names, by index."""
        return tuple(self.__model.profile_names)

    @property
    def office_index(self) -> Mapping[str, int]:
        """Office name → index (read-only; offices opened during the run included)."""
        return MappingProxyType(self.__model.office_index)

    @property
    def offices(self) -> tuple[OfficeView, ...]:
        """Every office, by index, as read-only live views."""
        offices = self.__model.offices
        views = self.__offices
        views.extend(OfficeView(o) for o in offices[len(views):])
        return tuple(views)

    def organisation(self, community: int) -> OrganisationView | None:
        """The community's organisation (None if it has none)."""
        org = self.__model.organisation_of.get(community)
        return None if org is None else OrganisationView(org)

    def service(self, community: int, name: str) -> ServiceView:
        """Service ``name`` as residents of ``community`` see it now (a snapshot)."""
        return ServiceView.of(self.__model.service(community, name))

    def right_office(self, community: int, department: str) -> int:
        """The office residents of ``community`` go to for ``department`` (-1: none)."""
        return self.__model.routes.right(community, department)

    @property
    def preferred_offices(self) -> Mapping[int, int]:
        """Community → its preferred office (see :meth:`prefer_office`), read-only."""
        return MappingProxyType(self.__model.routes.preferred)

    # ------------------------------------------------------------------------- offices

    def set_counters(self, office: int, n: int) -> None:
        """Open ``n`` counters at ``office`` from the start of today."""
        m = self.__change()
        m.offices[office].set_counters(n, m.day)

    def set_hours(self, office: int, intervals: Mapping[str, tuple[tuple[int, int], ...]]
                  ) -> None:
        """Replace ``office``'s weekly hours (weekday → minutes since midnight)."""
        self.__change().offices[office].set_hours(dict(intervals))

    def set_error_rate(self, office: int, rate: float) -> None:
        """Set the probability that ``office`` does a served step wrong."""
        self.__change().offices[office].error_rate = rate

    def show_waits(self, office: int) -> None:
        """``office`` shows queue numbers and expected waits (felt waits shrink)."""
        self.__change().offices[office].wait_info = True

    def set_other_business(self, office: int, visits_per_day: float,
                           service: ServiceTime | None = None) -> None:
        """Set ``office``'s business outside the catalogue (and its service time, if given)."""
        o = self.__change().offices[office]
        o.other_visits_per_day = visits_per_day
        if service is not None:
            o.other_service = service

    def integrate(self, office: int, departments: Iterable[str], *,
                  hands_over_processing: bool) -> None:
        """Make ``office`` a one-door window serving ``departments``; routes follow.

        A visit there handles the consecutive steps of a procedure it serves
        (:meth:`~pilotsim.sim.model.PilotModel.visit_span`); ``hands_over_processing``: past
        steps with back-office processing days too.
        """
        m = self.__change()
        o = m.offices[office]
        o.departments = set(departments)
        o.integrated = True
        o.hands_over_processing = hands_over_processing
        m.routes.update()

    def close_office(self, office: int) -> None:
        """``office`` stops serving the public: no departments, no other business, no walk-ins.

        Its residents go to the nearest office still serving each department (routes are
        recomputed); visits already planned go there.
        """
        m = self.__change()
        o = m.offices[office]
        o.departments = set()
        o.other_visits_per_day = 0.0
        if o in m.walk_in_centres:
            m.walk_in_centres.remove(o)
        m.routes.update()

    def open_office(self, name: str, spec: OfficeSpec, *,
                    only_for: Iterable[int] | None = None) -> int:
        """Open a new office (e.g. a pilot's centre); return its index.

        Args:
            name: Its name (unique).
            spec: Its settings, as a city office's.
            only_for: Communities routed to it (None: anyone for whom it is nearest; an
                empty collection: nobody until :meth:`admit`).
        """
        m = self.__change()
        office = m.add_office(name, spec)
        if only_for is not None:
            office.restricted_to = set(only_for)
            m.routes.update()
        return office.index

    def admit(self, office: int, community: int) -> None:
        """Route residents of ``community`` to ``office``, open only to some communities."""
        m = self.__change()
        o = m.offices[office]
        if o.restricted_to is None:
            raise ValueError(f"office {o.name!r} is open to everyone: open it with only_for "
                             "to admit communities one by one")
        o.restricted_to.add(community)
        m.routes.update()

    def add_walk_in_centre(self, office: int) -> None:
        """Residents of any community may choose ``office`` (weighing travel and waits)."""
        m = self.__change()
        o = m.offices[office]
        if o not in m.walk_in_centres:
            m.walk_in_centres.append(o)

    def prefer_office(self, community: int, office: int) -> None:
        """Send ``community``'s residents to ``office`` for every department it serves."""
        self.__change().routes.prefer(community, office)

    # ---------------------------------------------------------------------- communities

    def scale_risk(self, community: int, *, wrong_office: float = 1.0,
                   missing_document: float = 1.0) -> None:
        """Multiply the community's risks of a wrong office and of a missing document."""
        m = self.__change()
        m.wrong_office_factor[community] *= wrong_office
        m.missing_document_factor[community] *= missing_document

    def share_documents(self, community: int, documents: Iterable[str]) -> None:
        """Offices fetch ``documents`` for residents of ``community``: they stop carrying them.

        A relayable certificate step whose issued documents are all shared is then skipped.
        """
        self.__change().community_shared_documents[community].update(documents)

    def allow_proxy(self, community: int, profiles: Iterable[str]) -> None:
        """Residents of ``profiles`` in ``community`` become eligible for the proxy channel."""
        m = self.__change()
        m.proxy_eligible[community, [m.profile_names.index(p) for p in profiles]] = True

    def raise_knowledge(self, shares: Mapping[int, float], *, open_cases: bool = False) -> None:
        """Residents' knowledge of procedures closes the given share of its gap to 1.

        Args:
            shares: Community → share of the gap closed (communities left out: none).
            open_cases: Whether open cases' knowledge (what the resident knows of that
                procedure now) moves too.
        """
        m = self.__change()
        # one pass over the population (and the open cases) whatever the number of
        # communities; a community left out adds 0 · (1 − k), leaving k exactly as it was
        share = np.zeros(len(m.community_names))
        for c, s in shares.items():
            share[c] = s
        pop = m.population
        rows = share[pop.community]
        pop.knowledge += rows * (1 - pop.knowledge)
        if open_cases:
            for case in m.cases:  # None: a closed case already written to the run folder
                if case is not None and case.status == OPEN:
                    case.knowledge += share[pop.community[case.resident.index]] * \
                        (1 - case.knowledge)

    # ------------------------------------------------------------------- organisations

    def add_org_functions(self, community: int, functions: Iterable[str]) -> None:
        """The community's organisation starts to offer ``functions``."""
        self.__change().organisation_of[community].functions.update(functions)

    def add_org_staff(self, community: int, minutes: float) -> None:
        """Add ``minutes`` a day (simulated scale; negative: remove) to its organisation."""
        self.__change().organisation_of[community].staff_min_per_day += minutes

    # ------------------------------------------------------------------------ services
    # A community's view of the services is copied on its first edit, so communities
    # outside a reform's scope keep seeing the catalogue as it was.

    def set_online(self, community: int, service: str, mode: str) -> None:
        """``service`` can be done online (``full``, ``collection`` or ``no``) in ``community``."""
        self.__change().own_services(community)[service].online = mode

    def set_proxy(self, community: int, service: str) -> None:
        """A committee may submit ``service`` for eligible residents of ``community``."""
        self.__change().own_services(community)[service].proxy = True

    def skip_step(self, community: int, service: str, step: int) -> None:
        """Residents of ``community`` no longer do step ``step`` of ``service``."""
        self.__change().own_services(community)[service].steps[step].skip = True

    def drop_documents(self, community: int, documents: Iterable[str]) -> None:
        """No step asks residents of ``community`` for ``documents`` any more."""
        m = self.__change()
        gone = set(documents)
        for rt in m.own_services(community).values():
            for st in rt.steps:
                st.held_documents = tuple(x for x in st.held_documents if x not in gone)

    def set_service_time(self, community: int, service: str, step: int,
                         service_time: ServiceTime) -> None:
        """Step ``step`` of ``service`` takes ``service_time`` at the counter in ``community``."""
        self.__change().own_services(community)[service].steps[step].service_time = \
            service_time
