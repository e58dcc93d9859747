"""The behaviour domain: the residents' profiles and the behavioural model (``behaviour:``).

Profiles (literacy, knowledge, patience, mobility, ...) and one section per part of the model:
knowledge and wasted trips, channel choice, visits, abandonment, satisfaction, word of mouth and
take-up.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from pilotsim.spec.schema import (
    Probability,
    check,
    check_non_negative,
    check_positive,
    check_probability,
)
from pilotsim.spec.services import Distribution


@dataclass(frozen=True)
class Beta:
    """A Beta distribution on [0, 1] by mean and concentration (a + b)."""

    mean: float
    concentration: float = 10.0

    def __post_init__(self) -> None:
        check_probability(self.mean, "mean")
        check_positive(self.concentration, "concentration")


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
        check_positive(self.patience, "patience")
        check_positive(self.mobility, "mobility")
        check_non_negative(self.expected_wait_min, "expected_wait_min")
        check_probability(self.info_contact, "info_contact")
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
            check_probability(getattr(self, k), k)


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
        check_probability(self.online_literacy_threshold, "online_literacy_threshold")
        check_probability(self.online_failure, "online_failure")
        check_positive(self.choice_scale_min, "choice_scale_min")
        for k in ("online_effort_min", "online_processing_days", "proxy_effort_min",
                  "proxy_days", "proxy_staff_min", "information_staff_min",
                  "precheck_staff_min", "relay_staff_min"):
            check_non_negative(getattr(self, k), k)


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
        check_positive(self.arrival_skew, "arrival_skew")
        check_positive(self.office_choice_scale_min, "office_choice_scale_min")
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
        check_positive(self.max_case_days, "max_case_days")
        check_positive(self.travel_burden_min, "travel_burden_min")


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
        check_positive(self.minutes_scale, "minutes_scale")
        check(0 <= self.satisfied_threshold <= 100, "satisfied_threshold",
              self.satisfied_threshold, "a score in [0, 100]")
        check(self.loss_aversion >= 1, "loss_aversion", self.loss_aversion, "a number >= 1")
        check(self.unexplained_wait_factor >= 1, "unexplained_wait_factor",
              self.unexplained_wait_factor, "a number >= 1")
        check(0 <= self.abandon_score <= 100, "abandon_score", self.abandon_score,
              "a score in [0, 100]")
        for k in ("travel_weight_per_hour", "effort_weight_per_hour", "delay_weight_per_day"):
            check_non_negative(getattr(self, k), k)
        check_probability(self.expectation_learning, "expectation_learning")
        check_probability(self.trust_learning, "trust_learning")


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
        check_positive(self.scale_min, "scale_min")
        for k in ("value_min", "learning_min", "document_min"):
            check_non_negative(getattr(self, k), k)


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
        check_non_negative(self.contacts, "contacts")
        check_probability(self.weight, "weight")


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
