"""The validated run specification: frozen, pure data, built from the Hydra config.

``RunSpec.from_config`` is the only door from config to model. Type and key errors come from
:mod:`pilotsim.spec.schema`; the checks here are the domain's (a profile mix that does not sum to 1,
a step at a department no office serves, a document nobody can hold or obtain, an office that
never opens, ...). Every error is a :class:`~pilotsim.spec.schema.SpecError` naming key, value and
expectation.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from pilotsim.spec.hours import WEEKDAYS, parse_hours
from pilotsim.spec.pilot_designs import PilotSpec
from pilotsim.spec.reform_params import ReformSet
from pilotsim.spec.schema import SpecError, build, check
from pilotsim.spec.uncertainty import resolve_world

Probability = float


def _prob(value: float, key: str) -> None:
    check(0.0 <= value <= 1.0, key, value, "a probability in [0, 1]")


def _positive(value: float, key: str) -> None:
    check(value > 0, key, value, "a number > 0")


def _non_negative(value: float, key: str) -> None:
    check(value >= 0, key, value, "a number >= 0")


# ---------------------------------------------------------------------------------------- city


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
        _positive(self.mean, "mean")
        if self.dist == "lognormal":
            _positive(self.cv, "cv")


@dataclass(frozen=True)
class StaffingChange:
    """From ``day`` on (0-based), the office opens ``counters`` counters."""

    day: int
    counters: int

    def __post_init__(self) -> None:
        _non_negative(self.day, "day")
        _non_negative(self.counters, "counters")


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
        _prob(self.error_rate, "error_rate")
        _non_negative(self.other_visits_per_day, "other_visits_per_day")
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
            _prob(v, f"profile_mix.{k}")
        total = sum(self.profile_mix.values())
        check(math.isclose(total, 1.0, abs_tol=1e-6), "profile_mix", dict(self.profile_mix),
              f"shares that sum to 1 (they sum to {total:.6g})")
        _prob(self.readiness, "readiness")


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
        _non_negative(self.staff_min_per_day, "staff_min_per_day")


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
        _positive(self.speed_km_per_h, "speed_km_per_h")
        _non_negative(self.overhead_min, "overhead_min")


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


# ------------------------------------------------------------------------------------ services


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
        _non_negative(self.processing_days, "processing_days")


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
            _non_negative(v, f"demand_per_year.{k}")


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


# ----------------------------------------------------------------------------------- behaviour


@dataclass(frozen=True)
class Beta:
    """A Beta distribution on [0, 1] by mean and concentration (a + b)."""

    mean: float
    concentration: float = 10.0

    def __post_init__(self) -> None:
        _prob(self.mean, "mean")
        _positive(self.concentration, "concentration")


@dataclass(frozen=True)
class Profile:
    """A kind of resident.

    Attributes:
        label: Human-readable name.
        literacy: Digital literacy, 0–1.
        knowledge: Knowledge of procedures, 0–1 (1: never a wrong office or missing document).
        patience: Scale of the give-up hazard after wasted trips (larger: more patient); see
            :class:`Abandonment`.
        mobility: Travel-time multiplier (2: trips take twice as long).
        expected_wait_min: Initial expectation of a visit's wait, in minutes.
        info_contact: Probability of asking the community organisation when a need arises.
        proxy_eligible: May have cases submitted by a community proxy.
        delay_days_mean: Mean days between planning a visit and making it (at least 1: a
            planned visit is on a later day); the delay is 1 + a geometric number of days.
    """

    label: str
    literacy: Beta
    knowledge: Beta
    patience: float
    mobility: float = 1.0
    expected_wait_min: float = 20.0
    info_contact: Probability = 0.2
    proxy_eligible: bool = False
    delay_days_mean: float = 2.0

    def __post_init__(self) -> None:
        _positive(self.patience, "patience")
        _positive(self.mobility, "mobility")
        _non_negative(self.expected_wait_min, "expected_wait_min")
        _prob(self.info_contact, "info_contact")
        check(self.delay_days_mean >= 1, "delay_days_mean", self.delay_days_mean,
              "a mean of at least 1 day (a planned visit is on a later day)")


@dataclass(frozen=True)
class Knowledge:
    """How knowledge turns into wasted trips and how it grows.

    Attributes:
        wrong_office: P(going to a wrong office) for a resident with zero knowledge; scales
            with (1 − knowledge).
        missing_document: P(forgetting one required held document) at zero knowledge.
        learn_from_failure: Share of the remaining gap closed by a wasted trip.
        learn_from_case: Share of the gap closed in general knowledge by a finished case.
        information_effect: Share of the gap closed by the committee's information.
        precheck_effect: Share of missing-document risk removed by a pre-check.
    """

    wrong_office: Probability = 0.3
    missing_document: Probability = 0.15
    learn_from_failure: Probability = 0.6
    learn_from_case: Probability = 0.15
    information_effect: Probability = 0.6
    precheck_effect: Probability = 0.8

    def __post_init__(self) -> None:
        for k in ("wrong_office", "missing_document", "learn_from_failure", "learn_from_case",
                  "information_effect", "precheck_effect"):
            _prob(getattr(self, k), k)


@dataclass(frozen=True)
class Channels:
    """Channel choice: in person, online, via the community organisation.

    Attributes:
        online_literacy_threshold: Literacy below which a resident cannot use online service
            (the resident is *digitally excluded*).
        online_effort_min: Minutes of effort an online application costs at literacy 1.
        online_failure: P(an online attempt fails) at literacy 0; scales with (1 − literacy).
            A failed attempt falls back to in person.
        online_processing_days: Days an online application takes.
        proxy_effort_min: Minutes a resident spends arranging a proxy submission.
        proxy_days: Days a proxy submission takes per step.
        proxy_staff_min: Organisation staff minutes per proxy step.
        information_staff_min: Staff minutes per information contact.
        precheck_staff_min: Staff minutes per pre-check.
        relay_staff_min: Staff minutes per relayed certificate.
        choice_scale_min: Logit scale of channel choice, in minutes of cost.
        experience_weight_min: Minutes of utility per satisfaction point (above 50) of the
            channel's last use.
    """

    online_literacy_threshold: Probability = 0.5
    online_effort_min: float = 30.0
    online_failure: Probability = 0.4
    online_processing_days: int = 3
    proxy_effort_min: float = 40.0
    proxy_days: int = 3
    proxy_staff_min: float = 30.0
    information_staff_min: float = 10.0
    precheck_staff_min: float = 10.0
    relay_staff_min: float = 40.0
    choice_scale_min: float = 30.0
    experience_weight_min: float = 1.0

    def __post_init__(self) -> None:
        _prob(self.online_literacy_threshold, "online_literacy_threshold")
        _prob(self.online_failure, "online_failure")
        _positive(self.choice_scale_min, "choice_scale_min")
        for k in ("online_effort_min", "online_processing_days", "proxy_effort_min",
                  "proxy_days", "proxy_staff_min", "information_staff_min",
                  "precheck_staff_min", "relay_staff_min"):
            _non_negative(getattr(self, k), k)


@dataclass(frozen=True)
class Visits:
    """When residents go.

    Attributes:
        timing: ``planned`` (a later open day, at a time of day skewed to the morning) or
            ``immediate`` (at the moment the need arises, for queueing-theory checks).
        arrival_skew: Arrival time within opening hours is open + length × u**skew; 1 is
            uniform, larger crowds the morning.
        redirect_time: Counter time for turning a resident away (wrong office, missing
            document).
        office_choice_scale_min: Where a resident can take a case to more than one place (a
            one-door centre or the usual desks), minutes of expected total time (travel plus
            expected waits) that change the odds of a place by a factor e (a logit; see
            :mod:`pilotsim.sim.office_choice`).
        wait_learning: Weight of one visit's wait in what its resident's community expects
            at that office (own visits and neighbours' reports, pooled per community).
    """

    timing: Literal["planned", "immediate"] = "planned"
    arrival_skew: float = 1.5
    redirect_time: Distribution = Distribution("fixed", 3.0)
    office_choice_scale_min: float = 15.0
    wait_learning: float = 0.2

    def __post_init__(self) -> None:
        _positive(self.arrival_skew, "arrival_skew")
        _positive(self.office_choice_scale_min, "office_choice_scale_min")
        check(0 < self.wait_learning <= 1, "wait_learning", self.wait_learning,
              "a weight in (0, 1]")


@dataclass(frozen=True)
class Abandonment:
    """When residents give up (abandoned cases: the vulnerable are screened out).

    After each wasted trip a resident gives up with probability
    1 − exp(−wasted × (1 + round_trip_min / travel_burden_min) / patience).

    Attributes:
        enabled: False: nobody gives up (theory checks).
        max_case_days: A case still open this many days after the need is abandoned.
        travel_burden_min: Round-trip minutes that weigh as much as one more wasted trip.
    """

    enabled: bool = True
    max_case_days: int = 120
    travel_burden_min: float = 60.0

    def __post_init__(self) -> None:
        _positive(self.max_case_days, "max_case_days")
        _positive(self.travel_burden_min, "travel_burden_min")


@dataclass(frozen=True)
class Satisfaction:
    """Reference-dependent satisfaction (expectancy–disconfirmation, loss aversion, peak–end).

    Every experience of a case — an office visit, an online application, a proxy submission,
    a relayed certificate — scores, by the same rule whatever the channel,
    100 · logistic(intercept + v(gap)/minutes_scale − wasted_trip_penalty·wasted
    − travel_weight_per_hour·round_trip_h − effort_weight_per_hour·effort_h
    − loss_aversion·delay_weight_per_day·late_days), where gap = expected − perceived wait,
    v(gap) = gap for gains and loss_aversion·gap for losses, and perceived = wait ×
    unexplained_wait_factor where the office gives no queue information (a remote step has no
    queue: perceived = 0). Statutory processing days and a channel's stated turnaround are
    expected, not a delay; late_days counts days beyond them (a proxy submission put off for
    want of committee staff time). A case scores the mean of its worst and its last
    experience (peak–end).

    Attributes:
        intercept: Log-odds of satisfaction for a visit exactly as expected.
        minutes_scale: Minutes of gap worth one unit of log-odds.
        loss_aversion: Weight of worse-than-expected relative to better (Kahneman–Tversky ≈ 2.25).
        unexplained_wait_factor: How much longer an uninformed wait feels (Maister).
        wasted_trip_penalty: Log-odds lost by a wasted trip.
        travel_weight_per_hour: Log-odds lost per hour of round-trip travel.
        effort_weight_per_hour: Log-odds lost per hour of effort a channel asks (an online
            form: ``channels.online_effort_min`` / literacy; arranging a proxy submission:
            ``channels.proxy_effort_min``).
        abandon_score: Score (0–100) of giving up, the last memory of an abandoned case.
        delay_weight_per_day: Log-odds lost per day of delay beyond the stated time (before
            loss aversion, which multiplies it: a delay is a loss).
        expectation_learning: Share of the gap between experienced and expected wait adopted
            after each visit.
        trust_learning: Share of the gap between case satisfaction and trust adopted.
        satisfied_threshold: Case score (0–100) at and above which a resident counts as
            *satisfied* in the share-satisfied measure, the figure surveys report. 60 maps the
            top two answers of a five-point survey scale onto the score's five equal bands
            (60–80 satisfied, 80–100 very satisfied). It measures, it changes no behaviour.
    """

    intercept: float = 1.5
    minutes_scale: float = 15.0
    loss_aversion: float = 2.25
    unexplained_wait_factor: float = 1.5
    wasted_trip_penalty: float = 2.0
    travel_weight_per_hour: float = 0.5
    effort_weight_per_hour: float = 0.5
    delay_weight_per_day: float = 0.1
    abandon_score: float = 5.0
    expectation_learning: Probability = 0.3
    trust_learning: Probability = 0.2
    satisfied_threshold: float = 60.0

    def __post_init__(self) -> None:
        _positive(self.minutes_scale, "minutes_scale")
        check(0 <= self.satisfied_threshold <= 100, "satisfied_threshold",
              self.satisfied_threshold, "a score in [0, 100]")
        check(self.loss_aversion >= 1, "loss_aversion", self.loss_aversion, "a number >= 1")
        check(self.unexplained_wait_factor >= 1, "unexplained_wait_factor",
              self.unexplained_wait_factor, "a number >= 1")
        check(0 <= self.abandon_score <= 100, "abandon_score", self.abandon_score,
              "a score in [0, 100]")
        for k in ("travel_weight_per_hour", "effort_weight_per_hour", "delay_weight_per_day"):
            _non_negative(getattr(self, k), k)
        _prob(self.expectation_learning, "expectation_learning")
        _prob(self.trust_learning, "trust_learning")


@dataclass(frozen=True)
class TakeUp:
    """Whether a need becomes a case: the application decision (administrative burden).

    A resident with a need applies with probability logistic((value_min − burden) /
    scale_min), where burden is what the resident expects applying to cost, in minutes:
    the easiest channel open to them (the soft minimum of the channel choice's costs: trips
    × (travel + expected wait + counter time) × the expected-trips factor of their knowledge,
    or the online or proxy effort) + ``learning_min`` × (1 − knowledge) (finding out how) +
    ``document_min`` per required document they must gather (less the pre-check's share when
    the committee checks them). Knowledge and the expected wait are learned by experience
    and word of mouth; the committee's information raises knowledge, its pre-check and proxy
    lower the document and channel costs. See :mod:`pilotsim.sim.takeup`.

    The defaults are illustrative, sized so that committee information raises take-up by
    about 5 points and information plus help (pre-check, proxy) by about 12, as in
    Finkelstein & Notowidigdo (2019; 6% → 11% → 18%); calibrate before drawing conclusions.

    Attributes:
        enabled: False: every need becomes a case (theory checks).
        value_min: What a case is worth to the resident, in minutes of burden.
        scale_min: Logit scale of the decision, in minutes.
        learning_min: Minutes of finding out how, at zero knowledge of the procedure.
        document_min: Minutes to gather one required document.
    """

    enabled: bool = True
    value_min: float = 480.0
    scale_min: float = 120.0
    learning_min: float = 120.0
    document_min: float = 10.0

    def __post_init__(self) -> None:
        _positive(self.scale_min, "scale_min")
        for k in ("value_min", "learning_min", "document_min"):
            _non_negative(getattr(self, k), k)


@dataclass(frozen=True)
class WordOfMouth:
    """What neighbours say: each closed case is told to ``contacts`` random neighbours.

    Attributes:
        contacts: Neighbours told per closed case.
        weight: Share of the gap to the teller's experience a listener adopts (expectation,
            trust and, where the teller knows more, knowledge).
    """

    contacts: int = 3
    weight: Probability = 0.1

    def __post_init__(self) -> None:
        _non_negative(self.contacts, "contacts")
        _prob(self.weight, "weight")


@dataclass(frozen=True)
class Behaviour:
    """Resident profiles and the behavioural model's parameters."""

    profiles: Mapping[str, Profile]
    knowledge: Knowledge = Knowledge()
    channels: Channels = Channels()
    visits: Visits = Visits()
    abandonment: Abandonment = Abandonment()
    satisfaction: Satisfaction = Satisfaction()
    word_of_mouth: WordOfMouth = WordOfMouth()
    takeup: TakeUp = TakeUp()

    def __post_init__(self) -> None:
        check(len(self.profiles) > 0, "profiles", {}, "at least one resident profile")


