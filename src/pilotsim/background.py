"""The unsimulated residents' demand at the real counters (``sim.sample_fraction`` < 1).

With a sample fraction f, a share f of residents is simulated in full (agents, cases, records)
and the other 1 − f are represented by this module: their needs arise as their own Poisson
process, and each need is followed through its life as a row of a few NumPy columns — the
*background case* — that makes real visits to real offices, which queue with the simulated
residents' visits but are not recorded.

Design (why a background case, not a visit count):

* **Needs, not visits, are drawn.** Independent Poisson counts per community × profile ×
  service × day at the configured rates, for the unsimulated residents of each group
  (:func:`pilotsim.population.group_sizes` at f = 1 minus the simulated ones). A need is a
  case over several days: it may take several steps, waste trips (a wrong office, a missing
  document, an office error, the office closing before its turn) and come back after a delay.
  Drawing the need and following it makes the background visit load per day equal the
  expected visits per need *under the current arm*, with the same day-to-day variance as at
  f = 1 (the clones it replaces copied the simulated visits 1/f − 1 times, multiplying the
  variance of an office's load by 1/f and lengthening waits).
* **Current routing, from the first day.** Every decision is taken on the day it is due, with
  the world as it is that day (the model's current services, routes, offices, shared
  documents, risk factors). A reform therefore acts on all of the load from its start day —
  no smoothing and no lag.
* **One set of rules.** The probabilities and costs are the functions of
  :mod:`pilotsim.decisions`; the routing (skippable steps, which office, what a visit covers,
  what it takes to carry, processing days, walk-in centres, channel eligibility and the
  in-person route) are :class:`~pilotsim.model.PilotModel`'s group-level methods. The
  simulated residents' per-case code calls the same ones.
* **Residents' traits from a representative.** A background need borrows the attributes of a
  simulated resident of the same community and profile drawn at random (literacy, knowledge,
  patience, mobility, expected wait, trust, channel memory, read when needed): the simulated
  residents are a random sample of the group, so their current state is the group's. Groups
  with no simulated resident borrow from the profile's residents anywhere.
* **Committee time.** The committee's staff minutes are split: the simulated residents use a
  share f (``Organisation``), the background uses the other 1 − f for information, pre-check
  and relay, spent in order of the day's needs (the unsimulated residents' proxy cases make no
  visits and are not followed).
* **Paired streams.** The needs' counts, minutes and representatives come from the
  ``background_needs`` generator keyed by day, whose consumption does not depend on the arm;
  a need's id is its rank in that sequence, the same in every arm. Each decision is a
  counter-based uniform of the ``background`` stream addressed by (need id, purpose at visit
  n), exactly as a simulated case's; service times come from ``background_service``. Arms stay
  paired need by need, and a change from day D leaves every day before D identical.
* **Cost.** A day's due background cases are handled in bulk: group-level routing is computed
  once per (community, service, step, walk-in centre) that is due that day and scattered to
  the rows; draws, comparisons and updates are array operations. Only the service-time
  quantiles are per visit (the same inverse CDFs as the simulated visits).

Where other per-group factors plug in: a need that does not become a case (take-up) is
decided in :meth:`BackgroundDemand._open`, where the channel is chosen; how residents pick an
office is :meth:`~pilotsim.model.PilotModel.route_office`, which both populations call.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from pilotsim import cases as C  # noqa: N812  (slot constants)
from pilotsim import decisions as rules
from pilotsim.population import group_sizes

if TYPE_CHECKING:
    from pilotsim.model import PilotModel

PLAN, VISIT = 0, 1  # what a row does on its due day: plan its next step, or go to an office
SERVED, WRONG, MISSING, ERROR = 0, 1, 2, 3
_COLUMNS = {  # column → dtype
    "id": np.int64, "c": np.int32, "p": np.int32, "s": np.int32, "row": np.int64,
    "opened": np.int32, "need_min": np.float64, "step": np.int32, "k": np.float64,
    "informed": bool, "prechecked": bool, "via": np.int32, "trips": np.int32,
    "wasted": np.int32, "due": np.int64, "act": np.int8, "first": bool,
}


class BackgroundDemand:
    """The unsimulated residents' open cases, as columns, and their visits of the day.

    Args:
        model: The model (its services, routes, offices, population and streams are read
            each day, never copied).
    """

    def __init__(self, model: PilotModel) -> None:
        self.model = model
        spec = model.spec
        f = spec.sim.sample_fraction
        pop = model.population
        self.active = f < 1
        unsimulated = np.maximum(group_sizes(spec, 1.0) - pop.group_size, 0)
        rates = np.array([[spec.services.catalogue[s].demand_per_year.get(p, 0.0)
                           for s in model.service_names] for p in model.profile_names])
        self.rates = unsimulated[:, :, None] * rates[None, :, :] / 365.0
        self.by_profile = [np.nonzero(pop.profile == i)[0] for i in range(len(model.profiles))]
        self.next_id = 0
        self.cols = {k: np.empty(0, dtype=t) for k, t in _COLUMNS.items()}
        self.choices = model.streams.counter("background")
        self.service_draws = model.streams.counter("background_service")
        nc = len(model.community_names)
        self.staff_share = (1 - f) / f if f < 1 else 0.0
        self.staff = np.zeros(nc)
        self._pending: list[tuple[int, np.ndarray, np.ndarray]] = []
        self._memo: dict = {}
        self.opened = self.completed = self.abandoned = 0

    # ----------------------------------------------------------------------------- the day

    def visits(self, d: int) -> dict[int, tuple[list[float], list[float]]]:
        """Open today's needs, act on the cases due today; today's visits per office.

        Returns:
            ``{office index: (arrival minutes, service minutes)}`` of the background visits
            to serve today; :meth:`served` must be called with their outcomes, office by
            office, before the next day.
        """
        if not self.active:
            return {}
        m = self.model
        self._memo = {}  # group routing is valid for one day: reforms change the world
        self.staff = np.array([
            m.organisation_of[c].staff_min_per_day * self.staff_share
            if c in m.organisation_of else 0.0 for c in range(len(m.community_names))])
        self._open(d)
        cols = self.cols
        due = np.nonzero(cols["due"] == d)[0]
        ab = m.spec.behaviour.abandonment
        if ab.enabled and len(due):
            late = due[d - cols["opened"][due] > ab.max_case_days]
            self._end(late, abandoned=True)
            due = due[d - cols["opened"][due] <= ab.max_case_days]
        self._plan(due[cols["act"][due] == PLAN], d)
        go = np.nonzero((cols["due"] == d) & (cols["act"] == VISIT))[0]
        return self._go(go, d)

    def served(self, d: int, office: int, waits: list[float], served: list[bool]) -> None:
        """Outcomes of the background visits :meth:`visits` sent to ``office`` today."""
        rows, kind = next((r, k) for o, r, k in self._pending if o == office)
        m, cols = self.model, self.cols
        beh = m.spec.behaviour
        waits_a = np.asarray(waits)
        ok = np.asarray(served, dtype=bool)
        here = m.offices[office]
        kind = kind.copy()
        ids, trips = cols["id"][rows], cols["trips"][rows]
        kind[~ok] = ERROR + 1  # closed: a wasted trip like the others
        err = (kind == SERVED) & (self.choices.uniforms(
            ids, C.visit_slot(0, C.V_ERROR) + C.VISIT_SLOTS * (trips % C.MAX_VISIT_SLOTS))
            < here.error_rate)
        kind[err] = ERROR
        cols["trips"][rows] += 1
        left = ((self._arrival[office] + waits_a + np.where(ok, self._service[office], 0.0))
                // 1440).astype(np.int64)
        good = kind == SERVED
        if good.any():
            g = rows[good]
            ends, days = self._served_steps(g, office)
            cols["step"][g] = ends
            cols["act"][g] = PLAN
            cols["first"][g] = False
            cols["due"][g] = left[good] + days
            now = g[days == 0]
            self._plan(now, left[good][days == 0])
        bad = rows[~good]
        if len(bad):
            cols["wasted"][bad] += 1
            cols["k"][bad] = rules.learn(cols["k"][bad], beh.knowledge.learn_from_failure)
            ab = beh.abandonment
            if ab.enabled:
                pop = m.population
                trip = 2.0 * m.travel[cols["c"][bad], office] * pop.mobility[cols["row"][bad]]
                u = self.choices.uniforms(cols["id"][bad], C.visit_slot(0, C.V_ABANDON) +
                                          C.VISIT_SLOTS * ((cols["trips"][bad] - 1)
                                                           % C.MAX_VISIT_SLOTS))
                gone = u < rules.p_abandon(ab, cols["wasted"][bad], trip,
                                           pop.patience[cols["row"][bad]])
                self._end(bad[gone], abandoned=True)
                bad = bad[~gone]
            cols["first"][bad] = False
            self._schedule(bad, left[~good][np.isin(rows[~good], bad)], first=False)

    def end_of_day(self) -> None:
        """Drop finished cases from the columns (kept compact for tomorrow's scans)."""
        keep = self.cols["due"] >= 0
        if not keep.all():
            self.cols = {k: v[keep] for k, v in self.cols.items()}
        self._pending = []

    @property
    def open_cases(self) -> int:
        """Background cases still open."""
        return int((self.cols["due"] >= 0).sum())

    # ----------------------------------------------------------------------------- needs

    def _open(self, d: int) -> None:
        """Today's needs of the unsimulated residents: draw, decide the channel, append."""
        m = self.model
        gen = m.streams.generator("background_needs", d)
        counts = gen.poisson(self.rates)
        ci, pi, si = np.nonzero(counts)
        n = counts[ci, pi, si]
        total = int(n.sum())
        if total == 0:
            return
        c, p, s = (np.repeat(x, n).astype(np.int32) for x in (ci, pi, si))
        u = gen.random((total, 2))
        pop = m.population
        size = pop.group_size[c, p]
        row = pop.group_start[c, p] + (u[:, 0] * size).astype(np.int64)
        for i in np.nonzero(size == 0)[0]:  # nobody of the group simulated: the profile's
            pool = self.by_profile[p[i]]
            row[i] = pool[int(u[i, 0] * len(pool))] if len(pool) else -1
        ids = np.arange(self.next_id, self.next_id + total, dtype=np.int64)
        self.next_id += total
        keep = row >= 0
        c, p, s, row, ids, u = c[keep], p[keep], s[keep], row[keep], ids[keep], u[keep]
        need_min = d * 1440.0 + u[:, 1] * 1440.0
        self.opened += len(ids)
        beh = m.spec.behaviour
        ch = beh.channels
        k = pop.knowledge[row].copy()
        # the committee's information (and pre-check), from the background's staff time
        info = np.array([m.profiles[x].info_contact for x in p]) > \
            self.choices.uniforms(ids, C.S_INFO)
        info &= np.array([c_ in m.organisation_of and m.organisation_of[c_].offers("information")
                          for c_ in c.tolist()], dtype=bool)
        informed = self._spend(c, info, ch.information_staff_min)
        k[informed] = rules.learn(k[informed], beh.knowledge.information_effect)
        pre = informed & np.array([c_ in m.organisation_of and
                                   m.organisation_of[c_].offers("precheck")
                                   for c_ in c.tolist()], dtype=bool)
        prechecked = self._spend(c, pre, ch.precheck_staff_min)
        channel = self._channels(ids, c, p, s, row, k)
        # take-up (a need that does not become a case) would thin the rows here, by group
        in_person = channel == C.IN_PERSON
        online = channel == C.ONLINE
        if online.any():
            fail = ch.online_failure * (1 - pop.literacy[row[online]])
            back = self.choices.uniforms(ids[online], C.S_ONLINE_FAIL) < fail
            in_person[np.nonzero(online)[0][back]] = True
            online[np.nonzero(online)[0][back]] = False
        step = np.zeros(len(ids), dtype=np.int32)
        due = np.full(len(ids), d, dtype=np.int64)
        first = in_person.copy()
        for i in np.nonzero(online)[0]:  # online: the collection visit (if any) is in person
            rt = m.service(int(c[i]), m.service_names[s[i]])
            step[i] = len(rt.steps) if rt.online == "full" else len(rt.steps) - 1
            due[i] = d + ch.online_processing_days
        take = in_person | online
        self.completed += int((channel == C.PROXY).sum())  # proxies make no visits
        new = {
            "id": ids, "c": c, "p": p, "s": s, "row": row, "opened": np.full(len(ids), d),
            "need_min": need_min, "step": step, "k": k, "informed": informed,
            "prechecked": prechecked, "via": np.full(len(ids), -1), "trips": 0, "wasted": 0,
            "due": due, "act": PLAN, "first": first,
        }
        for key, t in _COLUMNS.items():
            col = np.broadcast_to(np.asarray(new[key]), (len(ids),))[take].astype(t)
            self.cols[key] = np.concatenate([self.cols[key], col])

    def _channels(self, ids, c, p, s, row, k) -> np.ndarray:
        """Each need's channel, by the simulated residents' logit, per (community, service)."""
        m = self.model
        pop, beh = m.population, m.spec.behaviour
        out = np.full(len(ids), C.IN_PERSON, dtype=object)
        u = self.choices.uniforms(ids, C.S_CHANNEL)
        key = c.astype(np.int64) * len(m.service_names) + s
        for g in np.unique(key):
            idx = np.nonzero(key == g)[0]
            ci, si = divmod(int(g), len(m.service_names))
            rt = m.service(ci, m.service_names[si])
            r = row[idx]
            lit = pop.literacy[r]
            online_open, proxy_open = m.channels_open(ci, rt, lit, p[idx],
                                                      m.organisation_of.get(ci))
            online_open = np.broadcast_to(online_open, idx.shape)
            proxy_open = np.broadcast_to(proxy_open, idx.shape)
            choosing = online_open | proxy_open
            if not choosing.any():
                continue
            travel, visits, service = m.in_person_route(ci, rt)
            for oo in (False, True):
                for po in (False, True):
                    sel = choosing & (online_open == oo) & (proxy_open == po)
                    if not sel.any():
                        continue
                    rs = r[sel]
                    per_visit = 2 * travel * pop.mobility[rs] + visits * pop.expectation[rs] + \
                        service
                    costs = rules.channel_costs(beh.channels, beh.knowledge, rt.online, visits,
                                                per_visit, k[idx][sel], lit[sel], oo, po)
                    prior = 100 * pop.trust[rs]
                    memory = {n: np.array([self._memory(x, n, q) for x, q in
                                           zip(rs.tolist(), prior.tolist(), strict=True)])
                              for n in costs}
                    util = rules.channel_utilities(beh.channels, costs, memory, prior)
                    out[idx[sel]] = rules.logit_draw(util, u[idx][sel])
        return out

    def _memory(self, row: int, channel: str, prior: float) -> float:
        res = self.model.residents.get(row)
        return prior if res is None else res.channel_memory.get(channel, prior)

    def _spend(self, c: np.ndarray, want: np.ndarray, minutes: float) -> np.ndarray:
        """Grant ``minutes`` of the background's committee time to the wanting rows, in order.

        Returns:
            Which rows got it (a row is refused once its community's time is spent).
        """
        got = np.zeros(len(c), dtype=bool)
        for ci in np.unique(c[want]):
            idx = np.nonzero(want & (c == ci))[0]
            n = min(len(idx), int(self.staff[ci] // minutes)) if minutes > 0 else len(idx)
            got[idx[:n]] = True
            self.staff[ci] -= n * minutes
        return got

    # ----------------------------------------------------------------------------- steps

    def _group(self, c: int, s: int, step: int) -> tuple:
        """Routing of step ``step`` of service ``s`` for community ``c`` today (memoised).

        Returns:
            ``(next, department, relayable)`` where ``next`` is the first step from ``step``
            the resident must do (the service's length: nothing left).
        """
        key = ("g", c, s, step)
        hit = self._memo.get(key)
        if hit is None:
            m = self.model
            rt = m.service(c, m.service_names[s])
            i = step
            while i < len(rt.steps) and m.step_skippable(c, rt.steps[i]):
                i += 1
            hit = self._memo[key] = (i, rt.steps[i].department if i < len(rt.steps) else "",
                                     i < len(rt.steps) and rt.steps[i].relayable, len(rt.steps))
        return hit

    def _plan(self, rows: np.ndarray, day) -> None:
        """Plan the next step of ``rows`` on ``day`` (an int or one per row)."""
        if len(rows) == 0:
            return
        m, cols = self.model, self.cols
        day = np.broadcast_to(np.asarray(day, dtype=np.int64), rows.shape)
        info = [self._group(int(a), int(b), int(x)) for a, b, x in
                zip(cols["c"][rows], cols["s"][rows], cols["step"][rows], strict=True)]
        nxt = np.array([g[0] for g in info], dtype=np.int32)
        done = nxt >= np.array([g[3] for g in info])
        cols["step"][rows] = nxt
        self._end(rows[done], abandoned=False)
        relayable = np.array([g[2] for g in info], dtype=bool) & ~done
        ch = m.spec.behaviour.channels
        relay = np.zeros(len(rows), dtype=bool)
        if relayable.any():
            want = relayable & cols["informed"][rows] & np.array(
                [int(x) in m.organisation_of and m.organisation_of[int(x)].offers("relay")
                 for x in cols["c"][rows]], dtype=bool)
            relay = self._spend(cols["c"][rows], want, ch.relay_staff_min)
        r = rows[relay]
        cols["step"][r] += 1
        cols["due"][r] = day[relay] + max(1, ch.proxy_days)
        cols["act"][r] = PLAN
        cols["first"][r] = False
        go = ~done & ~relay
        self._schedule(rows[go], day[go], first=None)

    def _schedule(self, rows: np.ndarray, day, first) -> None:
        """Plan a visit of ``rows`` for a later day (or, if visits are immediate, now)."""
        if len(rows) == 0:
            return
        m, cols = self.model, self.cols
        day = np.broadcast_to(np.asarray(day, dtype=np.int64), rows.shape)
        first = cols["first"][rows] if first is None else np.full(len(rows), first)
        if m.walk_in_centres:
            self._choose_via(rows[cols["via"][rows] < 0])
        if m.spec.behaviour.visits.timing == "immediate" and first.any():
            for i in np.nonzero(first)[0]:
                r = rows[i]
                c, s, step, via = (int(cols[x][r]) for x in ("c", "s", "step", "via"))
                office = m.offices[m.route_office(c, self._group(c, s, step)[1],
                                                  via if via >= 0 else None)]
                t = office.queue.next_open(float(cols["need_min"][r]))
                cols["due"][r] = -1 if t is None else int(t // 1440)
                cols["need_min"][r] = np.nan if t is None else t
            later = ~first
        else:
            later = np.ones(len(rows), dtype=bool)
        r = rows[later]
        slot = np.where(first[later], C.S_FIRST_DELAY,
                        C.visit_slot(0, C.V_DELAY) + C.VISIT_SLOTS *
                        (cols["trips"][r] % C.MAX_VISIT_SLOTS))
        mean = np.array([p.delay_days_mean for p in m.profiles])[cols["p"][r]]
        cols["due"][r] = day[later] + rules.delay_days(self.choices.uniforms(cols["id"][r], slot),
                                                       mean)
        cols["need_min"][r] = np.nan  # a planned visit: its minute is drawn on the day
        cols["act"][rows] = VISIT
        gone = rows[cols["due"][rows] < 0]
        self._end(gone, abandoned=False)

    def _choose_via(self, rows: np.ndarray) -> None:
        m, cols = self.model, self.cols
        if len(rows) == 0:
            return
        u = self.choices.uniforms(cols["id"][rows], C.S_VIA)
        for i, r in enumerate(rows.tolist()):
            c, s = int(cols["c"][r]), int(cols["s"][r])
            key = ("via", c, s, int(cols["step"][r]))
            if key not in self._memo:
                self._memo[key] = m.walk_in_centre(c, m.service(c, m.service_names[s]),
                                                   int(cols["step"][r]))
            best = self._memo[key]
            if best is not None and u[i] < cols["k"][r]:
                cols["via"][r] = best

    def _visit_group(self, c: int, s: int, step: int, via: int) -> tuple:
        """What a visit for ``step`` is today: right and wrong office, span, documents."""
        key = ("v", c, s, step, via)
        hit = self._memo.get(key)
        if hit is None:
            m = self.model
            rt = m.service(c, m.service_names[s])
            dept = rt.steps[step].department
            right = m.route_office(c, dept, via if via >= 0 else None)
            end = m.visit_span(c, rt, step, right)
            dist, docs = m.span_service(c, rt, step, end)
            hit = self._memo[key] = (right, m.routes.wrong(c, dept), end, dist, len(docs),
                                     m.span_processing_days(c, rt, step, end))
        return hit

    def _go(self, rows: np.ndarray, d: int) -> dict[int, tuple[list[float], list[float]]]:
        """Today's visits of ``rows``: which office, what outcome so far, when, how long."""
        out: dict[int, tuple[list[float], list[float]]] = {}
        if len(rows) == 0:
            return out
        m, cols = self.model, self.cols
        beh = m.spec.behaviour
        kn = beh.knowledge
        # steps removed or shared since the visit was planned: plan again
        skip = np.array([self._group(int(a), int(b), int(x))[0] != int(x) for a, b, x in
                         zip(cols["c"][rows], cols["s"][rows], cols["step"][rows], strict=True)],
                        dtype=bool)
        if skip.any():
            self._plan(rows[skip], d)
            rows = rows[~skip]
        groups = [self._visit_group(int(a), int(b), int(x), int(v)) for a, b, x, v in
                  zip(cols["c"][rows], cols["s"][rows], cols["step"][rows], cols["via"][rows],
                      strict=True)]
        right = np.array([g[0] for g in groups], dtype=np.int64)
        open_today = np.array([m.offices[o].is_open(d) for o in range(len(m.offices))])
        closed = ~open_today[right] & np.isnan(cols["need_min"][rows])
        if closed.any():  # the office changed since the visit was planned: its next open day
            cols["due"][rows[closed]] = d + 1
            rows, right = rows[~closed], right[~closed]
            groups = [g for g, x in zip(groups, closed, strict=True) if not x]
        if len(rows) == 0:
            return out
        c, k, ids = cols["c"][rows], cols["k"][rows], cols["id"][rows]
        base = C.VISIT_SLOTS * (cols["trips"][rows] % C.MAX_VISIT_SLOTS) + C.VISIT_BASE
        uni = self.choices.uniforms
        wrong = uni(ids, base + C.V_WRONG) < rules.p_wrong_office(kn, k,
                                                                   m.wrong_office_factor[c])
        n_docs = np.array([g[4] for g in groups])
        missing = ~wrong & (n_docs > 0) & (uni(ids, base + C.V_MISSING) < rules.p_missing_documents(
            kn, k, m.missing_document_factor[c], cols["prechecked"][rows], n_docs))
        kind = np.where(wrong, WRONG, np.where(missing, MISSING, SERVED))
        office = np.where(wrong, np.array([g[1] for g in groups]), right)
        # arrival: a minute within the intended office's hours (or the immediate moment)
        a = np.array([m.offices[o].day_open[d][0][0] if open_today[o] else 0.0 for o in right])
        b = np.array([m.offices[o].day_open[d][-1][1] if open_today[o] else 0.0 for o in right])
        arrival = a + (b - a) * uni(ids, base + C.V_ARRIVAL) ** beh.visits.arrival_skew
        fixed = ~np.isnan(cols["need_min"][rows])
        arrival[fixed] = cols["need_min"][rows][fixed]
        cols["need_min"][rows] = np.nan
        us = self.service_draws.uniforms(ids, base)
        service = np.empty(len(rows))
        dists = [m.redirect if kd != SERVED else g[3] for kd, g in
                 zip(kind.tolist(), groups, strict=True)]
        by_dist: dict[int, list[int]] = {}
        for i, dist in enumerate(dists):
            by_dist.setdefault(id(dist), []).append(i)
        for idx in by_dist.values():
            service[idx] = dists[idx[0]].sample_many(us[idx].tolist())
        scale = np.array([o.service_scale for o in m.offices])[office]
        service = np.where(kind == SERVED, service * scale, service)
        self._arrival, self._service = {}, {}
        cols["due"][rows] = -2  # in an office today; set again by served()
        for o in np.unique(office):
            sel = office == o
            self._pending.append((int(o), rows[sel], kind[sel]))
            self._arrival[int(o)], self._service[int(o)] = arrival[sel], service[sel]
            out[int(o)] = (arrival[sel].tolist(), service[sel].tolist())
        return out

    def _served_steps(self, rows: np.ndarray, office: int) -> tuple[np.ndarray, np.ndarray]:
        """Step reached and back-office days after a served visit of ``rows``."""
        cols = self.cols
        groups = [self._visit_group(int(a), int(b), int(x), int(v)) for a, b, x, v in
                  zip(cols["c"][rows], cols["s"][rows], cols["step"][rows], cols["via"][rows],
                      strict=True)]
        return (np.array([g[2] for g in groups], dtype=np.int32),
                np.array([g[5] for g in groups], dtype=np.int64))

    def _end(self, rows: np.ndarray, abandoned: bool) -> None:
        """Close ``rows`` (completed or abandoned): they leave the columns at the day's end."""
        if len(rows) == 0:
            return
        live = rows[self.cols["due"][rows] >= -2]
        self.cols["due"][live] = -9
        if abandoned:
            self.abandoned += len(live)
        else:
            self.completed += len(live)
