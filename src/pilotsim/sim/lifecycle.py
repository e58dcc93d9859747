"""The case lifecycle: from a need to a completed or abandoned case, one case at a time.

:class:`CaseLifecycle` is what a case goes through, held by the model as
``model.lifecycle``: a need opens a case (committee contact, take-up, channel choice,
:meth:`~CaseLifecycle.open_case`); on the days the case has something due it acts
(:meth:`~CaseLifecycle.act`: remote steps finish, the next step is planned, the resident
sets off for an office with or without the right documents); an office's queue resolves the
visit (:meth:`~CaseLifecycle.visited`: outcome, record, experience, what comes next); the case
completes or is given up and the resident learns from it. It reads and changes the world only
through the model (its agenda, population, offices, services and their queries), so the model
stays the build, the day's phases and the queries reforms use.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from pilotsim.sim import bulk as bulk_rows
from pilotsim.sim import cases as C  # noqa: N812  (C.OPEN, C.visit_slot read as constants)
from pilotsim.sim import decisions as rules
from pilotsim.sim import satisfaction as sat
from pilotsim.sim import takeup
from pilotsim.sim.agenda import Due
from pilotsim.sim.bulk import first_of_each
from pilotsim.sim.cases import Case
from pilotsim.sim.records import Outcome
from pilotsim.sim.rng import uniforms_by_column

if TYPE_CHECKING:
    from pilotsim.sim.agents import Office, Organisation, Resident
    from pilotsim.sim.model import PilotModel, ServiceRuntime, StepRuntime

# Module names for the members: looking one up on its enum class (Due.VISIT) costs ~45 ns, and
# the per-visit path does it several times a visit.
SERVED, WRONG, MISSING, ERROR, CLOSED = Outcome
VISIT, ADVANCE, ONLINE, REMOTE, PROXY = Due
# the case-level slots a new case may use, drawn for a day's new cases at once
_CASE_SLOTS = np.arange(C.S_PURSUE + 1)
# Below this many rows a day's needs are decided, and its visits scored, one by one: the
# array form's fixed cost (some 30–40 NumPy calls) is then more than it saves
_BULK_ROWS = 24


def _each(f, x: np.ndarray) -> np.ndarray:
    """``f`` (a ``math`` function) on every element: NumPy's own may differ in the last bit."""
    return np.array([f(v) for v in x.ravel().tolist()], dtype=np.float64).reshape(x.shape)


def _sum_columns(x: np.ndarray) -> np.ndarray:
    """Row sums added column by column, left to right, as a Python loop adds them."""
    total = x[:, 0].copy()
    for col in range(1, x.shape[1]):
        total += x[:, col]
    return total