# ------------------------------------------------------------------------------------------ run

SAFE_LABEL = ("a label usable as one folder name: letters, digits and _ - + @ . = , "
              "(not starting with '.'), e.g. one_door+data_sharing")
_LABEL_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-+@.=,")


def is_safe_label(label: str) -> bool:
    """Whether ``label`` can name a run's folder without leaving its parent.

    The arm label becomes a path component of every sweep's run folders
    (``<sweep>/<arm>/seed<N>``): a ``/``, ``..`` or a hidden name would write runs outside
    the sweep, or where the comparison does not look.
    """
    return bool(label) and not label.startswith(".") and set(label) <= _LABEL_CHARS


@dataclass(frozen=True)
class Output:
    """What a run writes and prints (the program's keys: they never change the results).

    Attributes:
        write: Write the run folder.
        summary: Print the summary table at the end of a single run.
    """

    write: bool = True
    summary: bool = True



@dataclass(frozen=True)
class Sim:
    """Run length and scale.

    Attributes:
        days: Simulated days (one Mesa step each).
        sample_fraction: Share of residents simulated; offices keep their counters and the
            unsimulated residents' needs run as their own demand process (background cases,
            :mod:`pilotsim.sim.background`) whose visits queue unrecorded; organisations' staff
            time is split between the two by the fraction.
        start_weekday: Weekday of day 0 (0 = Monday).
    """

    days: int = 365
    sample_fraction: float = 1.0
    start_weekday: int = 0

    def __post_init__(self) -> None:
        check(self.days >= 1, "days", self.days, "an integer >= 1")
        check(0 < self.sample_fraction <= 1, "sample_fraction", self.sample_fraction,
              "a fraction in (0, 1]")
        check(0 <= self.start_weekday <= 6, "start_weekday", self.start_weekday,
              "an integer 0 (Monday) to 6 (Sunday)")


