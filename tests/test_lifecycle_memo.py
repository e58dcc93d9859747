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


def test_a_visit_day_uses_the_profiles_delay_as_the_rule_draws_it():
    # _visit_day reads each profile's log denominator from a memo made at build; it must
    # give the day rules.delay_days gives on the array path (its own NumPy formula), moved
    # to the office's next open day, for profiles whose means differ (1: no extra days)
    import numpy as np

    from pilotsim.sim import decisions as rules

    spec = RunSpec.from_config(api.compose([
        "sim.days=60", "sim.sample_fraction=0.2", "behaviour.profiles.elderly.delay_days_mean=1"]))
    m = PilotModel(spec)
    lc, office = m.lifecycle, m.offices[0]
    means = {p.delay_days_mean for p in m.profiles}
    assert 1.0 in means and len(means) > 1, "profiles with and without extra days"
    u = np.random.default_rng(3).random(200)
    for r in range(0, len(m.population.profile), 97):
        mean = m.profiles[m.population.profile.item(r)].delay_days_mean
        for d in (0, 7, 40):
            for x, delay in zip(u.tolist(), rules.delay_days(u, mean).tolist(), strict=True):
                day = d + delay
                want = None if day >= 60 or office.open_from[day] >= 60 else \
                    (office.open_from[day], -1.0)
                assert lc._visit_day(office, d, x, r) == want