class CaseLifecycle:
    """The per-case engine of a :class:`~pilotsim.sim.model.PilotModel` (``model.lifecycle``).

    Args:
        model: The model whose cases these are.
    """

    BULK_ROWS = _BULK_ROWS  # (for pilotsim.sim.bulk, which this module imports)
    bulk_days = True
    """Whether a bulk day's cases live as columns (``pilotsim.sim.bulk``); False: objects."""

    def __init__(self, model: PilotModel) -> None:
        self.model = model
        # Group-level answers (one per community × service, × step and office for a visit)
        # that every case of the group would recompute: the in-person route, documents to
        # gather, what an online application covers, the next step to do and what a visit
        # does. They are functions of the world, which only interventions change, so they
        # are kept until PilotModel.world_may_have_changed says otherwise (forget_groups).
        self._routes: dict = {}
        self._documents: dict = {}
        self._online: dict = {}
        self._plans: dict = {}
        self._spans: dict = {}
        self._first_plans: dict = {}
        self._visit_groups: dict = {}
        self._channel_groups: dict = {}
        self._windows: dict[int, tuple] = {}
        # run constants the per-case rules read once a case or a visit (the spec is frozen)
        spec = model.spec
        self._days = spec.sim.days
        self._immediate = spec.behaviour.visits.timing == "immediate"
        self._learn_from_case = spec.behaviour.knowledge.learn_from_case
        self._trust_learning = spec.behaviour.satisfaction.trust_learning
        # per profile, the visit delay's log denominator (rules.delay_log), which every
        # planned visit would otherwise recompute
        self._delay_logs = [rules.delay_log(p.delay_days_mean) for p in model.profiles]

    def windows(self, office: Office) -> tuple[np.ndarray, np.ndarray]:
        """The office's open windows (starts, ends) as arrays, kept while its hours stay."""
        q = office.queue
        got = self._windows.get(office.index)
        if got is None or got[0] is not q.win_start:
            got = self._windows[office.index] = (q.win_start, np.asarray(q.win_start),
                                                 np.asarray(q.win_end))
        return got[1], got[2]

    def forget_groups(self) -> None:
        """Drop the group-level answers: the world may have changed since they were computed."""
        for memo in (self._routes, self._documents, self._online, self._plans,
                     self._spans, self._first_plans, self._visit_groups, self._channel_groups):
            memo.clear()

    def _span(self, c: int, service: str, first: int, office: int) -> tuple:
        """:meth:`~pilotsim.sim.model.PilotModel.visit_effect`, kept per group."""
        key = (c, service, first, office)
        got = self._spans.get(key)
        if got is None:
            got = self._spans[key] = self.model.visit_effect(
                c, self.model.service(c, service), first, office)
        return got

    def _group(self, memo: dict, query, c: int, rt: ServiceRuntime):
        """``query(c, rt)`` (a model query of community and service), kept per group."""
        key = (c, rt.name)
        got = memo.get(key)
        if got is None:
            got = memo[key] = query(c, rt)
        return got

    # ----------------------------- opening: a need becomes a case (or is not pursued)

    def open_cases(self, d: int, r: np.ndarray, need_min: np.ndarray,
                   service_codes: np.ndarray) -> None:
        """Open a day's needs as cases, in order: resident rows, minutes of the run, services.

        ``service_codes`` are the services as codes (into ``model.service_names``). The
        arrays become lists only where the day's cases are objects.

        The case-level draws of all of them (committee contact, take-up, channel, online
        failure, first delay) are taken at once: counter-based, so the bulk draw gives each
        case exactly the numbers its own scalar draws would
        (:meth:`~pilotsim.sim.rng.CounterStream.uniforms`),
        whether or not the case uses them.

        Most needs are decided together (:meth:`_decide_bulk`): those of a resident's first
        need today who does not contact their committee read only the state the day started
        with. The others go one by one (:meth:`open_case`), in order: the committee's staff
        time is spent first come, first served, and a resident's earlier case today may have
        closed at once and changed what they know, trust and remember. Every case then sets
        off (:meth:`_start`) in the order of the needs, so the agenda keeps that order.

        A *bulk day* — every need decided together, in person, its first visit today — opens
        no :class:`Case`: the cases are :class:`~pilotsim.sim.cases.CaseTable` rows
        (``model.cases[i]`` None) taken to closing by :mod:`pilotsim.sim.bulk`, made objects
        only if the day leaves that path (``docs/engine-soa.md`` §8.6).
        """
        n = len(r)
        if not n:
            return
        m = self.model
        pop = m.population
        first = len(m.cases)  # one case per need, appended in order: ids first, first + 1, …
        ids = np.arange(first, first + n, dtype=np.int64)
        drawn: list[np.ndarray] = []

        def uniforms() -> np.ndarray:  # drawn where a rule reads them (a bulk day may not)
            if not drawn:
                drawn.append(m.choices.uniforms(ids[:, None], _CASE_SLOTS))
            return drawn[0]

        r = np.asarray(r, dtype=np.int64)
        k, comm = pop.knowledge[r], pop.community[r]
        channels: dict[int, str | None] | None = {}
        bulk_day = None  # (each case's first step, its arrival): a bulk day's first visits
        later_too = False  # a resident's later needs today decided with the first ones
        contact = np.zeros(n, dtype=bool)
        if n >= _BULK_ROWS:
            rows = None  # the needs decided together, where not all
            knowledge, share = k, 1.0  # each case's, and its gathering effort left
            if m.organisation_of:  # (no committee: no one contacts one, nothing to draw)
                has_org = np.zeros(len(m.community_names), dtype=bool)
                has_org[list(m.organisation_of)] = True
                info = np.array([p.info_contact for p in m.profiles])
                contact = has_org[comm] & \
                    (uniforms()[:, C.S_INFO] < info[pop.profile[r]])
                if contact.any():  # each resident's first need today, if not asking or answered
                    answered, informed, prechecked = self._committee_answers(comm, contact)
                    if answered.any():
                        kn = m.spec.behaviour.knowledge
                        knowledge = np.where(informed, rules.learn(k, kn.information_effect), k)
                        share = np.where(prechecked, 1 - kn.precheck_effect, 1.0)
                    rows = np.flatnonzero(first_of_each(r) & (~contact | answered))
            # With no committee contact, a resident's later need today is decided on the
            # state the day started with too if no case of the day closes at opening: so on
            # a bulk day (below), where every case goes in person today (which needs are
            # later ones is asked only if the day is not one)
            later_too = rows is None
            day = None  # every need's (community, service) groups, found once for the day
            if later_too:
                rows = np.arange(n)
                day = comm, *bulk_rows.key_groups(comm * len(m.service_names) + service_codes)
            channels = self._decide_bulk(rows, r, service_codes, uniforms, knowledge, share,
                                         day)
            if self.bulk_days and self._immediate and not contact.any() and (
                    len(rows) == n if channels is None else  # (None: all in person)
                    len(channels) == n and set(channels.values()) == {C.IN_PERSON}):
                bulk_day = bulk_rows.first_visits(self, d, *day[1:], need_min)
        m.case_table.extend(r, comm, service_codes, d, need_min, k)
        m.add_residents(r)  # the day's new residents become agents, in need order
        if bulk_day is not None:  # every case in person, its first visit today: no Case
            m.cases.extend([None] * n)
            m.case_table.step[ids], arrival, group = bulk_day
            m.agenda[d].append((VISIT, None, (ids, arrival, group)))
            return
        if channels is None:  # every one decided together went in person
            channels = dict.fromkeys(rows.tolist(), C.IN_PERSON)
        if later_too:  # not a bulk day: the later needs one by one after all
            fresh = first_of_each(r)
            if not fresh.all():
                channels = {i: ch for i, ch in channels.items() if fresh.item(i)}
        residents, minutes = r.tolist(), need_min.tolist()
        names = m.service_names
        services = [names[s] for s in service_codes.tolist()]
        draws = uniforms().tolist()
        asked = contact.tolist()
        visits = self._first_visits(d, [i for i, ch in channels.items()
                                        if ch == C.IN_PERSON and not asked[i]],
                                    residents, services, minutes, draws)
        knowledge = k.tolist()
        agents, add_case, agenda = m.residents, m.cases.append, m.agenda
        for i, (ri, service, t, ui) in enumerate(zip(residents, services, minutes, draws,
                                                     strict=True)):
            res = agents[ri]
            channel = channels.get(i, False)
            if channel is False:  # decided one by one
                self.open_case(res, service, d, t, ui)
                continue
            case = Case(first + i, res, service, d, t, knowledge[i])
            add_case(case)
            res.cases.append(case)
            if asked[i]:  # the answers _committee_answers foresaw, the staff time spent in order
                self._ask_committee(case, m.organisation_of[res.community_index])
            if channel is None:
                case.status = C.NOT_PURSUED
                continue
            visit = visits.get(i)
            if visit is not None:  # in person, its first visit planned with the day's
                case.step, when = visit
                if when is not None:
                    agenda[when[0]].append((VISIT, case, when[1]))
            else:
                self._start(case, channel, d, ui)

    def _first_visits(self, d: int, rows: list[int], residents: list[int],
                      services: list[str], minutes: list[float],
                      u: list[list[float]]) -> dict[int, tuple]:
        """The first visits of the day's new in-person cases decided in bulk, where simple.

        Per row ``(step, (day, arrival) or None)``: the step to do and when the visit is
        (:meth:`_first_visit_day`), for cases whose community has no choice of office and
        whose procedure has a step to do (the rest plan one by one, :meth:`_plan_step`;
        none of these asked the committee, so none is relayed).
        """
        m = self.model
        if m.walk_in_centres or not rows:
            return {}
        plans = self._first_plans
        comm = m.population.community[[residents[i] for i in rows]].tolist()
        out = {}
        for i, c in zip(rows, comm, strict=True):
            key = (c, services[i])
            g = plans.get(key, False)
            if g is False:
                g = plans[key] = self._first_plan(c, services[i])
            if g is not None:
                out[i] = g[0], self._first_visit_day(g[1], d, u[i][C.S_FIRST_DELAY],
                                                     residents[i], minutes[i])
        return out

    def _first_plan(self, c: int, service: str) -> tuple[int, Office] | None:
        """A new in-person case's first step and office, for community ``c`` and ``service``.

        Kept per group (``_first_plans``) until the world may have changed.
        None where it is planned one by one: the community has a choice of office, or the
        procedure has no step to do.
        """
        if c in self.model.routes.preferred:
            return None
        nxt, step = self._step_plan(c, service, 0)
        if step is None:
            return None
        return nxt, self.model.offices[self.model.routes.right(c, step.department)]

    def _committee_answers(self, comm: np.ndarray, contact: np.ndarray
                           ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """What the committee answers the day's ``contact`` rows, where foreseeable.

        Per need of the day (``comm``: its community): whether its answers are known before
        the needs are opened one by one (``answered``), and then whether it is informed and
        its documents pre-checked. They are where the committee's remaining staff time
        covers every minute the day's contacts could spend at opening (information,
        pre-check, a relayed first step: those it offers), with a margin above rounding:
        then no ``use`` of the day's opening fails for want of time, and each answers by
        what the committee offers, whatever the order. A committee short of that leaves its
        contacts to :meth:`open_case`, one by one in order.
        """
        m = self.model
        ch = m.spec.behaviour.channels
        minutes = {"information": ch.information_staff_min, "precheck": ch.precheck_staff_min,
                   "relay": ch.relay_staff_min}
        asking = np.bincount(comm[contact], minlength=len(m.community_names)).tolist()
        told = np.zeros(len(asking), dtype=bool)
        ample, checked = told.copy(), told.copy()
        for c, count in enumerate(asking):
            if count:
                org = m.organisation_of[c]  # (a function not offered spends nothing)
                spend = count * sum(max(x, 0.0) for f, x in minutes.items() if org.offers(f))
                ample[c] = org.remaining - spend > 1e-9 * (abs(org.remaining) + spend)
                told[c] = org.offers("information")
                checked[c] = told[c] and org.offers("precheck")
        answered = contact & ample[comm]
        return answered, answered & told[comm], answered & checked[comm]

    def _decide_bulk(self, rows: np.ndarray, r: np.ndarray, codes: np.ndarray,
                     uniforms: Callable[[], np.ndarray], knowledge: np.ndarray,
                     document_share: np.ndarray | float, day: tuple | None = None
                     ) -> dict[int, str | None] | None:
        """The channel (None: not pursued) of the day's ``rows``.

        The same rules as :meth:`open_case` (:meth:`_channel_costs`, :meth:`_pursues`,
        :meth:`_choose_channel`), with the costs on arrays (the same IEEE arithmetic per row)
        and the logsum, logistic and logit per row with ``math``, as the scalar rules do, so
        every decision is bit-identical. Per need of the day: ``r`` its resident, ``codes``
        its service (into ``model.service_names``), ``uniforms()`` its case-level uniforms,
        ``knowledge`` the case's (the committee's information learned), ``document_share``
        the gathering effort left (1 − pre-check effect where pre-checked, else 1; a float:
        every need's). None: every row goes in person with nothing to decide (no other
        channel offered or open, take-up off), told without a dict of the day's rows.
        ``day``: where ``rows`` are all the day's needs, their communities and
        :func:`~pilotsim.sim.bulk.key_groups` of ``community × services + code`` (open_cases
        found them once for the day), which then need not be gathered again.
        """
        if not len(rows):
            return {}
        m = self.model
        beh, pop = m.spec.behaviour, m.population
        ch, tk = beh.channels, beh.takeup
        names = m.service_names
        if day is None:
            rr = r[rows]
            comm = pop.community[rr]
            keys, inv = bulk_rows.key_groups(comm * len(names) + codes[rows])
        else:
            rr, (comm, keys, inv) = r, day
        memo = self._channel_groups  # (kept across days until the world may have changed)
        groups = []  # per (community, service) group, in key order
        for key in keys:
            g = memo.get(key)
            if g is None:
                c, code = divmod(key, len(names))
                g = memo[key] = self._channel_group(c, names[code])
            groups.append(g)
        if not tk.enabled and not any(g[0] or (g[1] and g[2]) for g in groups):
            return None  # nothing offered: every one in person, no decision
        at = np.zeros(len(rows), dtype=np.intp) if isinstance(inv, int) else inv  # row's group
        online_offered, proxy_offered, committee_proxy, online_full, travel, visits, service, \
            documents = (np.array(col)[at] for col in zip(*groups, strict=True))
        lit, k = pop.literacy[rr], knowledge[rows]
        online_open, proxy_open = m.channels_open(comm, pop.profile[rr], lit, online_offered,
                                                  proxy_offered, committee_proxy)
        if not tk.enabled and not (online_open.any() or proxy_open.any()):
            return None  # no choice and no decision: every one in person
        per_visit = 2 * travel * pop.mobility[rr] + visits * pop.expectation[rr] + service
        costs = rules.channel_costs(ch, beh.knowledge, online_full, visits, per_visit, k, lit,
                                    online_open, proxy_open)
        names = list(costs)
        cost = np.column_stack([costs[n] for n in names])  # inf where a channel is closed
        opened = np.column_stack([np.ones(len(rows), dtype=bool), online_open, proxy_open])
        opened = opened[:, [C.CHANNEL_COLUMN[n] for n in names]]
        draws = uniforms()[rows]
        pursued = np.ones(len(rows), dtype=bool)
        if tk.enabled:  # takeup.channel_burden_min's logsum; a closed channel adds exp(-inf)
            s = ch.choice_scale_min
            low = cost.min(axis=1)
            total = _sum_columns(_each(math.exp, -(cost - low[:, None]) / s))
            burden = takeup.burden_min(tk, low - s * _each(math.log, total), k, documents,
                                       document_share if isinstance(document_share, float)
                                       else document_share[rows])
            pursued = draws[:, C.S_PURSUE] < takeup.pursue_probability(tk, burden)
        # rules.channel_utilities and rules.logit_draw on the rows: the remembered
        # satisfaction of a channel, else 100 × trust; a closed channel's utility is -inf
        memory = pop.channel_memory[rr][:, [C.CHANNEL_COLUMN[n] for n in names]]
        memory = np.where(memory != memory, 100 * pop.trust[rr][:, None], memory)
        util = (-cost + ch.experience_weight_min * (memory - 50)) / ch.choice_scale_min
        e = _each(math.exp, util - util.max(axis=1)[:, None])
        share = e / _sum_columns(e)[:, None]
        cum = share.copy()
        for col in range(1, cum.shape[1]):
            cum[:, col] = cum[:, col - 1] + share[:, col]
        below = draws[:, C.S_CHANNEL][:, None] < cum
        last_open = opened.shape[1] - 1 - np.argmax(opened[:, ::-1], axis=1)
        pick = np.where(below.any(axis=1), np.argmax(below, axis=1), last_open)
        return {i: names[p] if ok else None
                for i, p, ok in zip(rows.tolist(), pick.tolist(), pursued.tolist(), strict=True)}

    def _channel_group(self, c: int, service: str) -> tuple:
        """What :meth:`_decide_bulk` reads of community ``c`` and ``service``, per group.

        ``(online offered, proxy offered, committee offers proxy, online full, travel, visits,
        counter minutes, documents to gather)``, kept (``_channel_groups``) until the world
        may have changed: every part is a function of the world, which only levers change.
        """
        m = self.model
        rt = m.service(c, service)
        org = m.organisation_of.get(c)
        return (rt.online != "none", rt.proxy, org is not None and org.offers("proxy"),
                rt.online == "full", *self._group(self._routes, m.in_person_route, c, rt),
                self._group(self._documents, m.documents_to_gather, c, rt)
                if m.spec.behaviour.takeup.enabled else 0)

    def open_case(self, res: Resident, service: str, d: int, t: float,
                  u: list[float]) -> None:
        """A need of ``res`` for ``service`` arose on day ``d`` at minute ``t``: open its case.

        ``u`` holds the case's uniforms of slots 0 to ``S_PURSUE`` (``u[C.S_INFO]`` …).
        """
        m = self.model
        pop, r = m.population, res.index
        case = Case(len(m.cases), res, service, d, t, pop.knowledge.item(r))
        m.cases.append(case)
        res.cases.append(case)
        profile = m.profiles[pop.profile.item(r)]
        c = res.community_index
        rt = m.service(c, service)
        org = m.organisation_of.get(c)
        if org is not None and u[C.S_INFO] < profile.info_contact:
            self._ask_committee(case, org)
        costs = self._channel_costs(case, org, c, rt)
        if not self._pursues(case, costs, u[C.S_PURSUE], c, rt):
            case.status = C.NOT_PURSUED
            return
        self._start(case, self._choose_channel(case, costs, u[C.S_CHANNEL]), d, u)

    def _ask_committee(self, case: Case, org: Organisation) -> None:
        """The case's resident asks the committee: information, then a pre-check, staff allowing."""
        beh = self.model.spec.behaviour
        if org.use("information", beh.channels.information_staff_min):
            case.informed = True
            case.knowledge = rules.learn(case.knowledge, beh.knowledge.information_effect)
            case.prechecked = org.use("precheck", beh.channels.precheck_staff_min)

    def _start(self, case: Case, channel: str, d: int, u: list[float]) -> None:
        """A pursued case sets off through ``channel`` (``u``: its case-level uniforms)."""
        m = self.model
        beh = m.spec.behaviour
        case.channel = channel
        if channel == C.ONLINE:
            fail = beh.channels.online_failure * (1 - m.population.literacy.item(
                case.resident.index))
            if u[C.S_ONLINE_FAIL] < fail:
                case.channel = C.IN_PERSON  # tried online, gave up on it: goes in person
            else:
                c = case.resident.community_index
                upto, days = self._group(self._online, m.online_application, c,
                                         m.service(c, case.service))
                m.agenda[d + beh.channels.online_processing_days + days].append(
                    (ONLINE, case, float(upto)))
                return
        if channel == C.PROXY:
            m.agenda[d].append((PROXY, case, 0.0))
            return
        self._plan_step(case, d, first_delay_u=u[C.S_FIRST_DELAY])

    def _pursues(self, case: Case, costs: dict[str, float], u: float, c: int,
                 rt: ServiceRuntime) -> bool:
        """The application decision: does the resident act on the need at all?

        The burden they expect (:func:`pilotsim.sim.takeup.burden_min`): the easiest open channel
        (soft minimum of ``costs``), finding out how (falls with knowledge, which the
        committee's information raises) and gathering the documents the remaining steps
        require that offices do not fetch themselves (less the pre-check's share). ``u`` is
        the case's ``S_PURSUE`` uniform; ``c`` and ``rt`` its community and service.
        """
        m = self.model
        p = m.spec.behaviour.takeup
        if not p.enabled:
            return True
        share = 1 - m.spec.behaviour.knowledge.precheck_effect if case.prechecked else 1.0
        channel = takeup.channel_burden_min(list(costs.values()),
                                            m.spec.behaviour.channels.choice_scale_min)
        documents = self._group(self._documents, m.documents_to_gather, c, rt)
        burden = takeup.burden_min(p, channel, case.knowledge, documents, share)
        return u < float(takeup.pursue_probability(p, burden))

    def _channel_costs(self, case: Case, org: Organisation | None, c: int,
                       rt: ServiceRuntime) -> dict[str, float]:
        """Expected minutes each channel open to this resident costs for this case.

        ``c`` and ``rt``: the resident's community and the service as it sees it.
        """
        m = self.model
        beh, pop, r = m.spec.behaviour, m.population, case.resident.index
        lit = pop.literacy.item(r)
        online_open, proxy_open = m.channels_open(
            c, pop.profile.item(r), lit, rt.online != "none", rt.proxy,
            org is not None and org.offers("proxy"))
        if not (online_open or proxy_open) and not beh.takeup.enabled:
            return {C.IN_PERSON: 0.0}  # the only channel, and no decision needs its cost
        travel, visits, service = self._group(self._routes, m.in_person_route, c, rt)
        per_visit = 2 * travel * pop.mobility.item(r) + visits * pop.expectation.item(r) + service
        return rules.channel_costs(beh.channels, beh.knowledge, rt.online == "full", visits,
                                   per_visit, case.knowledge, lit, online_open, proxy_open)

    def _choose_channel(self, case: Case, costs: dict[str, float], u: float) -> str:
        """Multinomial logit over the channels open to this resident (``costs``' keys).

        ``u`` is the case's ``S_CHANNEL`` uniform.
        """
        m = self.model
        if len(costs) == 1:
            return next(iter(costs))
        util = rules.channel_utilities(m.spec.behaviour.channels, costs,
                                       case.resident.channel_memory,
                                       100 * m.population.trust.item(case.resident.index))
        return rules.logit_draw(util, u)

    def _online_effort(self, r: int) -> float:
        """Minutes an online application costs resident ``r`` (more at low literacy)."""
        m = self.model
        return m.spec.behaviour.channels.online_effort_min / \
            max(float(m.population.literacy[r]), 0.05)

    # ------------------------- acting: what a case does on a day it has something due

    def act(self, d: int) -> None:
        """Every case with something due on day ``d`` acts, in agenda order.

        The day's visits are prepared together first (:meth:`_set_off`): their draws, where
        each goes and with what, depend only on the case, the world and its visit number,
        which nothing changes before the offices serve. The loop then acts in agenda order,
        so the offices' arrivals and the agenda's new entries keep that order.
        """
        m = self.model
        entries = m.agenda.pop(d, ())
        bulk: list[tuple] = []
        if entries and entries[-1][1] is None:  # the day's bulk rows (see open_cases)
            ids, arrival, group = entries[-1][2]
            entries = entries[:-1]
            bulk = bulk_rows.set_off(self, d, ids, arrival, group) or []
            if not bulk:  # a row leaves the bulk path: the day's rows become objects
                entries.extend((VISIT, case, a) for case, a in zip(
                    bulk_rows.materialise(m, ids), arrival.tolist(), strict=True))
        going = iter(self._set_off(d, [(case, arg) for kind, case, arg in entries
                                       if kind == VISIT]))
        ab = m.spec.behaviour.abandonment
        for kind, case, arg in entries:
            go = next(going) if kind == VISIT else None
            if case.status != C.OPEN:
                continue
            if ab.enabled and d - case.day_opened > ab.max_case_days:  # overdue: gives up
                self._abandon(case, d)
            elif kind == VISIT:
                if go is None:
                    self._go_again(case, d)
                else:
                    go[0].today.append(go[1])
            elif kind == ADVANCE:
                self._plan_step(case, d)
            elif kind == ONLINE:
                self._remote_done(case, d, int(arg), self._online_effort(case.resident.index))
            elif kind == REMOTE:
                self._remote_done(case, d, int(arg), 0.0)
            elif kind == PROXY:
                self._proxy_submit(case, d)
        for office, visits in bulk:  # (their entry was the agenda's last)
            office.today_bulk = visits

    def _finished(self, case: Case, c: int, d: int) -> StepRuntime | None:
        """Pass over steps the resident need not do: the step to do, or None (completed).

        The case's ``step`` moves to that step (past the last if none is left).
        """
        case.step, step = self._step_plan(c, case.service, case.step)
        if step is None:
            self._complete(case, d)
        return step

    def _step_plan(self, c: int, service: str, step: int) -> tuple[int, StepRuntime | None]:
        """The step to do from ``step`` on, and its runtime (None: none left), per group."""
        key = (c, service, step)
        got = self._plans.get(key)
        if got is None:
            rt = self.model.service(c, service)
            nxt = self.model.next_step_to_do(c, rt, step)
            got = self._plans[key] = (nxt, rt.steps[nxt] if nxt < len(rt.steps) else None)
        return got

    def _plan_step(self, case: Case, d: int, first_delay_u: float | None = None) -> None:
        """Decide how the case's next step gets done, or complete the case.

        ``first_delay_u``: the case's ``S_FIRST_DELAY`` uniform when this plans its first
        visit (None for every later step).
        """
        m = self.model
        c = case.resident.community_index
        step = self._finished(case, c, d)
        if step is None:
            return
        if step.relayable and case.informed:  # the committee may relay it (staff allowing)
            org = m.organisation_of.get(c)
            ch = m.spec.behaviour.channels
            if org is not None and org.use("relay", ch.relay_staff_min):
                m.agenda[d + max(1, ch.proxy_days) + step.processing_days].append(
                    (REMOTE, case, case.step + 1.0))
                return
        self._schedule_visit(case, d, first_delay_u, c, step)

    def _choose_office(self, case: Case, c: int) -> None:
        """Where the resident takes the case's next visit: the plan of least expected time.

        The options and their plans are the group's
        (:meth:`~pilotsim.sim.model.PilotModel.office_options`); the walk-in centre is one only if
        the resident knows of it (with probability their knowledge of the procedure); the pick
        is :meth:`~pilotsim.sim.model.PilotModel.choose_offices`, drawn from the case's counter
        stream.
        """
        m = self.model
        case.via = None
        vias, plans, centre = m.office_options(c, m.service(c, case.service), case.step)
        if len(plans) < 2:
            return
        available = np.ones((1, len(plans)), dtype=bool)
        if centre >= 0:
            available[0, centre] = m.choices.uniform(case.id, C.S_VIA) < case.knowledge
        if available.sum() < 2:
            return
        width = max(len(p) for p in plans)
        padded = np.array([[p + [-1] * (width - len(p)) for p in plans]], dtype=np.int64)
        r = case.resident.index
        pop = m.population
        u = m.choices.uniform(case.id, C.visit_slot(case.trips, C.V_OFFICE))
        pick = m.choose_offices(np.array([c]), padded, available, pop.mobility[[r]],
                                   pop.expectation[[r]], np.array([u]))[0]
        case.via = vias[int(pick)]

    def _schedule_visit(self, case: Case, d: int, first_delay_u: float | None, c: int,
                        step: StepRuntime) -> None:
        """Plan the case's visit for ``step`` (community ``c``): where, and on which day."""
        m = self.model
        if m.walk_in_centres or c in m.routes.preferred:
            self._choose_office(case, c)
        else:  # one option only: the community's route
            case.via = None
        office = m.offices[m.route_office(c, step.department, case.via)]
        r = case.resident.index
        if first_delay_u is None:
            u = m.choices.uniform(case.id, C.visit_slot(case.trips, C.V_DELAY))
            when = self._visit_day(office, d, u, r)
        else:
            when = self._first_visit_day(office, d, first_delay_u, r, case.need_min)
        if when is not None:
            m.agenda[when[0]].append((VISIT, case, when[1]))

    def _first_visit_day(self, office: Office, d: int, u: float, r: int,
                         need_min: float) -> tuple[int, float] | None:
        """``(day, arrival)`` of a case's first visit to ``office`` (None: not in the run).

        Under ``timing: immediate`` the resident goes when the need arises (or the office
        next opens); otherwise as any visit (:meth:`_visit_day`, ``u`` its delay's uniform).
        """
        if not self._immediate:
            return self._visit_day(office, d, u, r)
        t = office.queue.next_open(need_min)
        if t is None:
            return None
        day = int(t // 1440)
        return (day, t) if day < self._days else None

    def _visit_day(self, office: Office, d: int, u: float,
                   r: int) -> tuple[int, float] | None:
        """``(day, -1)`` of a visit to ``office`` planned on day ``d`` (None: not in the run).

        The resident (row ``r``) puts it off by their profile's delay (``u``: its uniform),
        to a day the office is open; the arrival minute is drawn on the day (-1).
        """
        q = self._delay_logs[self.model.population.profile.item(r)]
        day = d + rules.delay_from_log(u, q)
        if day >= self._days:
            return None
        day = office.open_from[day]
        return (day, -1.0) if day < self._days else None

    def _set_off(self, d: int, visits: list[tuple[Case, float]]) -> list:
        """Prepare the day's visits ``(case, arrival)`` (arrival -1: drawn on the day).

        Per visit ``(office, arrival item)`` for the office's day, or None where the plan no
        longer holds (:meth:`_go_again`). The resident sets off for the office they believe
        right (or a wrong one, knowledge allowing), with or without the right documents, at
        a minute within its hours. The draws (wrong office, missing documents, arrival
        minute, service time) are the visit's own counter slots, taken for the day at once.
        """
        if not visits:
            return []
        m = self.model
        beh = m.spec.behaviour
        kn = beh.knowledge
        n = len(visits)
        cases = [case for case, _ in visits]
        ids = np.fromiter((x.id for x in cases), dtype=np.int64, count=n)
        trips = np.fromiter((x.trips for x in cases), dtype=np.int64, count=n)
        comm = m.case_table.community[ids]
        k = np.fromiter((x.knowledge for x in cases), dtype=np.float64, count=n)
        base = C.VISIT_BASE + C.VISIT_SLOTS * (trips % C.MAX_VISIT_SLOTS)  # visit_slot(v, 0)
        choice = uniforms_by_column([m.choices] * 3 + [m.service_draws], ids,
                                    base[:, None] + C.GO_PURPOSES)
        u_service = choice[:, 3].tolist()
        # An event of probability 0 needs no draw (u < 0 never holds) and each purpose has
        # its own slot, so skipping one moves no other draw: residents who know the procedure
        # (the Erlang C scenario) draw neither a wrong office nor missing documents.
        p = rules.p_wrong_office(kn, k, m.wrong_office_factor[comm])
        wrong = ((p > 0) & (choice[:, 0] < p)).tolist()
        u_missing, u_arrival = choice[:, 1].tolist(), choice[:, 2].tolist()
        # one document's missing probability on the day's arrays; the power for the visit's
        # documents stays per visit, in Python (NumPy's power may differ from C's pow)
        p_one = rules.p_missing_one(kn, k, m.missing_document_factor[comm], np.fromiter(
            (x.prechecked for x in cases), dtype=bool, count=n)).tolist()
        skew = beh.visits.arrival_skew
        groups = self._visit_groups  # (kept across days until the world may have changed)
        out: list[tuple | None] = []
        for i, ((case, arrival), c) in enumerate(zip(visits, comm.tolist(), strict=True)):
            key = (c, case.service, case.step, case.via)
            g = groups.get(key, False)
            if g is False:
                g = groups[key] = self._visit_group(*key)
            if g is None or (arrival < 0 and not g[0].is_open(d)):
                out.append(None)
                continue
            right, department, dist, docs = g
            if wrong[i]:
                office, kind, dist = m.offices[m.routes.wrong(c, department)], WRONG, \
                    m.redirect
            else:
                office, kind = right, SERVED
                if docs:
                    pm = rules.p_missing_any(p_one[i], docs)
                    if pm > 0 and u_missing[i] < pm:
                        kind, dist = MISSING, m.redirect
            if arrival < 0:  # planned: a minute within the intended office's hours that day
                windows = right.day_open[d]
                a, b = windows[0][0], windows[-1][1]
                arrival = a + (b - a) * u_arrival[i] ** skew
            scale = office.service_scale if kind == SERVED else 1.0
            out.append((office, (arrival, dist.sample(u_service[i]) * scale, case, kind, dist)))
        return out

    def _visit_group(self, c: int, service: str, step: int, via: int | None) -> tuple | None:
        """Where a case's planned visit goes and what it does (None: the plan is stale).

        ``(office, department, counter time, documents to carry)``: the office the resident
        believes right (their route, or the place they chose), the step's department, and
        what the visit there does (an integrated window may take several steps).
        """
        m = self.model
        if self._step_plan(c, service, step)[0] != step:  # removed or shared
            return None
        department = m.service(c, service).steps[step].department
        right = m.offices[m.route_office(c, department, via)]
        _, dist, docs, _ = self._span(c, service, step, right.index)
        return right, department, dist, len(docs)

    def _go_again(self, case: Case, d: int) -> None:
        """A planned visit whose plan no longer holds: plan the step again, or go later.

        The step was removed or its documents shared since the visit was planned, or the
        office changed (a reform moved the step to an office closed today): the resident then
        goes on its next open day instead.
        """
        m = self.model
        c = case.resident.community_index
        rt = m.service(c, case.service)
        if self._step_plan(c, case.service, case.step)[0] != case.step:
            self._plan_step(case, d)
            return
        right = m.offices[m.office_for(case, c, rt.steps[case.step].department)]
        nxt = right.open_from[d + 1] if d + 1 < self._days else self._days
        if nxt < self._days:
            m.agenda[nxt].append((VISIT, case, -1.0))

    def _remote_done(self, case: Case, d: int, upto: int, effort_min: float) -> None:
        """Steps up to ``upto`` were done without a trip (online or relay), on time.

        Scored by the rule every experience follows: no queue (wait 0 against the expected
        wait), the channel's effort, no delay (processing days were expected).
        """
        m = self.model
        p = m.spec.behaviour.satisfaction
        expected = float(m.population.expectation[case.resident.index])
        case.remember(sat.experience_score(p, expected, 0.0, effort_min=effort_min))
        case.step = upto
        self._plan_step(case, d)

    def _proxy_submit(self, case: Case, d: int) -> None:
        """The committee submits the case's next step for the resident, staff time allowing."""
        m = self.model
        c = case.resident.community_index
        step = self._finished(case, c, d)
        if step is None:
            return
        org = m.organisation_of.get(c)
        ch = m.spec.behaviour.channels
        if org is None or not org.use("proxy", ch.proxy_staff_min):
            case.late_days += 1  # a delay beyond the stated turnaround: it counts as a loss
            m.agenda[d + 1].append((PROXY, case, 0.0))  # no staff time left: tomorrow
            return
        case.step += 1
        m.agenda[d + ch.proxy_days + step.processing_days].append((PROXY, case, 0.0))
        if case.step >= len(m.service(c, case.service).steps):
            # the proxy case's one experience, by the rule every channel follows: no queue,
            # the effort of arranging it, and the days it was put off for want of staff time
            case.remember(sat.experience_score(
                m.spec.behaviour.satisfaction,
                float(m.population.expectation[case.resident.index]), 0.0,
                effort_min=ch.proxy_effort_min, late_days=float(case.late_days)))

    # ----------------------------------------- a visit resolved by the office's queue

    def resolve_visits(self, d: int, offices: list[tuple]) -> None:
        """Resolve the day's visits: per office ``(office, shown, items, waits, served)``.

        ``items`` are the office's simulated visits in serve order, ``waits`` and ``served``
        their queue outcomes (lists; a bulk office day's waits an array), ``shown`` the
        office's mean wait today (None: no visitors), which its queue display takes as its
        visits start to resolve.

        What does not depend on an earlier visit of the day is done on the day's arrays: the
        outcome (office errors drawn at once), round-trip travel, the visit records, and the
        experience and expectation learning of each resident's first visit today. Then in
        order, one visit at a time: the case's sums, the community's learned wait (an
        exponential average in visit order, read by an office choice planned further on),
        a resident's later visits today (their expectation moved by the earlier one), and
        what the case does next (it may spend committee time, plan, close).
        """
        if any(isinstance(its, bulk_rows.BulkVisits) for _, _, its, _, _ in offices):
            if bulk_rows.resolve(self, d, offices):
                return
            offices = self._materialise_days(offices)
        items = [x for _, _, its, _, _ in offices for x in its]
        rows = self._visit_rows(d, offices, items) if items else []
        m = self.model
        pop = m.population
        p = m.spec.behaviour.satisfaction
        learning = m.spec.behaviour.visits.wait_learning
        learned_at = m.wait_learned
        spans, plans, agenda = self._spans, self._plans, m.agenda
        j = 0
        for office, shown, its, _, _ in offices:
            if shown is not None:
                office.shown_wait = shown
            o = office.index
            for x in its:
                case = x[2]
                v, wait, tr, ci, ri, k, once, sc, left, felt = rows[j]
                j += 1
                case.trips = v + 1
                case.wait += wait
                case.travel += tr
                learned = learned_at.item(ci, o)
                learned_at[ci, o] = wait if learned != learned else \
                    learned + learning * (wait - learned)  # (NaN: no one has been)
                if not once:  # the resident's later visit today: after the earlier one
                    ex = pop.expectation.item(ri)
                    sc = sat.experience_score(p, ex, felt, wasted=k != SERVED, travel_min=tr)
                    pop.expectation[ri] = ex + p.expectation_learning * (felt - ex)
                case.remember(sc)
                if k != SERVED:
                    self._after_failure(case, d, left, v, tr, ci, ri)
                    continue
                # served: the span's steps are done; what the case does next is two group
                # answers (_span, _step_plan), looked up here without the calls around them
                service = case.service
                span = spans.get((ci, service, case.step, o)) or \
                    self._span(ci, service, case.step, o)
                if span[3]:  # back-office days: the case moves on when they are over
                    case.step = span[0]
                    agenda[left + span[3]].append((ADVANCE, case, 0.0))
                    continue
                plan = plans.get((ci, service, span[0])) or \
                    self._step_plan(ci, service, span[0])
                case.step = plan[0]
                if plan[1] is None:  # nothing left to do (_finished's answer)
                    self._complete(case, left)
                else:
                    self._plan_step(case, left)

    def materialise_offices_day(self) -> None:
        """The day's bulk rows become objects, appended to their offices' ``today`` items."""
        m = self.model
        bulk = [o for o in m.offices if o.today_bulk is not None]
        items = self._items([o.today_bulk for o in bulk])
        for o, its in zip(bulk, items, strict=True):
            o.today.extend(its)
            o.today_bulk = None

    def _materialise_days(self, offices: list[tuple]) -> list[tuple]:
        """The day's bulk rows become objects: each office day's visits as items."""
        blocks = [its for _, _, its, _, _ in offices if isinstance(its, bulk_rows.BulkVisits)]
        items = iter(self._items(blocks))
        return [(of, shown, next(items) if isinstance(its, bulk_rows.BulkVisits) else its,
                 waits, served) for of, shown, its, waits, served in offices]

    def _items(self, blocks: list[bulk_rows.BulkVisits]) -> list[list[tuple]]:
        """Office days' bulk rows as the object path's visit items (their cases created)."""
        ids = np.sort(np.concatenate([its.ids for its in blocks]))
        case_of = dict(zip(ids.tolist(), bulk_rows.materialise(self.model, ids), strict=True))
        return [[(a, s, case_of[i], SERVED, None) for i, a, s in zip(
            its.ids.tolist(), its.arrival.tolist(), its.service.tolist(), strict=True)]
            for its in blocks]

    def _visit_rows(self, d: int, offices: list[tuple], items: list[tuple]) -> list[tuple]:
        """The day's visits on arrays: outcome, travel, records, first visits' experience.

        Returns, per visit in order, ``(visit number, wait, round trip, community, resident,
        outcome, first visit of the resident today, score, day left, perceived wait)``.
        """
        m = self.model
        pop = m.population
        n = len(items)
        cases = [x[2] for x in items]
        counts = [len(its) for _, _, its, _, _ in offices]
        office = np.repeat([of.index for of, *_ in offices], counts)
        waits = np.array([w for *_, ws, _ in offices for w in ws], dtype=np.float64)
        served = np.array([x for *_, ss in offices for x in ss], dtype=bool)
        arrival = np.fromiter((x[0] for x in items), dtype=np.float64, count=n)
        service = np.fromiter((x[1] for x in items), dtype=np.float64, count=n)
        kind = np.fromiter((x[3] for x in items), dtype=np.int8, count=n)
        ids = np.fromiter((x.id for x in cases), dtype=np.int64, count=n)
        trips = np.fromiter((x.trips for x in cases), dtype=np.int64, count=n)
        steps = np.fromiter((x.step for x in cases), dtype=np.int64, count=n)
        r, c = m.case_table.resident[ids], m.case_table.community[ids]
        # The per-day array steps below are each skipped where they could change nothing
        # (every visit served, no office erring, every office informing alike, too few
        # visits to score on arrays): on a day of a few visits their fixed cost is the day's.
        if not served.all():
            closed = ~served
            kind[closed] = CLOSED
            service[closed] = 0.0
        # (an office that makes no errors needs no draw: u < 0 never holds, and the slot is
        # the visit's own, so skipping it moves no other draw)
        if any(of.error_rate > 0 for of, *_ in offices):
            error_rate = np.repeat([of.error_rate for of, *_ in offices], counts)
            done = np.flatnonzero((kind == SERVED) & (error_rate > 0))
            if len(done):
                u = m.choices.uniforms(ids[done], C.VISIT_BASE + C.VISIT_SLOTS * (
                    trips[done] % C.MAX_VISIT_SLOTS) + C.V_ERROR)
                kind[done[u < error_rate[done]]] = ERROR
        round_trip = 2.0 * m.travel[c, office] * pop.mobility[r]
        m.visits.add_rows(ids, r, steps, office, d, arrival, waits, service, round_trip, kind)
        p = m.spec.behaviour.satisfaction
        informs = {of.wait_info for of, *_ in offices}
        if len(informs) == 1:  # every office alike: np.where would pick one side throughout
            felt = sat.perceived_wait(p, waits, informs.pop())
        else:
            informed = np.repeat([of.wait_info for of, *_ in offices], counts)
            felt = np.where(informed, sat.perceived_wait(p, waits, True),
                            sat.perceived_wait(p, waits, False))
        # each resident's first visit today, scored on arrays where the day is big enough for
        # that to pay (the rest one by one in the loop after, as later visits are)
        score = np.zeros(n)
        if n >= _BULK_ROWS:
            first = first_of_each(r)
            f = np.flatnonzero(first)
            expected = pop.expectation[r[f]]
            score[f] = sat.experience_score(p, expected, felt[f], wasted=kind[f] != SERVED,
                                            travel_min=round_trip[f])
            pop.expectation[r[f]] = expected + p.expectation_learning * (felt[f] - expected)
        else:
            first = np.zeros(n, dtype=bool)
        # what comes next is planned from the day the resident left the office (past midnight
        # at an office open around the clock), so no visit starts before the last one ended
        left = ((arrival + waits + service) // 1440).astype(np.int64)
        return list(zip(trips.tolist(), waits.tolist(), round_trip.tolist(), c.tolist(),
                        r.tolist(), kind.tolist(), first.tolist(), score.tolist(),
                        left.tolist(), felt.tolist(), strict=True))

    def _after_failure(self, case: Case, d: int, left: int, v: int, round_trip: float,
                       c: int, r: int) -> None:
        """What the case does after its wasted visit ``v`` (left the office on day ``left``).

        (A served visit's next step is resolved inline in :meth:`resolve_visits`.)
        """
        m = self.model
        beh = m.spec.behaviour
        case.wasted += 1
        case.knowledge = rules.learn(case.knowledge, beh.knowledge.learn_from_failure)
        ab = beh.abandonment
        if ab.enabled:
            p_quit = rules.p_abandon(ab, case.wasted, round_trip, m.population.patience.item(r))
            if p_quit > 0 and m.choices.uniform(case.id, C.visit_slot(v, C.V_ABANDON)) < p_quit:
                self._abandon(case, d)
                return
        self._schedule_visit(case, left, None, c, m.service(c, case.service).steps[case.step])

    # ------------------------------------------------------------------------ endings

    def _complete(self, case: Case, d: int) -> None:
        case.status = C.COMPLETED
        self._close(case, d)

    def _abandon(self, case: Case, d: int) -> None:
        m = self.model
        case.status = C.ABANDONED
        case.remember(m.spec.behaviour.satisfaction.abandon_score)
        self._close(case, d)

    def _close(self, case: Case, d: int) -> None:
        m = self.model
        case.day_closed = d
        pop, res = m.population, case.resident
        r = res.index
        known = pop.knowledge.item(r)
        if case.knowledge > known:
            pop.knowledge[r] = known + self._learn_from_case * (case.knowledge - known)
        score = case.satisfaction
        if score is not None:
            trust = pop.trust.item(r)
            pop.trust[r] = trust + self._trust_learning * (score / 100 - trust)
            pop.channel_memory[r, C.CHANNEL_COLUMN[case.channel]] = score
        m.closed_today.append(case)
