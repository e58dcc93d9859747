"""A struct-of-arrays prototype of the M/M/c day, timed against the full model and SimPy.

Not wired into the model (see ``docs/engine-soa.md``): it measures what a case engine that keeps
cases as columns and runs each phase of the day as a few NumPy operations on the day's rows
would cost per visit, on the one scenario where every phase is trivial except the queue
(``+scenario=erlang_c``: one office open around the clock, one-step service, in person only,
no choice, no take-up, no abandonment, no word of mouth).

What it does per day, with the same draws as the model:

* needs arrive: the ``needs`` generator of the day, called per group in the model's order
  (``poisson`` on the rate array, then ``integers`` and ``random`` per non-empty group);
* each need is a case (ids in order); its visit goes the moment it arises (``timing:
  immediate``): the arrival is the first open minute at or after the need;
* service times from the ``service_times`` counter stream at the case's first visit slot,
  drawn in bulk (bit-identical to the scalar draw), through ``math.log1p`` (exact, default) or
  NumPy's ``log1p`` (``numpy_service``: may differ in the last bit; the satisfaction's
  logistic likewise through ``math.exp`` or ``np.exp``);
* the office's day served by the model's own kernel, ``CounterQueue.serve``;
* the visit's outcome, travel, the resident's expectation learning (in occurrence-rank
  rounds: a resident's k-th visit of the day is updated in round k, so the order is the
  model's) and the case's satisfaction, all as column operations;
* records as columns; the cases and visits tables as pandas at the end, with the model's
  columns, dtypes and categories.

Usage::

    python benchmarks/soa_prototype.py [--visits 200000] [--reps 3] [--counters 2 10]

It prints one JSON document: per c, the medians of prototype, model (``api.run`` whole) and
SimPy (its event loop alone, ``erlang_c.simpy_queue``), their per-visit µs and ratios, the mean
waits against Erlang C, and whether the prototype's tables equal the model's for the seed.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

import erlang_c

from pilotsim.app import api
from pilotsim.sim import cases as C  # noqa: N812
from pilotsim.sim.model import PilotModel
from pilotsim.sim.records import OUTCOMES, Outcome
from pilotsim.spec import RunSpec


def _cat(codes, names) -> pd.Categorical:
    # the model's categorical columns as its tables' DataFrames have them (records makes
    # them as Arrow now: pilotsim.sim.tables), for the frames compared with the model's
    return pd.Categorical.from_codes(np.asarray(codes, dtype=np.int32), categories=list(names))


logging.getLogger("MESA").setLevel(logging.WARNING)

SERVED, CLOSED = int(Outcome.SERVED), int(Outcome.CLOSED)


def _logistic_np(x: np.ndarray) -> np.ndarray:
    """satisfaction._logistic on an array (NumPy's exp: may differ in the last bit)."""
    return 100.0 / (1.0 + np.exp(-np.clip(x, -50.0, 50.0)))


def _logistic_math(x: np.ndarray) -> np.ndarray:
    """satisfaction._logistic element by element with ``math.exp``: the model's numbers."""
    exp = math.exp
    return np.array([100.0 / (1.0 + exp(-v)) for v in np.clip(x, -50.0, 50.0).tolist()])


def simulate(spec: RunSpec, numpy_service: bool = False) -> dict:
    """Run the scenario's days in bulk; returns the tables and the phase seconds.

    Only the erlang_c scenario's shape is supported (asserted): one office, one service of one
    step, immediate visits, nobody who can be wrong, miss documents or give up.
    """
    clock = time.perf_counter
    secs = dict.fromkeys(("setup", "needs", "draws", "kernel", "resolve", "tables"), 0.0)
    t0 = clock()
    # The world as the model builds it (population, office, travel, need rates): the setup a
    # column engine keeps; no case, agent or agenda is made from here on.
    m = PilotModel(spec)
    assert len(m.offices) == 1 and len(m.service_names) == 1
    assert spec.behaviour.visits.timing == "immediate" and not spec.behaviour.takeup.enabled
    office = m.offices[0]
    queue = office.queue
    rt = m.services[m.service_names[0]]
    assert len(rt.steps) == 1
    dist = rt.steps[0].service_time
    assert dist.kind == "exponential" and office.error_rate == 0
    pop = m.population
    beh = m.spec.behaviour
    sat = beh.satisfaction
    rates = m._need_rates
    win_start = np.asarray(queue.win_start)
    win_end = np.asarray(queue.win_end)
    travel_c = m.travel[:, 0]  # community × the office
    expectation = pop.expectation.copy()  # the model's changes it; ours is our own
    mean, scale = -dist.mean, office.service_scale
    base = C.VISIT_BASE  # the first visit's slots (visit_slot(0, purpose))
    days = spec.sim.days
    # column buffers, one list of arrays a column, concatenated once at the end; the visit
    # rows are kept in serve order (the model's), the case rows are scattered by id at the end
    v_case, v_res, v_day, v_arr, v_wait, v_svc, v_ok, v_trav, v_sat = ([] for _ in range(9))
    c_res = []
    first = 0  # the day's first case id
    stamp = np.zeros(pop.size, dtype=np.int64)  # scratch: per resident, a row of the day
    idx = np.arange(1 << 16)
    learn, felt_factor = sat.expectation_learning, \
        1.0 if office.wait_info else sat.unexplained_wait_factor
    logistic = _logistic_np if numpy_service else _logistic_math
    log1p = math.log1p
    secs["setup"] = clock() - t0
    for d in range(days):
        t = clock()
        # ---- needs: the same generator calls as PilotModel._needs_arrive
        gen = m.streams.generator("needs", d)
        counts = gen.poisson(rates)
        ci, pi, si = np.nonzero(counts)
        if not len(ci):
            continue
        n = counts[ci, pi, si]
        if len(ci) == 1:  # one group (as here): no lists to join
            res = pop.group_start[ci[0], pi[0]] + gen.integers(0, pop.group_size[ci[0], pi[0]],
                                                                n[0])
            need = d * 1440.0 + gen.random(n[0]) * 1440.0
        else:
            offsets, fractions = [], []
            for size, k in zip(pop.group_size[ci, pi].tolist(), n.tolist(), strict=True):
                offsets.append(gen.integers(0, size, k))
                fractions.append(gen.random(k))
            res = np.repeat(pop.group_start[ci, pi], n) + np.concatenate(offsets)
            need = d * 1440.0 + np.concatenate(fractions) * 1440.0
        k = len(res)
        ids = np.arange(first, first + k, dtype=np.int64)
        first += k
        # ---- plan and go: the first open minute at or after the need (next_open, in bulk;
        # checked once at the end: every window found, every visit on its need's day)
        arrival = np.maximum(need, win_start[np.searchsorted(win_end, need, side="right")])
        t2 = clock()
        secs["needs"] += t2 - t
        # ---- the visit's service time, from the case's counter stream (bulk = scalar),
        # in serve order
        order = np.argsort(arrival, kind="stable")
        ids_s = ids[order]
        arr_s = arrival[order].tolist()
        u = m.service_draws.uniforms(ids_s, base)
        if numpy_service:
            svc_s = (mean * np.log1p(-u) * scale).tolist()
        else:  # math.log1p, as ServiceTime.sample: exact
            svc_s = [mean * log1p(-x) * scale for x in u.tolist()]
        t3 = clock()
        secs["draws"] += t3 - t2
        # ---- the office's day: the model's exact FCFS kernel
        waits, served = queue.serve(d, arr_s, svc_s)
        t4 = clock()
        secs["kernel"] += t4 - t3
        # ---- visits resolve, in serve order: outcome, travel, experience
        wait = np.array(waits)
        ok = np.array(served)
        r = res[order]
        trip = 2.0 * travel_c[pop.community[r]] * pop.mobility[r]
        felt = wait * felt_factor
        # the resident's expected wait, learned visit by visit in serve order: every row that
        # is its resident's first today in one vector step, then the few repeats (a second
        # case the same day) in order, one scalar step each (the same IEEE arithmetic)
        stamp[r[::-1]] = idx[k - 1::-1]  # the last write wins: each resident's first row
        once = stamp[r] == idx[:k]
        expected = expectation[r]
        if once.all():  # no resident twice today
            expectation[r] = expected + learn * (felt - expected)
        else:
            f = np.flatnonzero(once)
            expectation[r[f]] = expected[f] + learn * (felt[f] - expected[f])
            for j in np.flatnonzero(~once).tolist():
                rj = r.item(j)
                e = expectation.item(rj)
                expected[j] = e
                expectation[rj] = e + learn * (felt.item(j) - e)
        gap = expected - felt
        value = np.where(gap >= 0, gap, sat.loss_aversion * gap)
        # satisfaction.experience_score's terms in its order (no effort, no delay: - 0.0)
        x = (sat.intercept + value / sat.minutes_scale - np.where(ok, 0.0, sat.wasted_trip_penalty)
             - sat.travel_weight_per_hour * trip / 60.0 - 0.0 - 0.0)
        v_case.append(ids_s)
        v_res.append(r)
        v_day.append(np.full(k, d, dtype=np.int32))
        v_arr.append(arr_s)
        v_wait.append(wait)
        v_svc.append(svc_s)
        v_ok.append(ok)
        v_trav.append(trip)
        v_sat.append(logistic(x))  # the case's one experience: its satisfaction
        c_res.append(res)
        secs["resolve"] += clock() - t4
    t5 = clock()
    visits, cases = _tables(m, v_case, v_res, v_day, v_arr, v_wait, v_svc, v_ok, v_trav,
                            v_sat, c_res)
    secs["tables"] = clock() - t5
    return {"visits": visits, "cases": cases, "seconds": secs}


def _tables(m: PilotModel, v_case, v_res, v_day, v_arr, v_wait, v_svc, v_ok, v_trav, v_sat,
            c_res) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The visits and cases tables, straight from the columns (records.py's columns)."""
    pop = m.population
    cat = np.concatenate
    case_id = cat(v_case)
    nv = len(case_id)
    ok = cat(v_ok)
    day = cat(v_day)
    arrival = np.array([x for a in v_arr for x in a])
    if len(arrival):  # what the loop did not check: every visit on its need's day
        assert ((arrival // 1440) == day).all()
    wait = cat(v_wait)
    service = np.where(ok, [x for a in v_svc for x in a], 0.0)
    travel = cat(v_trav)
    res_v = cat(v_res).astype(np.int64)
    visits = pd.DataFrame({
        "case_id": case_id,
        "resident_id": res_v,
        "community": _cat(pop.community[res_v], m.community_names),
        "service": _cat(np.zeros(nv, dtype=np.int32), m.service_names),
        "step": np.zeros(nv, dtype=np.int16),
        "office": _cat(np.zeros(nv, dtype=np.int32), [o.name for o in m.offices]),
        "day": day,
        "arrival_min": arrival,
        "wait_min": wait,
        "service_min": service,
        "travel_min": travel,
        "outcome": _cat(np.where(ok, SERVED, CLOSED), OUTCOMES),
    })
    # The cases: one visit each here, so a case's columns are its visit's, scattered by id;
    # it closes the day the resident leaves the office (a visit not served leaves it open).
    res = cat(c_res).astype(np.int64)
    nc = len(res)
    comm = pop.community[res]
    closed = np.full(nc, -1, dtype=np.int64)
    closed[case_id] = np.where(ok, (arrival + wait + service) // 1440, -1)
    done = closed >= 0
    day_closed = pd.array(np.where(done, closed, 0), dtype="Int32")
    day_closed[~done] = pd.NA
    day_opened = np.empty(nc, dtype=np.int32)
    day_opened[case_id] = day  # the need's day (the visit's, checked above)
    c_wait, c_travel, c_sat = np.zeros(nc), np.zeros(nc), np.full(nc, np.nan)
    c_wait[case_id] = wait
    c_travel[case_id] = travel
    c_sat[case_id] = np.where(ok, cat(v_sat), np.nan)
    threshold = m.spec.behaviour.channels.online_literacy_threshold
    cases = pd.DataFrame({
        "case_id": np.arange(nc, dtype=np.int64),
        "resident_id": res,
        "profile": _cat(pop.profile[res], m.profile_names),
        "community": _cat(comm, m.community_names),
        "district": _cat(m.community_district[comm], m.district_names),
        "service": _cat(np.zeros(nc, dtype=np.int32), m.service_names),
        "channel": _cat(np.zeros(nc, dtype=np.int32), ["in_person", "online", "proxy"]),
        "day_opened": day_opened,
        "day_closed": day_closed,
        "status": _cat(np.where(done, 0, 2), ["completed", "abandoned", "open", "not_pursued"]),
        "trips": np.where(done, 1, 0).astype(np.int32),
        "wasted_trips": np.zeros(nc, dtype=np.int32),
        "wait_min": c_wait,
        "travel_min": c_travel,
        "satisfaction": c_sat,
        "digitally_excluded": pop.literacy[res] < threshold,
        "duration_days": day_closed - pd.array(day_opened, dtype="Int32"),
    })
    return visits, cases


def _compare(proto: pd.DataFrame, model: pd.DataFrame, name: str) -> dict:
    """Equal tables? If not, where they differ (exactly, and within 1e-9 relative)."""
    model = model.reset_index(drop=True)
    out = {"rows_proto": len(proto), "rows_model": len(model)}
    try:
        pd.testing.assert_frame_equal(proto, model, check_exact=True)
        out["identical"] = True
        return out
    except AssertionError as e:
        out["identical"] = False
        out["first_difference"] = str(e).splitlines()[0:3]
    if len(proto) == len(model) and list(proto.columns) == list(model.columns):
        cols = {}
        for c in proto.columns:
            a, b = proto[c], model[c]
            if a.dtype.kind == "f":
                av, bv = a.to_numpy(), b.to_numpy()
                same = (av == bv) | (np.isnan(av) & np.isnan(bv))
                close = np.isclose(av, bv, rtol=1e-9, atol=0, equal_nan=True)
                if not same.all():
                    cols[c] = {"differ": int((~same).sum()), "beyond_1e-9": int((~close).sum()),
                               "max_abs": float(np.nanmax(np.abs(av - bv)))}
            elif not a.equals(b):
                cols[c] = {"differ": int((a.astype(str) != b.astype(str)).sum())}
        out["columns_that_differ"] = cols
    return out


def _timed(fn):
    cpu, t = time.process_time(), time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t, time.process_time() - cpu


def bench(visits: int, counters: int, reps: int, seed: int = 0) -> dict:
    cfg = erlang_c.config(visits, seed=seed, counters=counters)
    c, mean, lam = erlang_c.parameters(cfg)
    theory = erlang_c.expected_wait(cfg)
    runs: dict[str, list] = {"proto": [], "proto_numpy": [], "model": [], "simpy": []}
    proto_out = model_out = proto_np_out = None
    for _ in range(reps):  # interleaved: each repetition runs all four under the same load
        spec = RunSpec.from_config(cfg)
        proto_out, s, cpu = _timed(lambda spec=spec: simulate(spec))
        runs["proto"].append({"s": s, "cpu": cpu, "n": len(proto_out["visits"]),
                              "phases": proto_out["seconds"]})
        spec = RunSpec.from_config(cfg)
        proto_np_out, s, cpu = _timed(lambda spec=spec: simulate(spec, numpy_service=True))
        runs["proto_numpy"].append({"s": s, "cpu": cpu, "n": len(proto_np_out["visits"])})
        model_out, s, cpu = _timed(lambda: api.run(cfg))
        runs["model"].append({"s": s, "cpu": cpu, "n": len(model_out.visits),
                              "simulate": model_out.metadata["timings"].get("simulate")})
        (secs, waits), s, cpu = _timed(lambda: erlang_c.simpy_queue(visits, c, mean, lam, seed))
        runs["simpy"].append({"s": secs, "cpu": cpu, "n": len(waits),
                              "wait_mean": sum(waits) / len(waits)})

    def med(kind, key="s"):
        return statistics.median(r[key] for r in runs[kind])

    out = {"counters": c, "lambda_per_h": lam * 60, "mean_service_min": mean, "reps": reps,
           "days": int(cfg.sim.days)}
    for kind in runs:
        n = runs[kind][0]["n"]
        out[kind] = {"visits": n, "seconds": med(kind), "cpu_seconds": med(kind, "cpu"),
                     "visits_per_s": n / med(kind), "us_per_visit": 1e6 * med(kind) / n}
    out["model"]["simulate_seconds"] = med("model", "simulate")
    out["proto"]["phase_seconds"] = {
        k: statistics.median(r["phases"][k] for r in runs["proto"])
        for k in runs["proto"][0]["phases"]}
    out["ratio_proto_over_simpy"] = out["proto"]["visits_per_s"] / out["simpy"]["visits_per_s"]
    out["ratio_model_over_simpy"] = out["model"]["visits_per_s"] / out["simpy"]["visits_per_s"]
    out["ratio_proto_over_model"] = out["proto"]["visits_per_s"] / out["model"]["visits_per_s"]
    out["wait_mean"] = {"erlang_c": theory,
                        "proto": float(proto_out["visits"]["wait_min"].mean()),
                        "proto_numpy": float(proto_np_out["visits"]["wait_min"].mean()),
                        "model": float(model_out.visits["wait_min"].mean()),
                        "simpy": runs["simpy"][-1]["wait_mean"]}
    out["visits_equal"] = _compare(proto_out["visits"], model_out.visits, "visits")
    out["cases_equal"] = _compare(proto_out["cases"], model_out.cases, "cases")
    out["visits_equal_numpy_service"] = _compare(proto_np_out["visits"], model_out.visits,
                                                 "visits")
    return out


def unit_costs(n: int = 100_000) -> dict:
    """Per-element and per-call costs (µs) of the pieces a full column engine adds.

    What docs/engine-soa.md's estimate of the left-out parts is made of: a NumPy call on a
    day's rows, a bulk counter-stream uniform, an exact ``math`` transcendental in a list
    comprehension against NumPy's, one step of an ordered scalar loop (an exponential average
    such as ``wait_learned``), a day's ``needs`` generator, a Mesa agent and a ``Case``.
    """
    from pilotsim.sim.agents import Resident
    from pilotsim.sim.cases import Case
    from pilotsim.sim.rng import CounterStream, Streams

    clock = time.perf_counter
    rng = np.random.default_rng(0)
    x = rng.random(n)
    small = rng.random(150)
    out = {}

    def per(fn, count, reps=5):
        best = math.inf
        for _ in range(reps):
            t = clock()
            fn()
            best = min(best, clock() - t)
        return 1e6 * best / count

    out["numpy_call_150_rows_us"] = per(lambda: [small * 2.0 + 1.0 for _ in range(1000)], 2000)
    cs = CounterStream(0, "choices")
    ids = np.arange(n, dtype=np.int64)
    out["counter_uniform_bulk_us"] = per(lambda: cs.uniforms(ids, 16), n)
    out["counter_uniform_scalar_us"] = per(lambda: [cs.uniform(i, 16) for i in range(n)], n)
    exp = math.exp
    out["math_exp_listcomp_us"] = per(lambda: np.array([exp(-v) for v in x.tolist()]), n)
    out["numpy_exp_us"] = per(lambda: np.exp(-x), n)
    lam = np.full(n, 0.1)

    def ema_loop():
        w = np.zeros(8)
        for j, c in enumerate((ids % 8).tolist()):
            e = w.item(c)
            w[c] = e + 0.1 * (lam.item(j) - e)

    out["ordered_scalar_step_us"] = per(ema_loop, n, reps=3)
    st = Streams(0)
    out["needs_generator_per_day_us"] = per(lambda: [st.generator("needs", d)
                                                     for d in range(2000)], 2000)
    cfg = erlang_c.config(1000)
    m = PilotModel(RunSpec.from_config(cfg))
    k = 20_000
    out["mesa_resident_agent_us"] = per(lambda: [Resident(m, i % 8760) for i in range(k)], k,
                                        reps=2)
    res = Resident(m, 0)
    out["case_object_us"] = per(lambda: [Case(i, res, "visit", 0, 0.0, 1.0)
                                         for i in range(k)], k)
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--visits", type=int, default=200_000)
    p.add_argument("--reps", type=int, default=3)
    p.add_argument("--counters", type=int, nargs="+", default=[2, 10])
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--unit-costs", action="store_true", help="only the per-piece costs")
    a = p.parse_args()
    if a.unit_costs:
        print(json.dumps({"load": os.getloadavg(), "unit_costs": unit_costs()}, indent=1))
        return
    load = os.getloadavg()
    results = [bench(a.visits, c, a.reps, a.seed) for c in a.counters]
    print(json.dumps({"load_before": load, "load_after": os.getloadavg(),
                      "results": results}, indent=1, default=float))


if __name__ == "__main__":
    main()
