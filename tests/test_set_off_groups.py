"""Setting off a day's visits together (``CaseLifecycle._set_off``) gives what each visit's
rules give alone.

``_set_off`` takes the day's draws and probabilities on arrays and keeps its plans across
days; the reference below sets each visit off by itself with the same draws (its own
uniforms, its group found without the memo). They are compared on the district's real
visit days (several groups, wrong offices, missing documents, offices with counter-time
scales), on days its offices are closed, and with a stale plan. Any array form of setting
off (issue #13, docs/engine-soa.md §8.27) must pass them.
"""

from __future__ import annotations

import logging

import numpy as np
import pytest

from pilotsim.app import api
from pilotsim.plugins.runner import build_model
from pilotsim.sim import cases as C  # noqa: N812
from pilotsim.sim import decisions as rules
from pilotsim.sim.lifecycle import MISSING, SERVED, WRONG, CaseLifecycle
from pilotsim.sim.rng import uniforms_by_column
from pilotsim.spec import RunSpec

DAYS = 20


def _per_visit(lc: CaseLifecycle, d: int, visits: list) -> list:
    """The visits set off one at a time, each with its own draws."""
    m = lc.model
    kn = m.spec.behaviour.knowledge
    out: list = []
    for case, arrival in visits:
        ids = np.array([case.id])
        base = C.VISIT_BASE + C.VISIT_SLOTS * (case.trips % C.MAX_VISIT_SLOTS)
        u = uniforms_by_column([m.choices] * 3 + [m.service_draws], ids,
                               np.array([base + C.GO_PURPOSES]))[0].tolist()
        c = int(m.case_table.community[case.id])
        g = lc._visit_groups.get((c, case.service, case.step, case.via), False)
        if g is False:
            g = lc._visit_group(c, case.service, case.step, case.via)
        if g is None or (arrival < 0 and not g[0].is_open(d)):
            out.append(None)
            continue
        right, department, dist, docs = g
        p = rules.p_wrong_office(kn, np.array([case.knowledge]),
                                 m.wrong_office_factor[[c]])[0]
        if p > 0 and u[0] < p:
            office, kind, dist = m.offices[m.routes.wrong(c, department)], WRONG, m.redirect
        else:
            office, kind = right, SERVED
            p_one = rules.p_missing_one(kn, np.array([case.knowledge]),
                                        m.missing_document_factor[[c]],
                                        np.array([case.prechecked])).item(0)
            if docs and (pm := rules.p_missing_any(p_one, docs)) > 0 and u[1] < pm:
                kind, dist = MISSING, m.redirect
        if arrival < 0:
            windows = right.day_open[d]
            a, b = windows[0][0], windows[-1][1]
            arrival = a + (b - a) * u[2] ** m.spec.behaviour.visits.arrival_skew
        scale = office.service_scale if kind == SERVED else 1.0
        out.append((office, (arrival, dist.sample(u[3]) * scale, case, kind, dist)))
    return out


@pytest.fixture(scope="module")
def district():
    """A district run of ``DAYS`` days; each day's visits, what ``_set_off`` and the per-visit
    rules made of them on the day, and the kinds and groups seen."""
    logging.getLogger("MESA").setLevel(logging.WARNING)
    model = build_model(RunSpec.from_config(api.compose(
        ["sim.sample_fraction=0.2", f"sim.days={DAYS}", "output.write=false"])))
    for i, office in enumerate(model.offices):  # (no lever sets it: seen only if not 1)
        office.service_scale = 1.0 + 0.1 * (i % 3)
    days: list[tuple[int, list, list, list]] = []
    set_off = model.lifecycle._set_off

    def recorded(d: int, visits: list) -> list:
        got = set_off(d, visits)
        days.append((d, list(visits), got, _per_visit(model.lifecycle, d, visits)))
        return got

    model.lifecycle._set_off = recorded
    while model.running and model.day < DAYS:
        model.step()
    del model.lifecycle._set_off
    return model, days


def _same(got: list, want: list) -> None:
    assert len(got) == len(want)
    for g, w in zip(got, want, strict=True):
        if w is None:
            assert g is None
            continue
        (office, (arrival, time, case, kind, dist)), (office_w, item_w) = g, w
        assert office is office_w and dist is item_w[4] and case is item_w[2]
        assert (arrival, time, kind) == (item_w[0], item_w[1], item_w[3])  # exact floats


def test_grouped_set_off_equals_per_visit(district) -> None:
    _, days = district
    kinds: set = set()
    groups = 0
    for _, visits, got, want in days:
        _same(got, want)
        kinds |= {x[1][3] for x in got if x is not None}
        groups = max(groups, len({(x.service, x.step, x.via) for x, _ in visits}))
    assert {SERVED, WRONG, MISSING} <= kinds and groups > 3


def test_closed_days_and_stale_plans(district) -> None:
    model, days = district
    lc = model.lifecycle
    comm = model.case_table.community
    visits = [v for _, vs, *_ in days for v in vs if v[0].status == C.OPEN and v[0].step < len(
        model.service(int(comm[v[0].id]), v[0].service).steps)]  # (cases whose step exists)
    planned = [(case, -1.0) for case, _ in visits]
    closed = [d for d in range(DAYS) if not any(o.is_open(d) for o in model.offices)]
    assert closed  # (the district's weekends)
    for d in (closed[0], closed[0] + 1):
        _same(lc._set_off(d, planned), _per_visit(lc, d, planned))
    assert all(x is None for x in lc._set_off(closed[0], planned))
    case = planned[0][0]
    key = (int(model.case_table.community[case.id]), case.service, case.step, case.via)
    kept = lc._visit_groups.get(key, False)
    lc._visit_groups[key] = None  # the step was removed or its documents shared
    try:
        got = lc._set_off(closed[0] + 1, planned + visits)
        _same(got, _per_visit(lc, closed[0] + 1, planned + visits))
        assert got[0] is None and any(x is not None for x in got)
    finally:
        if kept is False:
            del lc._visit_groups[key]
        else:
            lc._visit_groups[key] = kept
