"""The background's group tables: each row gets its group's answer, computed once a group.

``BackgroundDemand._lookup`` keys rows by small-int group columns (``-2`` and up: the ``via``
column's ``NO_VIA``) and keeps the answers until the world changes; ``_service_table`` answers
everything a need's (community, service) decides, the in-person route and the documents to
gather included, from the model's own group-level methods.
"""

from __future__ import annotations

import logging

import numpy as np
import pytest

from pilotsim.app import api
from pilotsim.plugins.runner import build_model
from pilotsim.sim.background import NO_VIA, BackgroundDemand
from pilotsim.sim.model import PilotModel
from pilotsim.spec import RunSpec


@pytest.fixture(scope="module")
def model() -> PilotModel:
    logging.getLogger("MESA").setLevel(logging.WARNING)
    return build_model(RunSpec.from_config(api.compose(
        ["sim.sample_fraction=0.5", "sim.days=3", "output.write=false"])))


def test_lookup_answers_each_row_by_its_group_once_a_group(model: PilotModel) -> None:
    bg = BackgroundDemand(model)
    calls: list[tuple[int, ...]] = []

    def fn(a: int, b: int, c: int) -> tuple:
        calls.append((a, b, c))
        return a * 100 + b * 10 + c, float(a - c), a > b

    rng = np.random.default_rng(1)
    a = rng.integers(0, 12, 200).astype(np.int32)
    b = rng.integers(NO_VIA, 5, 200).astype(np.int32)  # negative codes are groups too
    c = rng.integers(0, 3000, 200).astype(np.int64)
    for rows in (np.arange(100), np.arange(200)):  # the second call: known and new groups
        got = bg._lookup("t", fn, a[rows], b[rows], c[rows])
        want = [fn(x, y, z) for x, y, z in zip(a[rows].tolist(), b[rows].tolist(),
                                               c[rows].tolist(), strict=True)]
        del calls[-len(want):]
        for j, field in enumerate(got):
            np.testing.assert_array_equal(field, [w[j] for w in want])
    groups = set(zip(a.tolist(), b.tolist(), c.tolist(), strict=True))
    assert sorted(calls) == sorted(groups)  # each group computed exactly once


def test_service_table_has_the_models_route_and_documents(model: PilotModel) -> None:
    bg = BackgroundDemand(model)
    c = np.repeat(np.arange(len(model.community_names), dtype=np.int32),
                  len(model.service_names))
    s = np.tile(np.arange(len(model.service_names), dtype=np.int32), len(model.community_names))
    *_, travel, visits, service, docs = bg._service_table(c, s)
    for i, (ci, si) in enumerate(zip(c.tolist(), s.tolist(), strict=True)):
        rt = model.service(ci, model.service_names[si])
        assert (travel[i], visits[i], service[i]) == model.in_person_route(ci, rt)
        assert docs[i] == model.documents_to_gather(ci, rt)


def test_plan_returns_rows_to_schedule_and_scheduling_is_row_by_row() -> None:
    # _resolve schedules the rows _plan sends to an office together with the rows back from a
    # wasted trip, in one _schedule call: exact only if each row's schedule depends on that
    # row alone. Here: the same rows scheduled in one call and in two give the same columns.
    m = build_model(RunSpec.from_config(api.compose(
        ["sim.sample_fraction=0.2", "sim.days=20", "output.write=false"])))
    m.run()
    bg = m.background
    live = np.nonzero(bg.cols["due"][:bg.n] >= 0)[0]
    assert len(live) >= 20
    rows, days = live[:20], np.arange(20, dtype=np.int64) + m.steps
    saved = {k: v.copy() for k, v in bg.cols.items()}
    bg._schedule(rows[:7], days[:7])
    bg._schedule(rows[7:], days[7:])
    apart = {k: v.copy() for k, v in bg.cols.items()}
    bg.cols = {k: v.copy() for k, v in saved.items()}
    bg._schedule(rows, days)
    for k, v in apart.items():
        np.testing.assert_array_equal(bg.cols[k], v, err_msg=k)
    # _plan schedules nothing itself: it returns the rows to visit next and their days
    bg.cols = {k: v.copy() for k, v in saved.items()}
    go, go_day = bg._plan(rows, m.steps)
    assert set(go.tolist()) <= set(rows.tolist())
    assert go_day.dtype == np.int64 and (go_day == m.steps).all()
    assert len(go)
    np.testing.assert_array_equal(bg.cols["due"][go], saved["due"][go])  # not yet scheduled
    empty, empty_day = bg._plan(rows[:0], m.steps)
    assert len(empty) == 0 and len(empty_day) == 0


def test_needs_drawn_on_the_non_zero_rates_are_those_of_every_group(model: PilotModel) -> None:
    # _open draws Poisson counts for the groups of a non-zero rate only: the same counts, and
    # the same stream after them, as drawing every group (a zero rate draws nothing)
    bg = BackgroundDemand(model)
    assert (bg.rates == 0).any() and len(bg._cell_rates) < bg.rates.size
    every, cells = np.random.default_rng(7), np.random.default_rng(7)
    counts = every.poisson(bg.rates)
    want = np.zeros_like(counts)
    want[tuple(bg._cells)] = cells.poisson(bg._cell_rates)
    np.testing.assert_array_equal(counts, want)
    assert every.random(5).tolist() == cells.random(5).tolist()


def test_go_checks_steps_only_while_visits_planned_before_a_world_change_are_due() -> None:
    # _go re-plans a visit whose step the world removed since it was planned; it looks only
    # while visits planned before the last world change are due. After that, every due
    # visit's step is the one the world says is next (what the check would find anyway).
    m = build_model(RunSpec.from_config(api.compose(
        ["sim.sample_fraction=0.2", "sim.days=120", "reform=one_door", "pilot=stepped_wedge",
         "pilot.wave_interval_days=10", "output.write=false"])))  # the world changes on day 84
    bg, go = m.background, m.background._go
    days = {"checked": 0, "not": 0}

    def watched(rows: np.ndarray, d: int) -> dict:
        if len(rows):
            cols = bg.cols
            if d <= bg._recheck_until:
                days["checked"] += 1
            else:
                days["not"] += 1
                now = [bg._next_step(c, s, step)[0] for c, s, step in zip(
                    cols["c"][rows].tolist(), cols["s"][rows].tolist(),
                    cols["step"][rows].tolist(), strict=True)]
                assert now == cols["step"][rows].tolist()
        return go(rows, d)

    bg._go = watched
    m.run()
    assert days["checked"] and days["not"]  # the first wave changed the world mid-run
