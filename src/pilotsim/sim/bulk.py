"""Bulk rows: a day's cases taken from opening to closing on arrays, with no :class:`Case`.

A *bulk day* is one whose new needs are all decided together as in-person cases whose first
visit is that same day (``docs/engine-soa.md`` §8.6): the M/M/c scenario's every day. Their
rows then live only in :class:`~pilotsim.sim.cases.CaseTable`'s columns (``model.cases[i]``
is None): they set off (:func:`set_off`), are served and resolved (:func:`resolve`) and
close as a fixed number of NumPy calls a day. A row becomes a :class:`Case` the moment the
day leaves that path (:func:`materialise`): a wrong office or missing documents at setting
off, an office day shared with other cases, a visit not served, an office error, a step left
to do. It is then created from its columns in the state the object path would have had, and
goes on as every other case.

Between days no bulk row is open (every one closes in the serve phase of the day it
opened), so the readers outside the day (levers' loops over open cases, the case stream,
the dashboard) see closed rows only, and read them from the columns.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from pilotsim.sim import cases as C  # noqa: N812
from pilotsim.sim import decisions as rules
from pilotsim.sim import satisfaction as sat
from pilotsim.sim.cases import Case

if TYPE_CHECKING:
    from pilotsim.sim.lifecycle import CaseLifecycle
    from pilotsim.sim.model import PilotModel

_COMPLETED = C.STATUS_CODES.index(C.COMPLETED)


class BulkVisits:
    """An office day's bulk rows, in the order they reach the office (or are served).

    Attributes:
        ids: Case ids. arrival, service: Arrival minute and counter time of the visit.
        group: ``(community, service code, step)`` shared by every row, if one group's
            (None: not known to be).
    """

    __slots__ = ("arrival", "group", "ids", "service")

    def __init__(self, ids: np.ndarray, arrival: np.ndarray, service: np.ndarray,
                 group: tuple[int, int, int] | None = None) -> None:
        self.ids, self.arrival, self.service, self.group = ids, arrival, service, group

    def __len__(self) -> int:
        return len(self.ids)

    def take(self, order: np.ndarray) -> BulkVisits:
        """The rows at positions ``order``."""
        return BulkVisits(self.ids[order], self.arrival[order], self.service[order],
                          self.group)


def key_groups(key: np.ndarray) -> tuple[list[int], np.ndarray | int]:
    """The distinct keys in order, and each row's index into them (0: one key for all).

    ``np.unique`` costs some ten NumPy calls a day; a day of one group (the M/M/c day), two.
    """
    if (key == key[0]).all():
        return [key.item(0)], 0
    groups, inv = np.unique(key, return_inverse=True)
    return groups.tolist(), inv


def materialise(model: PilotModel, ids: np.ndarray) -> list[Case]:
    """Open bulk rows ``ids`` (in id order) become :class:`Case` objects, kept by the model.

    Their state is what the object path gives a case planned for its first visit: opened,
    in person, its step the first to do.
    """
    t, names, agents, cs = model.case_table, model.service_names, model.residents, model.cases
    out = []
    for i, r, s, day, need, k, step in zip(
            ids.tolist(), t.resident[ids].tolist(), t.service[ids].tolist(),
            t.day_opened[ids].tolist(), t.need_min[ids].tolist(), t.knowledge[ids].tolist(),
            t.step[ids].tolist(), strict=True):
        res = agents[r]
        case = cs[i] = Case(i, res, names[s], day, need, k)
        case.step = step
        res.cases.append(case)
        out.append(case)
    return out


def closed_case(model: PilotModel, i: int) -> Case:
    """A closed bulk row as a :class:`Case` (for readers; not kept by the model)."""
    t = model.case_table
    case = Case(i, model.residents[t.resident.item(i)], model.service_names[t.service.item(i)],
                t.day_opened.item(i), t.need_min.item(i), t.knowledge.item(i))
    case.status = C.STATUS_CODES[t.status.item(i)]
    case.step, case.trips = t.step.item(i), t.trips.item(i)
    case.wait, case.travel = t.wait.item(i), t.travel.item(i)
    case.min_score, case.last_score = t.min_score.item(i), t.last_score.item(i)
    case.day_closed = t.day_closed.item(i)
    return case


def resident_cases(model: PilotModel, resident: int) -> list[Case]:
    """The cases the resident's agent holds and their bulk rows, in id order."""
    res = model.residents.get(resident)
    if res is None:
        return []
    t = model.case_table
    bulk = np.flatnonzero((t.resident[:len(t)] == resident) & (t.status[:len(t)] >= 0))
    if not len(bulk):
        return list(res.cases)
    both = [*res.cases, *(closed_case(model, i) for i in bulk.tolist())]
    return sorted(both, key=lambda c: c.id)


