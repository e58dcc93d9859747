"""The unsimulated residents decide by the simulated residents' rules, in bulk.

Office choice: a one-door pilot centre in two communities that serves outsiders (so residents
elsewhere may walk in, and the pilot communities' residents may keep their usual desks), half
of the residents simulated, stopped mid-run. Each background case waiting for a visit is copied into
a simulated ``Case`` (same id, knowledge, step, visits so far, representative resident) and
routed by ``CaseLifecycle._choose_office`` with the background's counter stream; the
background's bulk choice (``BackgroundDemand._choose_offices``) must pick the same option for
every one of them. Online timing: an online application waits for the processing days of the
steps it covers before the collection visit, in both populations.
"""

from __future__ import annotations

import logging

import numpy as np
import pytest

from pilotsim.app import api
from pilotsim.plugins.runner import build_model
from pilotsim.sim import cases as C  # noqa: N812
from pilotsim.sim.background import NO_VIA, VISIT
from pilotsim.sim.model import PilotModel
from pilotsim.spec import RunSpec

PILOT = ["reform=one_door", "reform.one_door.level=community", "reform.one_door.start_day=10",
         "reform.one_door.scope={communities:[east_01,east_02]}",
         "reform.one_door.serve_outsiders=true", "sim.sample_fraction=0.5",
         "sim.days=60", "seed=2"]


@pytest.fixture(scope="module")
def model() -> PilotModel:
    logging.getLogger("MESA").setLevel(logging.WARNING)
    m = build_model(RunSpec.from_config(api.compose(PILOT)))
    for _ in range(45):
        m.step()
    return m


def test_bulk_choice_equals_the_simulated_residents_choice_row_by_row(model) -> None:
    m, bg = model, model.background
    cols = bg.cols
    rows = np.nonzero((cols["due"][:bg.n] >= 0) & (cols["act"][:bg.n] == VISIT))[0]
    assert len(rows) > 200
    m.choices = bg.choices  # the same uniforms for both: the background's stream
    by_rule = []
    for r in rows.tolist():
        c = int(cols["c"][r])
        case = C.Case(int(cols["id"][r]), m.resident(int(cols["row"][r])),
                      m.service_names[int(cols["s"][r])], int(cols["opened"][r]), 0.0,
                      float(cols["k"][r]))
        case.step, case.trips = int(cols["step"][r]), int(cols["trips"][r])
        m.lifecycle._choose_office(case, c)
        by_rule.append(NO_VIA if case.via is None else case.via)
    bg._choose_offices(rows)
    bulk = cols["via"][rows].tolist()
    assert bulk == by_rule
    # the comparison covers every kind of option: the route, the usual desks, a walk-in centre
    kinds = {NO_VIA, C.VIA_DESKS} | {o.index for o in m.walk_in_centres}
    assert {NO_VIA, C.VIA_DESKS} <= set(bulk)
    assert set(bulk) & {o.index for o in m.walk_in_centres}
    assert set(bulk) <= kinds


def test_an_online_application_waits_for_its_steps_processing_days_in_both_populations():
    # a business licence online ("collection"): the housing step is done online and still
    # takes its 2 statutory processing days before the collection visit can be planned, for
    # the unsimulated residents as for a simulated case (PilotModel.online_application)
    m = build_model(RunSpec.from_config(api.compose(["sim.sample_fraction=0.5", "seed=1"])))
    for _ in range(20):
        m.step()
    bg, cols = m.background, m.background.cols
    s = m.service_names.index("business_licence")
    rows = np.nonzero((cols["due"][:bg.n] >= 0) & (cols["act"][:bg.n] == 0)
                      & (cols["trips"][:bg.n] == 0) & (cols["s"][:bg.n] == s))[0]
    assert len(rows) > 5
    waited = cols["due"][rows] - cols["opened"][rows]
    online_days = m.spec.behaviour.channels.online_processing_days
    assert (waited == online_days + 2).all(), np.unique(waited)
