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