@dataclass(frozen=True)
class RunSpec:
    """Everything one run needs: validated, frozen, pure data.

    Attributes:
        seed: The run's seed; every random stream derives from it.
        arm: Label of the scenario (default: the reforms' names joined by ``+``, or
            ``baseline``).
        sim: Length and scale.
        city: The world.
        services: The service catalogue.
        behaviour: The residents' behaviour.
        reform: The reforms (name → parameters; empty: the baseline), validated against the
            rest of the spec (scopes name existing districts and communities, start days fall
            inside the run, ...).
        pilot: The pilot design: which sites get the reforms when (``as_configured`` keeps
            each reform's own scope and start day).
    """

    seed: int
    sim: Sim
    city: City
    services: Services
    behaviour: Behaviour
    arm: str = "baseline"
    reform: ReformSet = field(default_factory=ReformSet)
    pilot: PilotSpec = field(default_factory=PilotSpec)

    def __post_init__(self) -> None:
        check(self.seed >= 0, "seed", self.seed, "an integer >= 0")
        check(is_safe_label(self.arm), "arm", self.arm, SAFE_LABEL)
        profiles = self.behaviour.profiles
        for cname, c in self.city.communities.items():
            for p in c.profile_mix:
                check(p in profiles, f"city.communities.{cname}.profile_mix.{p}", p,
                      "a profile under behaviour.profiles: " + ", ".join(profiles))
        served = {d for o in self.city.offices.values() for d in o.departments}
        for sname, s in self.services.catalogue.items():
            for p in s.demand_per_year:
                check(p in profiles, f"services.catalogue.{sname}.demand_per_year.{p}", p,
                      "a profile under behaviour.profiles: " + ", ".join(profiles))
            for i, step in enumerate(s.steps):
                check(step.department in served,
                      f"services.catalogue.{sname}.steps[{i}].department", step.department,
                      "a department some office serves: " + ", ".join(sorted(served)))
        for oname, o in self.city.offices.items():
            for i, change in enumerate(o.staffing):
                check(change.day < self.sim.days, f"city.offices.{oname}.staffing[{i}].day",
                      change.day, f"a day before the end of the run (sim.days = {self.sim.days})")
        self.reform.check(self)
        if self.pilot.design != "as_configured":
            check(len(self.reform) > 0, "pilot.design", self.pilot.design,
                  "a reform to pilot (e.g. reform=one_door), or pilot=as_configured")
        self.pilot.validate(self.pilot_units(), self.sim.days)

    def pilot_units(self) -> dict[str, float]:
        """The pilot's sites (communities or districts) → readiness, in the world's order.

        A district's readiness is its communities' population-weighted mean.
        """
        comms = self.city.communities
        if self.pilot.unit == "community":
            return {n: c.readiness for n, c in comms.items()}
        out = {}
        for d in self.city.districts:
            members = [c for c in comms.values() if c.district == d]
            total = sum(c.population for c in members)
            out[d] = sum(c.readiness * c.population for c in members) / total if total else 0.0
        return out

    @classmethod
    def from_config(cls, cfg: Any) -> RunSpec:
        """Validate a Hydra/OmegaConf config (or a plain dict) into a RunSpec.

        Keys that belong to the program rather than the run are checked (``output``, see
        :class:`Output`) or ignored (``hydra``, ``compare``); ``world: K`` applies draw K of the
        ``uncertainty`` section's design (:func:`pilotsim.spec.uncertainty.resolve_world`); any
        other unknown key is an error.

        Raises:
            SpecError: naming the key, the value and what was expected.
        """
        data = plain_config(cfg)
        for k in ("hydra", "compare"):
            data.pop(k, None)
        build(Output, data.pop("output", None) or {}, "output")  # checked, not part of the spec
        # the run's world (pilotsim.spec.uncertainty): its draw applied, then the section dropped
        data, _ = resolve_world(data)
        for k in ("uncertainty", "world"):
            data.pop(k, None)
        if "arm" not in data:
            data["arm"] = arm_label(data.get("reform"), data.get("pilot"))
        return build(cls, data)


