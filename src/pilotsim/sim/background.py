"""The unsimulated residents' demand at the real counters (``sim.sample_fraction`` < 1).

With a sample fraction f, a share f of residents is simulated in full (agents, cases, records)
and the other 1 − f are represented by this module: their needs arise as their own Poisson
process, and each need is followed through its life as a row of a few NumPy columns — the
*background case* — that makes real visits to real offices, which queue with the simulated
residents' visits but are not recorded.

Design (why a background case, not a visit count):

* **Needs, not visits, are drawn.** Independent Poisson counts per community × profile ×
  service × day at the configured rates, for the unsimulated residents of each group
  (:func:`pilotsim.sim.population.group_sizes` at f = 1 minus the simulated ones). A need is a
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
  :mod:`pilotsim.sim.decisions`; the routing (skippable steps, which office, what a visit covers,
  what it takes to carry, processing days, walk-in centres, channel eligibility and the
  in-person route) are :class:`~pilotsim.sim.model.PilotModel`'s group-level methods. The
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
decided in :meth:`BackgroundDemand._open`, where the channel is chosen. Which office a visit
goes to is the simulated residents' rule too: the group's options
(:meth:`~pilotsim.sim.model.PilotModel.office_options`), a walk-in centre only for those who know
of it, and the pick by travel plus expected waits
(:meth:`~pilotsim.sim.model.PilotModel.choose_offices`), for a day's rows in one call; then
:meth:`~pilotsim.sim.model.PilotModel.route_office`, which both populations call.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from pilotsim.sim import cases as C  # noqa: N812  (slot constants)
from pilotsim.sim import decisions as rules
from pilotsim.sim import takeup
from pilotsim.sim.population import group_sizes
from pilotsim.sim.records import Outcome
from pilotsim.sim.rng import uniforms_by_column

if TYPE_CHECKING:
    from pilotsim.sim.model import PilotModel

PLAN, VISIT = 0, 1  # what a row does on its due day: plan its next step, or go to an office
NO_VIA = -2  # the "via" column's None (C.VIA_DESKS is -1, offices are 0 and up)
SERVED, WRONG, MISSING, ERROR, CLOSED = Outcome  # the simulated residents' codes
_KEY_BASE = 32768  # a group key's radix: group columns are small ints, -2 (NO_VIA) and up
_KEY_OFFSET = [sum(_KEY_BASE ** j for j in range(n)) for n in range(6)]  # Σ 32768^j, j < n
_NO_KEYS = np.empty(0, dtype=np.int64)
_OPEN_SLOTS = np.array([C.S_INFO, C.S_CHANNEL, C.S_ONLINE_FAIL])  # a need's draws at _open
_GO_SLOTS = np.array([C.V_WRONG, C.V_MISSING, C.V_ARRIVAL, 0])  # a visit's, from its base
_RESOLVE_SLOTS = np.array([C.V_ERROR, C.V_ABANDON])
_IN_PERSON, _ONLINE, _PROXY = (C.CHANNEL_COLUMN[x] for x in (C.IN_PERSON, C.ONLINE, C.PROXY))
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
        # the groups of a non-zero rate, in C order, as (community, profile, service) columns:
        # only they are drawn (NumPy's Poisson of a zero rate is 0 and draws nothing, so the
        # counts and the stream after them are those of drawing every group)
        cells = np.nonzero(self.rates)
        self._cell_rates = self.rates[cells]
        self._cells = np.stack(cells).astype(np.int32)
        self.by_profile = [np.nonzero(pop.profile == i)[0] for i in range(len(model.profiles))]
        self.delay_mean = np.array([p.delay_days_mean for p in model.profiles])
        self.info_contact = np.array([p.info_contact for p in model.profiles])
        self.next_id = 0
        # columns with spare capacity; rows [0, n) are in use, finished ones marked by due < 0
        self.n = 0
        self.cols = {k: np.full(1024, -9 if k == "due" else 0, dtype=t)
                     for k, t in _COLUMNS.items()}
        self.choices = model.streams.counter("background")
        self.service_draws = model.streams.counter("background_service")
        self.staff_share = (1 - f) / f if f < 1 else 0.0
        self.staff = np.zeros(len(model.community_names))
        self.proxy_backlog = np.zeros(len(model.community_names))  # staff minutes owed
        # today's visits (rows, kind, office, arrival, service; sorted by office), each
        # office's slice of them, and the queue's outcomes written into those slices
        self._today: list[tuple[np.ndarray, ...]] = []
        self._slices: dict[int, tuple[int, int]] = {}
        self._waits, self._ok = np.zeros(0), np.zeros(0, dtype=bool)
        self._memo: dict = {}
        self._recheck_until = -1  # last day a visit planned before the world changed is due
        self._plans: list = []  # office options per group (see _choose_offices)
        self._plan_cache: tuple | None = None
        self._dists: list = []
        self._dist_ids: dict[int, int] = {}
        self.opened = self.completed = self.abandoned = self.not_pursued = 0

    # ----------------------------------------------------------------------------- the day

    def visits(self, d: int) -> dict[int, tuple[list[float], list[float]]]:
        """Open today's needs and act on the cases due today; today's visits per office.

        Returns:
            ``{office index: (arrival minutes, service minutes)}`` of the background visits
            to serve today. Their outcomes come back through :meth:`served`, office by
            office, and take effect at :meth:`end_of_day`.
        """
        if not self.active:
            return {}
        m = self.model
        if m.world_may_have_changed(d):
            self._memo = {}
            # the visits planned so far were planned in the old world: _go checks their steps
            # until the last of them is due (visits planned from now on are current)
            cols = self.cols
            planned = (cols["act"][:self.n] == VISIT) & (cols["due"][:self.n] >= 0)
            self._recheck_until = int(cols["due"][:self.n][planned].max(initial=-1))
            self._plans, self._plan_cache = [], None
            orgs = [m.organisation_of.get(c) for c in range(len(m.community_names))]
            self._simulated_staff = np.array([0.0 if o is None else o.staff_min_per_day
                                              for o in orgs])
            self.offers = {fn: np.array([o is not None and o.offers(fn) for o in orgs],
                                        dtype=bool)
                           for fn in ("information", "precheck", "proxy", "relay")}
        # the committees' time left to the unsimulated residents: a share 1 − f a day, unused
        # time carried over up to the simulated residents' share (as Organisation.start_day)
        simulated = self._simulated_staff
        self.staff = simulated * self.staff_share + np.minimum(self.staff, simulated)
        self._open(d)
        cols = self.cols
        due = np.nonzero(cols["due"][:self.n] == d)[0]
        ab = m.spec.behaviour.abandonment
        if ab.enabled and len(due):
            late = d - cols["opened"][due] > ab.max_case_days
            self._end(due[late], abandoned=True)
            due = due[~late]
        self._schedule(*self._plan(due[cols["act"][due] == PLAN], d))
        n = self.n
        return self._go(np.nonzero((cols["due"][:n] == d) & (cols["act"][:n] == VISIT))[0], d)

    def served(self, office: int, waits: list[float], served: list[bool]) -> None:
        """Queue outcomes of the background visits :meth:`visits` sent to ``office``.

        They take effect at :meth:`end_of_day`, once every office has served its day.
        """
        a, b = self._slices[office]
        self._waits[a:b] = waits
        self._ok[a:b] = served

    def end_of_day(self) -> None:
        """Resolve today's background visits (outcome, next step, giving up); compact."""
        if not self.n:  # no background case (f = 1): nothing to resolve or compact
            return
        if self._today:
            self._resolve()
        keep = self.cols["due"][:self.n] >= 0
        live = int(keep.sum())
        if live < self.n // 2:  # compact when half the rows are finished
            for col in self.cols.values():
                col[:live] = col[:self.n][keep]
            self.cols["due"][live:self.n] = -9
            self.n = live

    @property
    def open_cases(self) -> int:
        """Background cases still open."""
        return int((self.cols["due"][:self.n] >= 0).sum())

    # ----------------------------------------------------------------------------- needs

    def _open(self, d: int) -> None:
        """Today's needs of the unsimulated residents: draw, decide the channel, append."""
        m = self.model
        gen = m.streams.generator("background_needs", d)
        counts = gen.poisson(self._cell_rates)
        hit = np.nonzero(counts)[0]
        n = counts[hit]
        total = int(n.sum())
        if total == 0:
            return
        c, p, s = np.repeat(self._cells[:, hit], n, axis=1)
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
        if not keep.all():
            c, p, s, row, ids, u = c[keep], p[keep], s[keep], row[keep], ids[keep], u[keep]
        self.opened += len(ids)
        beh = m.spec.behaviour
        ch = beh.channels
        k = pop.knowledge[row]  # a copy: fancy indexing
        u_info, u_channel, u_fail = self.choices.uniforms(
            ids[:, None], _OPEN_SLOTS).T
        # the committee's information (and pre-check), from the background's staff time
        ask = (u_info < self.info_contact[p]) & self.offers["information"][c]
        informed = self._spend(c, ask, ch.information_staff_min)
        k[informed] = rules.learn(k[informed], beh.knowledge.information_effect)
        prechecked = self._spend(c, informed & self.offers["precheck"][c],
                                 ch.precheck_staff_min)
        (n_steps, steps, online_offered, proxy_offered, online_upto, online_days,
         *route, docs) = self._service_table(c, s)
        full = online_upto >= n_steps
        channel, pursued = self._channels(u_channel, c, p, row, k, full, online_offered,
                                          proxy_offered, prechecked, ids, route, docs)
        self.not_pursued += int((~pursued).sum())
        online = channel == _ONLINE
        if online.any():
            fail = ch.online_failure * (1 - pop.literacy[row[online]])
            back = np.nonzero(online)[0][u_fail[online] < fail]
            channel[back] = _IN_PERSON
            online[back] = False
        in_person = channel == _IN_PERSON
        step = np.where(online, online_upto, 0).astype(np.int32)
        due = np.where(online, d + ch.online_processing_days + online_days, d)
        proxy = (channel == _PROXY) & pursued
        if proxy.any():  # no visits, but committee time: each step the resident need not do
            self.completed += int(proxy.sum())
            self.proxy_backlog += np.bincount(c[proxy], weights=steps[proxy] * ch.proxy_staff_min,
                                              minlength=len(self.staff))
        pay = np.minimum(self.staff, self.proxy_backlog)  # submitted as staff time allows
        self.staff -= pay
        self.proxy_backlog -= pay
        take = (in_person | online) & pursued
        new = {
            "id": ids, "c": c, "p": p, "s": s, "row": row, "opened": d,
            "need_min": d * 1440.0 + u[:, 1] * 1440.0, "step": step, "k": k,
            "informed": informed, "prechecked": prechecked, "via": NO_VIA, "trips": 0,
            "wasted": 0, "due": due, "act": PLAN, "first": in_person,
        }
        a, b = self.n, self.n + int(take.sum())
        if b > len(self.cols["id"]):
            size = 2 * b
            self.cols = {k: np.concatenate([v, np.full(size - len(v), -9 if k == "due" else 0,
                                                       dtype=v.dtype)])
                         for k, v in self.cols.items()}
        for key, value in new.items():
            self.cols[key][a:b] = value[take] if isinstance(value, np.ndarray) else value
        self.n = b

    def _service_table(self, c: np.ndarray, s: np.ndarray) -> tuple[np.ndarray, ...]:
        """Per row, its service as its community sees it: a table of ten columns.

        Steps in all, steps to do (not skippable), online offered, proxy offered, what an
        online application covers (:meth:`PilotModel.online_application`: steps up to,
        processing days), the in-person route (:meth:`PilotModel.in_person_route`: travel,
        visits, service) and the documents to gather
        (:meth:`PilotModel.documents_to_gather`). One table for all that a need's
        (community, service) decides: one lookup a day instead of one for each.
        """
        m = self.model

        def one(ci: int, si: int) -> tuple:
            rt = m.service(ci, m.service_names[si])
            return (len(rt.steps), sum(not m.step_skippable(ci, st) for st in rt.steps),
                    rt.online != "none", rt.proxy, *m.online_application(ci, rt),
                    *m.in_person_route(ci, rt), m.documents_to_gather(ci, rt))

        return tuple(self._lookup("service", one, c, s))  # ints, bools, floats as they come

    def _channels(self, u, c, p, row, k, full, on, px, prechecked, ids, route,
                  docs) -> tuple[np.ndarray, np.ndarray]:
        """Each need's channel by the simulated residents' logit, and whether it is pursued.

        The channel as its column in :data:`pilotsim.sim.cases.CHANNEL_COLUMN` (a small int).

        Both for the whole day in one call: the take-up decision is the model's
        (:meth:`~pilotsim.sim.lifecycle.CaseLifecycle._pursues`: the same burden from the same
        channel costs, documents and pre-check, drawn from the need's own ``S_PURSUE`` slot).
        """
        m = self.model
        pop, beh = m.population, m.spec.behaviour
        out = np.full(len(u), _IN_PERSON, dtype=np.int8)
        pursued = np.ones(len(u), dtype=bool)

        lit = pop.literacy[row]
        online_open, proxy_open = m.channels_open(c, p, lit, on, px, self.offers["proxy"][c])
        choosing = online_open | proxy_open
        # take-up needs every need's costs (all rows, not gathered); the logit those with a choice
        i = np.nonzero(choosing)[0]
        every = beh.takeup.enabled
        if not every and len(i) == 0:
            return out, pursued
        r = row if every else row[i]
        travel, visits, service, full, k_i, lit, online_open, proxy_open = (
            x if every else x[i] for x in (*route, full, k, lit, online_open, proxy_open))
        per_visit = 2 * travel * pop.mobility[r] + visits * pop.expectation[r] + service
        costs = rules.channel_costs(beh.channels, beh.knowledge, full, visits,
                                    per_visit, k_i, lit, online_open, proxy_open)
        columns = np.array([C.CHANNEL_COLUMN[name] for name in costs], dtype=np.int8)
        cost = np.column_stack(list(costs.values()))  # rows × channels, for all the rules
        if every:
            share = np.where(prechecked, 1 - beh.knowledge.precheck_effect, 1.0)
            burden = takeup.burden_min(
                beh.takeup, takeup.channel_burden_min(cost, beh.channels.choice_scale_min),
                k, docs, share)
            u_pursue = self.choices.uniforms(ids, C.S_PURSUE)
            pursued = u_pursue < takeup.pursue_probability(beh.takeup, burden)
            if len(i) == 0:  # the logit for those with a choice, as in the model
                return out, pursued
            r, cost = r[i], cost[i]
        # the representative's memory of each channel; an untried one: 100 × trust
        x = pop.channel_memory[r][:, columns]
        memory = np.where(x != x, 100 * pop.trust[r][:, None], x)
        util = rules.channel_utilities(beh.channels, cost, memory)
        out[i] = columns[rules.logit_draw(util, u[i])]
        return out, pursued

    def _spend(self, c: np.ndarray, want: np.ndarray, minutes: float) -> np.ndarray:
        """Grant ``minutes`` of the background's committee time to wanting rows, in order.

        Returns:
            Which rows got it (a row is refused once its community's time is spent).
        """
        got = want.copy()
        if minutes <= 0 or not want.any():
            return got
        idx = np.nonzero(want)[0]
        wanted = np.bincount(c[idx], minlength=len(self.staff))
        if (wanted <= self.staff // minutes).all():  # time for everyone (the usual day)
            self.staff -= minutes * wanted
            return got
        order = np.argsort(c[idx], kind="stable")
        cs = c[idx][order]
        rank = np.arange(len(cs)) - np.searchsorted(cs, cs)  # place in its community's line
        ok = rank < self.staff[cs] // minutes
        got[idx[order[~ok]]] = False
        self.staff -= minutes * np.bincount(cs[ok], minlength=len(self.staff))
        return got

    # ----------------------------------------------------------------------------- steps

    def _lookup(self, name: str, fn, *cols: np.ndarray) -> list[np.ndarray]:
        """``fn`` of each row's group (the integer columns ``cols``), computed once per group.

        Results are kept per ``name`` in a table sorted by group key until the world may have
        changed (:meth:`~pilotsim.sim.model.PilotModel.world_may_have_changed`); rows find
        their group by binary search, so only groups never seen before cost a Python call.
        Each of ``fn``'s returned fields comes back as an array over the rows.
        """
        # the key Σ (col + 1) · 32768^j, written as one int64 array updated in place: the
        # +1s add up to a constant added once (a few NumPy calls a lookup instead of ~4 a column)
        key = cols[0].astype(np.int64)
        for col in cols[1:]:
            key *= _KEY_BASE
            key += col
        key += _KEY_OFFSET[len(cols)]
        known, fields = self._memo.get(name, (_NO_KEYS, None))
        if len(known):
            pos = known.searchsorted(key)
            np.minimum(pos, len(known) - 1, out=pos)
            found = known[pos] == key
        else:
            pos, found = key, np.zeros(len(key), dtype=bool)
        if not found.all():
            new, first = np.unique(key[~found], return_index=True)
            at = np.nonzero(~found)[0][first]
            vals = [fn(*(int(col[i]) for col in cols)) for i in at.tolist()]
            add = [np.array([v[j] for v in vals], dtype=object if not isinstance(
                vals[0][j], (int, float, bool, str)) else None) for j in range(len(vals[0]))]
            merged = np.concatenate([known, new])
            order = np.argsort(merged, kind="stable")
            fields = [np.concatenate([old, a])[order] for old, a in
                      zip(fields, add, strict=True)] if fields is not None else \
                [a[order] for a in add]
            known = merged[order]
            self._memo[name] = (known, fields)
            pos = np.searchsorted(known, key)
        return [f[pos] for f in fields]

    def _next_step(self, c: int, s: int, step: int) -> tuple:
        """The first step from ``step`` the resident must do: relayable, steps, its days."""
        m = self.model
        rt = m.service(c, m.service_names[s])
        i = m.next_step_to_do(c, rt, step)
        due = i < len(rt.steps)
        return (i, due and rt.steps[i].relayable, len(rt.steps),
                rt.steps[i].processing_days if due else 0)

    def _plan(self, rows: np.ndarray, day: int | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Plan the next step of ``rows`` on ``day`` (an int or one per row).

        Returns:
            The rows that visit an office next and their days, for :meth:`_schedule`: the
            caller schedules them, with others of the moment in the same call (what a row's
            visit is planned to be depends on the row alone).
        """
        if len(rows) == 0:
            return rows, _NO_KEYS
        m, cols = self.model, self.cols
        if not isinstance(day, np.ndarray):  # one day for all: as an array (cheaper than
            day = np.full(len(rows), day, dtype=np.int64)  # np.broadcast_to's view)
        c = cols["c"][rows]
        nxt, relayable, n_steps, days = self._lookup("next", self._next_step, c,
                                                     cols["s"][rows], cols["step"][rows])
        cols["step"][rows] = nxt
        done = nxt >= n_steps
        self._end(rows[done], abandoned=False)
        ch = m.spec.behaviour.channels
        relay = self._spend(c, relayable.astype(bool) & ~done & cols["informed"][rows] &
                            self.offers["relay"][c], ch.relay_staff_min)
        r = rows[relay]
        cols["step"][r] += 1
        # the certificate comes back after the relay and the step's processing days
        cols["due"][r] = day[relay] + max(1, ch.proxy_days) + days[relay]
        cols["act"][r] = PLAN
        cols["first"][r] = False
        go = ~done & ~relay
        return rows[go], day[go]

    def _schedule(self, rows: np.ndarray, day: np.ndarray) -> None:
        """Plan a visit of ``rows`` for a later day (or, if visits are immediate, now).

        ``day`` is one per row; each row's plan depends on its own columns and draws only,
        so rows of different origins may be scheduled in one call.
        """
        if len(rows) == 0:
            return
        m, cols = self.model, self.cols
        first = cols["first"][rows]
        self._choose_offices(rows)
        later = np.ones(len(rows), dtype=bool)
        if m.spec.behaviour.visits.timing == "immediate" and first.any():
            for i in np.nonzero(first)[0]:  # at the moment the need arose
                r = rows[i]
                right = self._lookup("visit", self._visit_group, *(
                    cols[x][[r]] for x in ("c", "s", "step", "via")))[0][0]
                t = m.offices[int(right)].queue.next_open(float(cols["need_min"][r]))
                cols["due"][r] = -1 if t is None else int(t // 1440)
                cols["need_min"][r] = np.nan if t is None else t
            later = ~first
        r = rows[later]
        slot = np.where(first[later], C.S_FIRST_DELAY, C.VISIT_BASE + C.V_DELAY +
                        C.VISIT_SLOTS * (cols["trips"][r] % C.MAX_VISIT_SLOTS))
        cols["due"][r] = day[later] + rules.delay_days(
            self.choices.uniforms(cols["id"][r], slot), self.delay_mean[cols["p"][r]])
        cols["need_min"][r] = np.nan  # a planned visit: its minute is drawn on the day
        cols["act"][rows] = VISIT
        cols["first"][rows] = False
        self._end(rows[cols["due"][rows] < 0], abandoned=False)  # no open day left

    def _choose_offices(self, rows: np.ndarray) -> None:
        """Where each row takes its next visit, by the simulated residents' rule.

        The options and plans are the group's (:meth:`PilotModel.office_options`, kept per
        community, service and step); the walk-in centre is an option for a row whose
        resident knows of it (its ``S_VIA`` draw under its knowledge); the pick is
        :meth:`PilotModel.choose_offices` (travel plus expected waits, a logit drawn from the
        row's ``V_OFFICE`` uniform of the visit) for all rows with a choice at once. As for a
        simulated case, the choice is made anew for every visit.
        """
        m, cols = self.model, self.cols
        cols["via"][rows] = NO_VIA
        if len(rows) == 0 or (not m.walk_in_centres and not m.routes.preferred):
            return
        (g,) = self._lookup("plans", self._plan_group, cols["c"][rows], cols["s"][rows],
                            cols["step"][rows])
        g = g.astype(np.int64)
        plans, vias, centre = self._plan_arrays()
        n_options = (vias[g] != NO_VIA - 1).sum(axis=1)
        has = n_options > 1
        if not has.any():
            return
        rows, g = rows[has], g[has]
        available = vias[g] != NO_VIA - 1
        ids = cols["id"][rows]
        known = self.choices.uniforms(ids, C.S_VIA) < cols["k"][rows]
        at = centre[g]
        unknown = np.nonzero((at >= 0) & ~known)[0]
        available[unknown, at[unknown]] = False
        choose = available.sum(axis=1) > 1
        rows, g, available, ids = rows[choose], g[choose], available[choose], ids[choose]
        if len(rows) == 0:
            return
        pop, person = m.population, cols["row"][rows]
        u = self.choices.uniforms(ids, C.VISIT_BASE + C.V_OFFICE + C.VISIT_SLOTS * (
            cols["trips"][rows] % C.MAX_VISIT_SLOTS))
        pick = m.choose_offices(cols["c"][rows], plans[g], available, pop.mobility[person],
                                pop.expectation[person], u)
        cols["via"][rows] = vias[g, pick]

    def _plan_group(self, c: int, s: int, step: int) -> tuple:
        """A number for the options of residents of ``c`` at ``step`` of service ``s``."""
        m = self.model
        self._plans.append(m.office_options(c, m.service(c, m.service_names[s]), step))
        return (len(self._plans) - 1,)

    def _plan_arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The groups' options as arrays: plans (padded with -1), via codes, centre option.

        Via codes: ``NO_VIA`` for the community's route, ``C.VIA_DESKS``, an office index,
        or ``NO_VIA - 1`` for a missing option. Rebuilt when groups were added.
        """
        if self._plan_cache is None or len(self._plan_cache[1]) < len(self._plans):
            width = max((len(p) for _, plans, _ in self._plans for p in plans), default=1)
            n = max((len(plans) for _, plans, _ in self._plans), default=1)
            plans = np.full((len(self._plans), n, width), -1, dtype=np.int64)
            vias = np.full((len(self._plans), n), NO_VIA - 1, dtype=np.int64)
            for i, (vs, ps, _) in enumerate(self._plans):
                for j, (v, p) in enumerate(zip(vs, ps, strict=True)):
                    plans[i, j, :len(p)] = p
                    vias[i, j] = NO_VIA if v is None else v
            centre = np.array([x for _, _, x in self._plans], dtype=np.int64)
            self._plan_cache = (plans, vias, centre)
        return self._plan_cache

    def _visit_group(self, c: int, s: int, step: int, via: int) -> tuple:
        """What a visit for ``step`` is today: right and wrong office, span, documents."""
        m = self.model
        rt = m.service(c, m.service_names[s])
        dept = rt.steps[step].department
        right = m.route_office(c, dept, None if via == NO_VIA else via)
        end, dist, docs, days = m.visit_effect(c, rt, step, right)
        return right, m.routes.wrong(c, dept), end, self._dist_index(dist), len(docs), days

    def __setstate__(self, state: dict) -> None:
        """Restore a pickled copy (:mod:`pilotsim.sim.snapshot`) with its own ids.

        The numbers of the service-time distributions are keyed by object id, and the copy's
        objects have ids of their own: kept as pickled, a stale id could name another
        distribution made later at the same address.
        """
        self.__dict__.update(state)
        self._dist_ids = {id(dist): i for i, dist in enumerate(self._dists)}

    def _dist_index(self, dist) -> int:
        """A number for a service-time distribution (the list keeps it alive: ids stay unique)."""
        i = self._dist_ids.get(id(dist))
        if i is None:
            i = self._dist_ids[id(dist)] = len(self._dists)
            self._dists.append(dist)
        return i

    def _go(self, rows: np.ndarray, d: int) -> dict[int, tuple[list[float], list[float]]]:
        """Today's visits of ``rows``: which office, what outcome so far, when, how long."""
        out: dict[int, tuple[list[float], list[float]]] = {}
        if len(rows) == 0:
            return out
        m, cols = self.model, self.cols
        beh = m.spec.behaviour
        kn = beh.knowledge
        if d <= self._recheck_until:  # steps removed or shared since the visit was planned
            step = cols["step"][rows]
            nxt, *_ = self._lookup("next", self._next_step, cols["c"][rows], cols["s"][rows],
                                   step)
            skip = nxt != step
            if skip.any():  # plan again
                self._schedule(*self._plan(rows[skip], d))
                rows = rows[~skip]
        right, wrong_office, end, dist, n_docs, days = self._lookup(
            "visit", self._visit_group, *(cols[x][rows] for x in ("c", "s", "step", "via")))
        right = right.astype(np.int64)
        open_today = np.array([o.is_open(d) for o in m.offices])
        closed = ~open_today[right] & np.isnan(cols["need_min"][rows])
        if closed.any():  # the office changed since the visit was planned: its next open day
            cols["due"][rows[closed]] = d + 1
            keep = ~closed
            rows, right, wrong_office = rows[keep], right[keep], wrong_office[keep]
            dist, n_docs, end, days = dist[keep], n_docs[keep], end[keep], days[keep]
        if len(rows) == 0:
            return out
        c, k, ids = cols["c"][rows], cols["k"][rows], cols["id"][rows]
        base = C.VISIT_BASE + C.VISIT_SLOTS * (cols["trips"][rows] % C.MAX_VISIT_SLOTS)
        u_wrong, u_missing, u_arrival, us = uniforms_by_column(
            [self.choices] * 3 + [self.service_draws], ids,
            base[:, None] + _GO_SLOTS).T
        wrong = u_wrong < rules.p_wrong_office(kn, k, m.wrong_office_factor[c])
        n_docs = n_docs.astype(np.int64)
        missing = ~wrong & (n_docs > 0) & (u_missing < rules.p_missing_documents(
            kn, k, m.missing_document_factor[c], cols["prechecked"][rows], n_docs))
        kind = np.where(wrong, WRONG, np.where(missing, MISSING, SERVED))
        office = np.where(wrong, wrong_office.astype(np.int64), right)
        # arrival: a minute within the intended office's hours (or the immediate moment)
        hours = np.array([(o.day_open[d][0][0], o.day_open[d][-1][1]) if open_today[i]
                          else (0.0, 0.0) for i, o in enumerate(m.offices)])
        a, b = hours[right, 0], hours[right, 1]
        arrival = a + (b - a) * u_arrival ** beh.visits.arrival_skew
        fixed = ~np.isnan(cols["need_min"][rows])
        arrival[fixed] = cols["need_min"][rows][fixed]
        cols["need_min"][rows] = np.nan
        service = np.empty(len(rows))
        dist = np.where(kind == SERVED, dist.astype(np.int64), self._dist_index(m.redirect))
        for one in np.unique(dist).tolist():
            idx = np.nonzero(dist == one)[0]
            service[idx] = self._dists[one].sample_array(us[idx])
        scale = np.array([o.service_scale for o in m.offices])[office]
        service = np.where(kind == SERVED, service * scale, service)
        cols["due"][rows] = -2  # at an office today; the outcome sets what comes next
        # sorted by office, one slice per office (the queue hands outcomes back by office)
        order = np.argsort(office, kind="stable")
        rows, kind, office = rows[order], kind[order], office[order]
        arrival, service = arrival[order], service[order]
        end, days = end[order].astype(np.int32), days[order].astype(np.int64)
        offices, starts = np.unique(office, return_index=True)
        ends = np.append(starts[1:], len(office))
        times, minutes = arrival.tolist(), service.tolist()
        self._slices = {}
        for o, a, b in zip(offices.tolist(), starts.tolist(), ends.tolist(), strict=True):
            self._slices[o] = (a, b)
            out[o] = (times[a:b], minutes[a:b])
        self._today = [(rows, kind, office, arrival, service, end, days)]
        self._waits, self._ok = np.zeros(len(rows)), np.zeros(len(rows), dtype=bool)
        return out

    def _resolve(self) -> None:
        """Today's visits' outcomes: served steps advance; wasted trips teach, or lose, them."""
        m, cols = self.model, self.cols
        beh = m.spec.behaviour
        (rows, kind, office, arrival, service, end, days), = self._today
        waits, ok = self._waits, self._ok
        self._today = []
        ids, trips = cols["id"][rows], cols["trips"][rows]
        base = C.VISIT_BASE + C.VISIT_SLOTS * (trips % C.MAX_VISIT_SLOTS)
        error_rate = np.array([o.error_rate for o in m.offices])[office]
        u_error, u_abandon = self.choices.uniforms(
            ids[:, None], base[:, None] + _RESOLVE_SLOTS).T
        kind = np.where(~ok, CLOSED, kind)  # still waiting at closing: a wasted trip
        kind = np.where((kind == SERVED) & (u_error < error_rate), ERROR, kind)
        cols["trips"][rows] += 1
        # what comes next is planned from the day the resident left the office
        left = ((arrival + waits + np.where(ok, service, 0.0)) // 1440).astype(np.int64)
        good = kind == SERVED
        go, go_day = _NO_KEYS, _NO_KEYS  # rows to schedule: planned now, or back after a waste
        if good.any():
            g, days = rows[good], days[good]  # the step reached and back-office days
            cols["step"][g] = end[good]
            cols["act"][g] = PLAN
            cols["due"][g] = left[good] + days
            go, go_day = self._plan(g[days == 0], left[good][days == 0])
        bad = ~good
        if not bad.any():
            self._schedule(go, go_day)
            return
        r, left = rows[bad], left[bad]
        cols["wasted"][r] += 1
        cols["k"][r] = rules.learn(cols["k"][r], beh.knowledge.learn_from_failure)
        ab = beh.abandonment
        if ab.enabled:
            pop = m.population
            trip = 2.0 * m.travel[cols["c"][r], office[bad]] * pop.mobility[cols["row"][r]]
            gone = u_abandon[bad] < rules.p_abandon(
                ab, cols["wasted"][r], trip, pop.patience[cols["row"][r]])
            self._end(r[gone], abandoned=True)
            r, left = r[~gone], left[~gone]
        if len(go):  # one call for both: _schedule's per-call work once a day
            r, left = np.concatenate([go, r]), np.concatenate([go_day, left])
        self._schedule(r, left)

    def _end(self, rows: np.ndarray, abandoned: bool) -> None:
        """Close ``rows`` (completed or abandoned): they leave the columns at the day's end."""
        if len(rows) == 0:
            return
        self.cols["due"][rows] = -9
        if abandoned:
            self.abandoned += len(rows)
        else:
            self.completed += len(rows)