def first_visits(lc: CaseLifecycle, d: int, groups: list[int], inv: np.ndarray | int,
                 t: np.ndarray) -> tuple | None:
    """A day's in-person cases' first step, arrival and group, if every one visits today.

    :meth:`~pilotsim.sim.lifecycle.CaseLifecycle._first_visits` under ``timing: immediate``
    on arrays: the group's first plan, the office's next open minute (``next_open``'s
    ``bisect_right`` as ``searchsorted``, ``max`` as ``maximum``). None where a case is planned
    one by one (a choice of office, nothing to do) or its visit is not today. ``groups``,
    ``inv``: the day's :func:`key_groups` of ``community × services + service code``.

    Returns:
        ``(step, arrival, group)``: each case's first step (one int where the day is one
        group), its arrival minute, and the day's one ``(community, service code, step)``
        group (None: several), which :func:`set_off` then need not find again.
    """
    m = lc.model
    if m.walk_in_centres:
        return None
    names = m.service_names
    step = np.empty(len(groups), dtype=np.int64)
    office = []
    for g, k in enumerate(groups):
        c, s = divmod(k, len(names))
        got = lc._first_plans.get((c, names[s]), False)
        if got is False:
            got = lc._first_plans[c, names[s]] = lc._first_plan(c, names[s])
        if got is None:
            return None
        step[g] = got[0]
        office.append(got[1])
    arrival = np.empty(len(t))
    to = np.array([o.index for o in office])[inv] if len(groups) > 1 else None
    for o in dict.fromkeys(office):
        sel = slice(None) if len(set(office)) == 1 else to == o.index
        start, end = lc.windows(o)
        k = end.searchsorted(t[sel], side="right")
        if k.max() >= len(start):
            return None
        arrival[sel] = np.maximum(t[sel], start[k])
    # (t >= d * 1440, so arrival // 1440 == d unless some arrival is the next day's or later)
    if arrival.max() >= (d + 1) * 1440.0:
        return None
    if len(groups) == 1:
        return step.item(0), arrival, (c, s, step.item(0))
    return step[inv], arrival, None


