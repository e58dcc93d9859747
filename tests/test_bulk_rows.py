"""Bulk rows (``pilotsim.sim.bulk``): the columnar path gives what the object path gives.

The M/M/c scenario's every day is a bulk day (its cases live as columns from opening to
closing); each run here is compared with the same run on objects (``bulk_days`` off), and the
fallbacks (a day's rows made objects at setting off or at resolving) with both.
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
from pilotsim.sim import bulk, records, tables
from pilotsim.spec import RunSpec

DAYS = 12


def _run(*overrides: str, bulk_days: bool = True, monkeypatch=None, tracker=False,
         stream=None):
    logging.getLogger("MESA").setLevel(logging.WARNING)
    spec = RunSpec.from_config(api.compose(["+scenario=erlang_c", f"sim.days={DAYS}",
                                            "output.write=false", *overrides]))
    model = build_model(spec)
    model.lifecycle.bulk_days = bulk_days
    tr = DayTracker(model) if tracker else None
    cs = records.CaseParquetStream(stream, model, chunk=97) if stream else None
    while model.running and model.day < DAYS:
        model.step()
        if tr is not None:
            tr.after_step()
        if cs is not None:
            cs.after_day()
    if cs is not None:
        cs.close()
    return model, tr, cs


def _same(a, b) -> None:
    pd.testing.assert_frame_equal(records.cases_table(a), records.cases_table(b),
                                  check_exact=True)
    pd.testing.assert_frame_equal(records.visits_table(a), records.visits_table(b),
                                  check_exact=True)
    for name in ("knowledge", "trust", "expectation"):
        np.testing.assert_array_equal(getattr(a.population, name),
                                      getattr(b.population, name), err_msg=name)
    np.testing.assert_array_equal(a.wait_learned, b.wait_learned)
    assert {r: x.channel_memory for r, x in a.residents.items()} == \
        {r: x.channel_memory for r, x in b.residents.items()}
    np.testing.assert_array_equal(a.population.channel_memory, b.population.channel_memory)


@pytest.fixture(scope="module")
def objects():
    return _run(bulk_days=False)[0]


@pytest.fixture(scope="module")
def columns():
    return _run()[0]


def test_every_mmc_case_stays_a_bulk_row(columns) -> None:
    assert len(columns.cases) > 1000
    assert all(c is None for c in columns.cases)  # none was made an object
    assert (columns.case_table.status[:len(columns.cases)] == 0).all()  # all completed


def test_bulk_rows_equal_the_object_path(columns, objects) -> None:
    assert all(c is not None for c in objects.cases)
    # residents closing two cases on one bulk day: their channel memory is the later one's
    closed = records.cases_table(columns).groupby(["resident_id", "day_closed"]).size()
    assert (closed > 1).sum() >= 5
    _same(columns, objects)


@pytest.mark.parametrize("where", ["set_off", "resolve"])
def test_a_day_made_objects_midway_equals_both(where, objects, monkeypatch) -> None:
    monkeypatch.setattr(bulk, where, lambda *a: None if where == "set_off" else False)
    model = _run()[0]
    assert all(c is not None for c in model.cases)  # every day left the bulk path
    _same(model, objects)


WOM = ("behaviour.word_of_mouth.contacts=3", "+behaviour.word_of_mouth.weight=0.1")


@pytest.mark.parametrize("overrides, bulk_rows, objects", [
    (WOM, True, False),  # closed_today of bulk rows
    # an office error sends a resident back: that day resolves on objects, and the visits
    # it plans share later days with bulk rows (made objects at serving)
    (("city.offices.office.error_rate=0.001",), True, True),
    # ... and some give up, in act, before a bulk day's rows close
    (("city.offices.office.error_rate=0.001", "behaviour.abandonment.enabled=true",
      "+behaviour.abandonment.max_case_days=1", *WOM), True, True),
    (("city.offices.office.error_rate=0.2",), False, True),  # every day resolves on objects
    # two communities and two services: bulk days of several groups (set_off's and
    # resolve's per-group steps), some made objects (a day without a second service's need)
    (("+city.communities.other={district: district, population: 4000, location: [3.0, 0.0],"
      " profile_mix: {resident: 1.0}}",
      "+services.catalogue.second={label: Second, demand_per_year: {resident: 3.0}, steps:"
      " [{department: desk, service_time: {dist: exponential, mean: 10}}]}"), True, True),
])
def test_scenarios_equal_the_object_path(overrides, bulk_rows, objects) -> None:
    model = _run(*overrides)[0]
    assert any(c is None for c in model.cases) == bulk_rows
    assert any(c is not None for c in model.cases) == objects
    _same(model, _run(*overrides, bulk_days=False)[0])


def test_readers_of_bulk_rows(columns, objects, tmp_path) -> None:
    _, t_cols, stream = _run(tracker=True, stream=tmp_path / "cases.parquet")
    _, t_objs, _ = _run(bulk_days=False, tracker=True)
    assert t_cols.totals == t_objs.totals
    assert sum(t_cols.totals["closed"]) > 1000
    pd.testing.assert_frame_equal(tables.frame(stream.read()), records.cases_table(objects),
                                  check_exact=True)
    for r in list(objects.residents)[:50]:
        assert resident_summary(columns, r) == resident_summary(objects, r)
        pd.testing.assert_frame_equal(resident_history(columns, r),
                                      resident_history(objects, r))


def test_a_residents_channel_memory_is_a_read_only_view():
    # the population's columns are the only copy: a write through the agent would be lost
    m = build_model(RunSpec.from_config(api.compose(["output.write=false", "sim.days=5"])))
    m.run()
    res = next(iter(m.residents.values()))
    with pytest.raises(TypeError):
        res.channel_memory["online"] = 50.0  # type: ignore[index]



def test_many_later_visits_of_a_day_equal_the_object_path() -> None:
    """c = 10 (720 rows a day, ~30 of them a resident's second or third visit of the day)."""
    c10 = ("city.offices.office.counters=10",
           "services.catalogue.visit.demand_per_year.resident=30.0", *WOM)
    model = _run(*c10)[0]
    assert all(c is None for c in model.cases)
    r = model.case_table.resident[:len(model.cases)]
    days = model.case_table.day_opened[:len(model.cases)]
    assert np.unique(days * len(model.population.trust) + r, return_counts=True)[1].max() > 2
    _same(model, _run(*c10, bulk_days=False)[0])


def test_arrivals_tied_at_the_opening_keep_their_stable_order() -> None:
    """Open 06:00–24:00: the night's needs all arrive at 06:00, so a bulk day's arrivals tie
    (``_serve_bulk`` then sorts them stably, as the object path does)."""
    day = '["06:00-24:00"]'
    hours = "{" + ", ".join(f"{d}: {day}" for d in ("mon", "tue", "wed", "thu", "fri", "sat",
                                                     "sun")) + "}"
    late = (f"city.offices.office.hours={hours}", "city.offices.office.counters=4")
    model = _run(*late)[0]
    opened = model.case_table.day_opened[:len(model.cases)]
    # (the last day's evening needs would arrive after the run: that day is on objects)
    assert all(c is None for c, d in zip(model.cases, opened, strict=True) if d < DAYS - 1)
    arrival = records.visits_table(model)["arrival_min"]
    assert (arrival % 1440 == 360).sum() > 10 * DAYS  # many ties a day
    _same(model, _run(*late, bulk_days=False)[0])
