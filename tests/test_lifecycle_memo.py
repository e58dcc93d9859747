"""The case lifecycle's group answers are dropped exactly when the world may have changed."""

from __future__ import annotations

from dataclasses import dataclass

from pilotsim.app import api
from pilotsim.sim.levers import Levers
from pilotsim.sim.model import PilotModel
from pilotsim.spec import RunSpec


@dataclass
class _SharesAll:
    """An intervention that makes every document shared from its start day (no daily hook)."""

    start_day: int

    def setup(self, levers: Levers) -> None:
        pass

    def start(self, levers: Levers) -> None:
        for c in range(len(levers.community_names)):
            levers.share_documents(c, levers.spec.services.documents)

    def daily(self, levers: Levers, day: int) -> None:
        pass


def test_group_answers_are_recomputed_on_an_interventions_start_day_only():
    spec = RunSpec.from_config(api.compose(["sim.days=12", "sim.sample_fraction=0.2",
                                            "pilot.start_day=0"]))
    m = PilotModel(spec, interventions=[_SharesAll(6)])
    changed = []
    for d in range(12):
        m.step()
        changed.append(m.world_may_have_changed(d))
        if d == 5:
            assert m.lifecycle._spans, "visits of the first days were kept per group"
            before = dict(m.lifecycle._spans)
    assert changed[6], "the world may have changed on the intervention's start day"
    assert not any(changed[1:6]) and not any(changed[7:])
    # what a visit carries was recomputed after the start: nothing left to carry
    assert any(docs for _, _, docs, _ in before.values())
    assert m.lifecycle._spans and not any(docs for _, _, docs, _ in m.lifecycle._spans.values())


@dataclass
class _SharesLater:
    """Starts on day 2 doing nothing; its daily hook shares every document at the end of day 8."""

    start_day: int = 2

    def setup(self, levers: Levers) -> None:
        pass

    def start(self, levers: Levers) -> None:
        pass

    def daily(self, levers: Levers, day: int) -> None:
        if day == 8:
            for c in range(len(levers.community_names)):
                levers.share_documents(c, levers.spec.services.documents)


def test_a_daily_hook_marks_the_world_changed_only_when_it_pulls_a_lever():
    spec = RunSpec.from_config(api.compose(["sim.days=12", "sim.sample_fraction=0.2",
                                            "pilot.start_day=0"]))
    m = PilotModel(spec, interventions=[_SharesLater()])
    changed = []
    for d in range(12):
        m.step()
        changed.append(m.world_may_have_changed(d))
    # a hook with a body that changes nothing (days 2-8) keeps the group answers; the lever
    # pulled at the end of day 8 drops them for day 9
    assert [d for d in range(1, 12) if changed[d]] == [9]
    assert m.lifecycle._spans and not any(docs for _, _, docs, _ in m.lifecycle._spans.values())