def set_off(lc: CaseLifecycle, d: int, ids: np.ndarray, arrival: np.ndarray,
            group: tuple[int, int, int] | None = None) -> list[tuple] | None:
    """The day's bulk rows set off for their first visit: ``(office, BulkVisits)`` per office.

    The draws and rules of :meth:`~pilotsim.sim.lifecycle.CaseLifecycle._set_off` on arrays.
    ``group``: the ``(community, service code, step)`` of every row, if :func:`first_visits`
    found one (then the rows' columns need not be gathered and grouped again).
    None where a row leaves the bulk path (a wrong office, documents to carry, a stale plan):
    the caller then materialises the day's rows.
    """
    m = lc.model
    t = m.case_table
    n = len(ids)
    if group is None:
        comm = t.community[ids]
        keys, inv = key_groups((comm * len(m.service_names) + t.service[ids]) * 1024
                               + t.step[ids])
        groups = [(c, *divmod(rest, 1024))
                  for c, rest in (divmod(k, 1024 * len(m.service_names)) for k in keys)]
        factor = m.wrong_office_factor[comm]
    else:  # (a scalar factor: the same products as on its repeats)
        groups, inv, factor = [group], 0, m.wrong_office_factor.item(group[0])
    # the first visit's draws (counter-based: a column not drawn moves nothing): the wrong
    # office's where one may happen, the service time's (documents: see _visit_group below)
    p = rules.p_wrong_office(m.spec.behaviour.knowledge, t.knowledge[ids], factor)
    if (p > 0).any() and (m.choices.uniforms(ids, C.VISIT_BASE + C.V_WRONG) < p).any():
        return None
    service_u = m.service_draws.uniforms(ids, C.VISIT_BASE + C.GO_PURPOSES[3])
    office = np.empty(len(groups), dtype=np.int64)
    service = np.empty(n)
    for g, (c, s, st) in enumerate(groups):
        got = lc._visit_group(c, m.service_names[s], st, None)
        if got is None or got[3]:  # a stale plan, or documents that may be missing
            return None
        right, _, dist, _ = got
        office[g] = right.index
        rows = np.flatnonzero(inv == g) if len(groups) > 1 else slice(None)
        service[rows] = np.array(dist.sample_many(service_u[rows].tolist())) * \
            right.service_scale
    if len(groups) == 1:
        return [(m.offices[int(office[0])], BulkVisits(ids, arrival, service, groups[0]))]
    to = office[inv]
    return [(m.offices[o], BulkVisits(ids[sel], arrival[sel], service[sel]))
            for o in np.unique(to).tolist() for sel in [to == o]]


