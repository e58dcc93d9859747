"""A day's new residents registered at once are the agents Mesa's one-by-one path makes."""

from __future__ import annotations

import pytest
from mesa.model import ModelSignals

from pilotsim.app import api
from pilotsim.sim import agents
from pilotsim.sim.agents import Resident
from pilotsim.sim.model import PilotModel
from pilotsim.spec import RunSpec

SPEC = ["sim.days=10"]


def _registry(m: PilotModel) -> list[tuple]:
    """Every agent in Mesa's sets as (type, unique_id, own attributes), in their order."""
    def row(a):
        own = {k: v for k, v in vars(a).items() if k not in ("model", "cases")}
        return type(a).__name__, a.unique_id, list(own), own.get("index"), \
            own.get("community_index"), getattr(a, "channel_memory", None), \
            len(getattr(a, "cases", ()))
    return [[row(a) for a in m.agents],
            [row(a) for a in m.agents_by_type[Resident]],
            [(r, a.unique_id) for r, a in m.residents.items()],
            m.agent_id_counter]


def _run(one_by_one: bool, monkeypatch: pytest.MonkeyPatch) -> PilotModel:
    with monkeypatch.context() as p:
        if one_by_one:
            p.setattr(agents, "_registers_quietly", lambda model, cls: False)
        m = PilotModel(RunSpec.from_config(api.compose(SPEC)))
        m.run()
    return m


def test_bulk_registration_gives_mesa_s_agents_ids_and_order(monkeypatch):
    bulk, mesa_path = _run(False, monkeypatch), _run(True, monkeypatch)
    assert len(bulk.residents) > 500, "the days made many residents"
    assert agents._registers_quietly(bulk, Resident), "they were registered in bulk"
    assert _registry(bulk) == _registry(mesa_path)
    # the attributes come in Agent.__init__'s order, then the resident's own
    assert _registry(bulk)[1][5][2] == ["unique_id", "pos", "index", "community_index"]


def test_a_subscriber_to_agent_signals_sees_every_resident_added():
    m = PilotModel(RunSpec.from_config(api.compose(SPEC)))
    seen = []

    def added(signal) -> None:  # (Mesa keeps a weak reference: the name keeps it alive)
        seen.append(signal.additional_kwargs["args"][0])

    m.observe("agents", ModelSignals.AGENT_ADDED, added)
    m.run()
    residents = [a for a in seen if isinstance(a, Resident)]
    assert residents == list(m.agents_by_type[Resident])
    assert len(residents) == len(m.residents) > 500
