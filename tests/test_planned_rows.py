"""Planned first visits as bulk rows: the district's open rows give what objects give.

Under ``visits.timing: planned`` an in-person case whose first visit ``_first_visits`` plans
waits for that day as an open :class:`~pilotsim.sim.cases.CaseTable` row, no ``Case``
(``pilotsim.sim.bulk.open_rows``); its day's act, a lever or an outside reader makes it an
object (``docs/engine-soa.md`` §8.17). Each run here is compared with the same run on
objects throughout (``bulk_days`` off).
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
import pytest

from pilotsim.app import api
from pilotsim.app.dashboard.history import resident_history, resident_summary
from pilotsim.app.dashboard.tracker import DayTracker
from pilotsim.plugins.runner import build_model
from pilotsim.sim import bulk, records
from pilotsim.sim.cases import OPEN, STATUS_CODES
from pilotsim.spec import RunSpec
from tests.test_bulk_rows import _same as same_state

DAYS = 40
_OPEN = STATUS_CODES.index(OPEN)


def _run(*overrides: str, rows: bool = True, tracker: bool = False, stream=None,
         watch=None, steps: int = DAYS):
    logging.getLogger("MESA").setLevel(logging.WARNING)
    spec = RunSpec.from_config(api.compose([f"sim.days={DAYS}", "sim.sample_fraction=0.3",
                                            "output.write=false", *overrides]))
    model = build_model(spec)
    model.lifecycle.bulk_days = rows
    tr = DayTracker(model) if tracker else None
    cs = records.CaseParquetStream(stream, model, chunk=50) if stream else None
    while model.running and model.day < steps:
        model.step()
        if watch is not None:
            watch(model)
        if tr is not None:
            tr.after_step()
        if cs is not None:
            cs.after_day()
    if cs is not None:
        cs.close()
    return model, tr, cs


def _same(a, b) -> None:
    same_state(a, b)  # tables, residents' state, learned waits, channel memory
    assert [[c.id for c in x.cases] for x in a.residents.values()] == \
        [[c.id for c in x.cases] for x in b.residents.values()]  # each in id order


def _open_rows(model) -> int:
    t = model.case_table
    return int((t.status[:len(t)] == _OPEN).sum())


@pytest.fixture(scope="module")
def objects():
    return _run(rows=False)[0]


def test_planned_first_visits_wait_as_rows_and_equal_objects(objects) -> None:
    waiting: list[int] = []
    rows = _run(watch=lambda m: waiting.append(_open_rows(m)))[0]
    assert min(waiting[5:-5]) > 20 and waiting[-1] == 0  # rows wait open between days
    assert all(c is not None for c in rows.cases)  # each made an object on its visit day
    assert _open_rows(rows) == 0
    _same(rows, objects)


def test_a_reform_raising_open_cases_knowledge_mid_run(tmp_path) -> None:
    # outreach_checklists' start raises open cases' knowledge (Levers.raise_knowledge with
    # open_cases=True): the waiting rows must be objects by then, or their visits differ
    late = ("reform=outreach_checklists", "reform.outreach_checklists.start_day=20")
    at_start: list[int] = []

    def watch(m) -> None:
        if m.day == 19:
            at_start.append(_open_rows(m))

    rows = _run(*late, watch=watch)[0]
    assert at_start[0] > 20  # rows were open as the reform started
    _same(rows, _run(*late, rows=False)[0])


def test_dashboard_and_case_stream_read_open_rows_as_objects(objects, tmp_path) -> None:
    _, tr, cs = _run(tracker=True, stream=tmp_path / "rows.parquet")
    _, tr_obj, cs_obj = _run(rows=False, tracker=True, stream=tmp_path / "obj.parquet")
    assert tr.totals == tr_obj.totals  # an open row followed until it closes, as an object
    pd.testing.assert_frame_equal(cs.read(), cs_obj.read(), check_exact=True)
    pd.testing.assert_frame_equal(cs.read(), records.cases_table(objects), check_exact=True)


def test_readers_mid_run_see_an_open_row_as_its_object() -> None:
    rows = _run(steps=12)[0]  # stopped mid-run, rows waiting
    obj = _run(steps=12, rows=False)[0]
    t = rows.case_table
    waiting = np.flatnonzero(t.status[:len(t)] == _OPEN)
    assert len(waiting) > 20
    # the cases table reads an open row's columns as its object's row
    pd.testing.assert_frame_equal(records.cases_table(rows), records.cases_table(obj),
                                  check_exact=True)
    r = int(t.resident[waiting[0]])
    assert resident_summary(rows, r) == resident_summary(obj, r)
    assert _open_rows(rows) == 0  # the dashboard's read made them objects
    pd.testing.assert_frame_equal(resident_history(rows, r), resident_history(obj, r),
                                  check_exact=True)
    a, b = rows.cases[int(waiting[0])], obj.cases[int(waiting[0])]
    assert {s: getattr(a, s) for s in a.__slots__ if s != "resident"} == \
        {s: getattr(b, s) for s in b.__slots__ if s != "resident"}
    assert bulk.resident_cases(rows, r)[-1].id >= waiting[0]