def resolve(lc: CaseLifecycle, d: int, offices: list[tuple]) -> bool:
    """Resolve an all-bulk day's visits and close their cases on arrays (False: not possible).

    ``offices`` as :meth:`~pilotsim.sim.lifecycle.CaseLifecycle.resolve_visits` takes them,
    every office day's visits a :class:`BulkVisits`. Possible when every visit was served
    without error and completes its case (the span's steps leave none to do, no processing
    days), with enough rows for the first visits' array scoring the object path uses.
    The result is what that path's loop gives, row by row in the same order: the visit
    records, the learned waits, the residents' expectation (first visit of the day on
    arrays, later ones in order), the case's sums and peak–end memory, its closing (trust,
    knowledge, channel memory) and ``closed_today``.
    """
    m = lc.model
    days = [x for x in offices if len(x[2])]
    if not days or any(not isinstance(its, BulkVisits) for _, _, its, _, _ in days):
        return False
    if not all(all(s) for *_, s in days):
        return False
    ids = _joined(days, "ids")
    n = len(ids)
    if n < lc.BULK_ROWS:
        return False
    t, pop = m.case_table, m.population
    counts = [len(its) for _, _, its, _, _ in days]
    if any(of.error_rate > 0 for of, *_ in days):  # the first visits' own error draws
        rate = np.repeat([of.error_rate for of, *_ in days], counts)
        if (m.choices.uniforms(ids, np.full(n, C.VISIT_BASE + C.V_ERROR)) < rate).any():
            return False
    if len(days) == 1:
        office = np.empty(n, dtype=np.int64)
        office.fill(days[0][0].index)
    else:
        office = np.repeat([of.index for of, *_ in days], counts)
    r, step = t.resident[ids], t.step[ids]
    # what comes after the visit: the span's steps done, nothing left (per group of
    # community, service, step and office; one office day of set_off's one group is one)
    one = days[0][2].group if len(days) == 1 else None
    if one is not None:
        c, groups, inv = one[0], [(*one, days[0][0].index)], 0
    else:
        c, svc = t.community[ids], t.service[ids]
        keys, inv = key_groups(((c * len(m.service_names) + svc) * 1024 + step)
                               * len(m.offices) + office)
        groups = []
        for k in keys:
            k, o = divmod(k, len(m.offices))
            ci, rest = divmod(k, 1024 * len(m.service_names))
            groups.append((ci, *divmod(rest, 1024), o))
    final = np.empty(len(groups), dtype=np.int64)
    for g, (ci, s, st, o) in enumerate(groups):
        span = lc._span(ci, m.service_names[s], st, o)
        if span[3]:
            return False
        plan = lc._step_plan(ci, m.service_names[s], span[0])
        if plan[1] is not None:
            return False
        final[g] = plan[0]
    for of, shown, *_ in offices:
        if shown is not None:
            of.shown_wait = shown
    arrival, service = _joined(days, "arrival"), _joined(days, "service")
    waits = np.asarray(days[0][3] if len(days) == 1 else  # (_serve_bulk's: an array)
                       [w for *_, ws, _ in days for w in ws], dtype=np.float64)
    # (one group: one travel time, 2.0 × it the same product as on its repeats)
    travel = 2.0 * m.travel[c, office if one is None else days[0][0].index] * pop.mobility[r]
    m.visits.add_rows(ids, r, step, office, d, arrival, waits, service, travel,
                      np.zeros(n, dtype=np.int8))
    p = m.spec.behaviour.satisfaction
    informs = {of.wait_info for of, *_ in days}
    if len(informs) == 1:
        felt = sat.perceived_wait(p, waits, informs.pop())
    else:
        informed = np.repeat([of.wait_info for of, *_ in days], counts)
        felt = np.where(informed, sat.perceived_wait(p, waits, True),
                        sat.perceived_wait(p, waits, False))
    r_list = r.tolist()
    first = first_of_each(r)
    f = np.flatnonzero(first)
    rf, felt_f = r[f], felt[f]  # each resident's first visit today
    # each visit's expected wait: a first visit's the day's start's, a later one's (in order)
    # what the earlier ones taught; then every visit scored in one call (the array rule is
    # the scalar one element by element, bit for bit: test_satisfaction)
    ex_f = pop.expectation[rf]
    pop.expectation[rf] = ex_f + p.expectation_learning * (felt_f - ex_f)
    later = np.flatnonzero(~first).tolist()
    if later:
        expected = np.empty(n)
        expected[f] = ex_f
        for j in later:  # a resident's later visit today: after the earlier one, in order
            ri, fj = r_list[j], felt.item(j)
            ex = expected[j] = pop.expectation.item(ri)
            pop.expectation[ri] = ex + p.expectation_learning * (fj - ex)
    else:
        expected = ex_f
    score = sat.experience_score(p, expected, felt, wasted=False, travel_min=travel)
    _learn_waits(m, (groups[0][0], groups[0][3]) if len(groups) == 1 else None, c, office,
                 waits)
    left = ((arrival + waits + service) // 1440).astype(np.int64)
    # the case's sums from zero, Case.remember from min_score 101 (Python's min keeps the
    # first of equals and of NaN), the closing
    low = np.fmin(score, 101.0)  # (101 for NaN, as min(101, NaN): fmin takes the number)
    t.step[ids], t.trips[ids], t.wait[ids], t.travel[ids] = final[inv], 1, 0.0 + waits, \
        0.0 + travel
    t.min_score[ids], t.last_score[ids], t.day_closed[ids] = low, score, left
    t.status[ids] = _COMPLETED
    _close(lc, ids, r, r_list, f, rf, later, (low + score) / 2)
    m.closed_today.append(ids)
    return True


def _joined(days: list[tuple], column: str) -> np.ndarray:
    """A :class:`BulkVisits` column over the day's offices, in office order."""
    if len(days) == 1:
        return getattr(days[0][2], column)
    return np.concatenate([getattr(its, column) for _, _, its, _, _ in days])


def first_of_each(keys: np.ndarray) -> np.ndarray:
    """Whether each key is its first occurrence in ``keys``.

    ``keys``: integers, each ``|key| × len(keys)`` within int64. Sorting ``key × n +
    position`` puts each key's occurrences together in their order, so a run's head is its
    first. The composite keys are distinct, so NumPy's default sort (SIMD: ~17 µs at a
    c = 10 day's 720 rows against ~40 for a stable sort of the keys) gives the one order a
    stable sort would.
    """
    n = len(keys)
    head = np.ones(n, dtype=bool)
    if n < 2:
        return head
    order = (keys * n + np.arange(n)).argsort()
    ordered = keys[order]
    np.not_equal(ordered[1:], ordered[:-1], out=head[1:])
    first = np.empty(n, dtype=bool)
    first[order] = head
    return first


def _learn_waits(m: PilotModel, pair: tuple[int, int] | None, comm: np.ndarray | int,
                 office: np.ndarray, waits: np.ndarray) -> None:
    """The learned wait per (community, office): the exponential average in visit order.

    ``pair``: the one (community, office) of every visit, if known (then ``comm`` may be
    that community alone).
    """
    learning = m.spec.behaviour.visits.wait_learning
    at = m.wait_learned
    if pair is None and (comm == comm[0]).all() and (office == office[0]).all():
        pair = comm.item(0), office.item(0)
    if pair is not None:  # one pair (the M/M/c office): a loop on one float
        c0, o0 = pair
        x = at.item(c0, o0)
        for w in waits.tolist():
            x = w if x != x else x + learning * (w - x)
        at[c0, o0] = x
        return
    now: dict[tuple[int, int], float] = {}
    for ci, o, w in zip(comm.tolist(), office.tolist(), waits.tolist(), strict=True):
        key = (ci, o)
        x = now.get(key)
        if x is None:
            x = at.item(ci, o)
        now[key] = w if x != x else x + learning * (w - x)  # (NaN: no one has been)
    for (ci, o), x in now.items():
        at[ci, o] = x


def _close(lc: CaseLifecycle, ids: np.ndarray, r: np.ndarray, r_list: list[int],
           f: np.ndarray, rf: np.ndarray, later: list[int], satisfaction: np.ndarray) -> None:
    """:meth:`~pilotsim.sim.lifecycle.CaseLifecycle._close` of completed rows, in order.

    ``f``: the positions of each resident's first row, ``rf`` their residents; ``later``
    the other positions, in order.
    """
    m = lc.model
    pop = m.population
    k = m.case_table.knowledge[ids]
    if (k > pop.knowledge[r]).any():  # (none, unless a reform raised it since opening)
        for ri, kj in zip(r_list, k.tolist(), strict=True):
            known = pop.knowledge.item(ri)
            if kj > known:
                pop.knowledge[ri] = known + lc._learn_from_case * (kj - known)
    tl = lc._trust_learning
    trust, sat_f = pop.trust[rf], satisfaction[f]
    pop.trust[rf] = trust + tl * (sat_f / 100 - trust)
    for j in later:
        ri = r_list[j]
        x = pop.trust.item(ri)
        pop.trust[ri] = x + tl * (satisfaction.item(j) / 100 - x)
    # the channel memory: a resident's last closing of the day holds (first occurrences at
    # once, then the later ones in order: a fancy write does not promise which repeat wins)
    memory = pop.channel_memory
    col = C.CHANNEL_COLUMN[C.IN_PERSON]
    memory[rf, col] = sat_f
    for j in later:
        memory[r_list[j], col] = satisfaction.item(j)


def closed_columns(model: PilotModel, closed: list) -> tuple[np.ndarray, ...]:
    """``closed_today`` as columns: case ids, satisfaction (NaN: none), wait a trip, knowledge.

    ``closed`` holds :class:`Case` objects and bulk rows' id arrays, in the order they closed.
    """
    parts: list[tuple] = []
    run: list[Case] = []

    def flush() -> None:
        if run:
            parts.append((np.array([x.id for x in run], dtype=np.int64),
                          np.array([x.satisfaction if x.satisfaction is not None else np.nan
                                    for x in run], dtype=np.float64),
                          np.array([x.wait / x.trips if x.trips else np.nan for x in run],
                                   dtype=np.float64),
                          np.array([x.knowledge for x in run], dtype=np.float64)))
            run.clear()

    t = model.case_table
    for x in closed:
        if isinstance(x, Case):
            run.append(x)
            continue
        flush()
        parts.append((x, (t.min_score[x] + t.last_score[x]) / 2, t.wait[x] / t.trips[x],
                      t.knowledge[x]))
    flush()
    if len(parts) == 1:
        return parts[0]
    return tuple(np.concatenate(col) for col in zip(*parts, strict=True))

