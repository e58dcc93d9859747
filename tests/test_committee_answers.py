"""Committee contacts decided with the day's other needs give what one by one gives.

``CaseLifecycle.open_cases`` decides a day's committee contacts on arrays where the
committee's staff time covers every minute they could spend at opening
(``_committee_answers``); otherwise they go one by one (``open_case``). Each run here is
compared with the same run opened wholly one by one (``_BULK_ROWS`` above any day's needs).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pytest

from pilotsim.app import api
from pilotsim.sim import lifecycle, records
from pilotsim.sim.agents import Organisation
from pilotsim.sim.levers import Levers
from pilotsim.sim.lifecycle import CaseLifecycle
from pilotsim.sim.model import PilotModel
from pilotsim.spec import RunSpec

DAYS = 30


@dataclass
class _TightCommittees:
    """From day 0 every committee also relays steps and submits by proxy, on ``staff`` a day."""

    staff: float
    start_day: int = 0

    def setup(self, levers: Levers) -> None:
        pass

    def start(self, levers: Levers) -> None:
        for c in range(len(levers.community_names)):
            org = levers.organisation(c)
            if org is not None:
                levers.add_org_functions(c, ["relay", "proxy"])
                levers.add_org_staff(c, self.staff - org.staff_min_per_day)

    def daily(self, levers: Levers, day: int) -> None:
        pass


def _run(interventions: list, monkeypatch, one_by_one: bool, answered: list[int]):
    """The run; ``answered``: contacts decided together, one by one, and staff time refused."""
    logging.getLogger("MESA").setLevel(logging.WARNING)
    spec = RunSpec.from_config(api.compose([f"sim.days={DAYS}", "output.write=false",
                                            "pilot.start_day=0"]))
    with monkeypatch.context() as mp:
        if one_by_one:
            mp.setattr(lifecycle, "_BULK_ROWS", 10**9)
        answers = CaseLifecycle._committee_answers

        def spy(self, comm, contact):
            got = answers(self, comm, contact)
            answered[0] += int(got[0].sum())
            answered[1] += int((contact & ~got[0]).sum())
            return got

        mp.setattr(CaseLifecycle, "_committee_answers", spy)
        use = Organisation.use

        def refusing(self, function, minutes):
            got = use(self, function, minutes)
            answered[2] += function in self.functions and not got
            return got

        mp.setattr(Organisation, "use", refusing)
        model = PilotModel(spec, interventions=interventions)
        model.run()
    return model


def _same(a: PilotModel, b: PilotModel) -> None:
    pd.testing.assert_frame_equal(records.cases_table(a), records.cases_table(b),
                                  check_exact=True)
    pd.testing.assert_frame_equal(records.visits_table(a), records.visits_table(b),
                                  check_exact=True)
    for name in ("knowledge", "trust", "expectation", "channel_memory"):
        np.testing.assert_array_equal(getattr(a.population, name),
                                      getattr(b.population, name), err_msg=name)
    assert [(o.remaining, o.used_total) for o in a.organisation_of.values()] == \
        [(o.remaining, o.used_total) for o in b.organisation_of.values()]
    assert [(x.informed, x.prechecked, x.knowledge) for x in a.cases] == \
        [(x.informed, x.prechecked, x.knowledge) for x in b.cases]


@pytest.mark.parametrize("staff", [None, 70.0])
def test_contacts_decided_together_match_one_by_one(monkeypatch, staff):
    """The default committees (time to spare), and ones whose time runs out on some days."""
    ivs = [] if staff is None else [_TightCommittees(staff)]
    answered = [0, 0, 0]
    together = _run(ivs, monkeypatch, False, answered)
    assert answered[0] > 100, "contacts were decided with the day's other needs"
    if staff is not None:  # a committee short of time: its contacts went one by one
        assert answered[1] > 50 and answered[2] > 50, "time ran out on some days"
        assert any(x.channel == "proxy" for x in together.cases), "proxy was chosen"
        assert sum(x.informed and not x.prechecked for x in together.cases) > 0
    _same(together, _run(ivs, monkeypatch, True, [0, 0, 0]))