def arm_label(reform: Any, pilot: Any = None) -> str:
    """The default arm label: the reforms joined by ``+`` (``baseline`` if none).

    A pilot design other than ``as_configured`` adds ``@design`` (``one_door@readiness``).
    """
    label = "+".join(reform) if isinstance(reform, Mapping) and reform else "baseline"
    design = pilot.get("design") if isinstance(pilot, Mapping) else None
    return f"{label}@{design}" if design and design != "as_configured" else label


def resolver_error(error: BaseException) -> SpecError | None:
    """The SpecError a resolver raised (district files), from OmegaConf's wrapping of it."""
    seen: set[int] = set()
    e: BaseException | None = error
    while e is not None and id(e) not in seen:
        if isinstance(e, SpecError):
            return e
        seen.add(id(e))
        e = e.__cause__ or e.__context__
    return None


def plain_config(cfg: Any) -> dict:
    """A config as plain data: a DictConfig resolved to dicts and lists, a mapping copied."""
    try:
        from omegaconf import DictConfig, OmegaConf
    except ImportError:  # pragma: no cover - hydra is a dependency
        DictConfig = ()  # type: ignore[assignment] # noqa: N806
    if isinstance(cfg, DictConfig):
        try:
            return OmegaConf.to_container(cfg, resolve=True)  # type: ignore[return-value]
        except Exception as e:  # an interpolation that does not resolve
            cause = resolver_error(e)
            if cause is not None:
                raise cause from None
            raise SpecError(getattr(e, "full_key", "") or "", None,
                            f"a resolvable value ({e})") from None
    if not isinstance(cfg, Mapping):
        raise SpecError("", cfg, "a mapping (the run's config)")
    return dict(cfg)
