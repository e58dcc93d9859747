"""Two worlds from one config: same residents and days, differing only by the changes."""

import numpy as np
import pytest

from pilotsim.app.dashboard.settings import Changes, has_reform_group
from pilotsim.app.dashboard.worlds import TwinWorlds, parse_controls
from pilotsim.spec.schema import SpecError


def run(twins, days):
    for _ in range(days):
        twins.step()
    return twins


def test_without_changes_the_two_worlds_are_the_same_world():
    tw = run(TwinWorlds(["sim.days=30", "seed=5"]), 30)
    b, r = (w.tracker for w in tw.worlds)
    assert sum(b.totals["visits"]) > 100
    for k in b.totals:
        assert b.totals[k] == r.totals[k], k
    assert tw.baseline.model.spec.seed == tw.reform.model.spec.seed == 5
    assert tw.day == 30 and not tw.running


def test_fewer_counters_lengthen_that_offices_queue_and_nothing_before_its_first_visit():
    tw = TwinWorlds(["sim.days=40"], counters__east_civil_affairs=1)
    assert tw.reform.model.offices[0].counters == 1
    assert tw.baseline.model.offices[0].counters == 2
    assert tw.reform.label == "With: east civil affairs: 2→1 counters"
    run(tw, 40)
    b, r = tw.baseline.tracker, tw.reform.tracker
    i = tw.baseline.model.office_index["east_civil_affairs"]
    wait_b = sum(x[i] for x in b.office_wait) / sum(x[i] for x in b.office_visits)
    wait_r = sum(x[i] for x in r.office_wait) / sum(x[i] for x in r.office_visits)
    assert wait_r > 1.5 * wait_b
    # the same residents with the same needs: the same cases open in both worlds
    cb, cr = tw.baseline.model.cases, tw.reform.model.cases
    assert [(c.resident.index, c.service, c.day_opened) for c in cb[:200]] == \
        [(c.resident.index, c.service, c.day_opened) for c in cr[:200]]
    # until the first visit to that office, the two worlds' days are identical
    first = next(d for d in range(40) if b.office_visits[d][i] or r.office_visits[d][i])
    assert b.totals["wait_sum"][:first] == r.totals["wait_sum"][:first]


def test_changes_apply_to_both_worlds_when_asked():
    tw = TwinWorlds(["sim.days=5"], counters__east_civil_affairs=4, apply_to="both worlds")
    assert tw.baseline.model.offices[0].counters == 4 == tw.reform.model.offices[0].counters


def test_controls_parse_into_changes():
    start = Changes(staff_scale=2.0, functions=("relay",))
    ch = parse_controls({"function__relay": False, "function__proxy": True,
                         "counters__east_housing": 3, "knowledge_shift": 0.2,
                         "apply_to": "both worlds", "reform__one_door": True}, start)
    assert ch.functions == ("proxy",)
    assert dict(ch.counters) == {"east_housing": 3}
    assert ch.staff_scale == 2.0 and ch.knowledge_shift == 0.2
    assert ch.apply_to == "both" and ch.reforms == ("one_door",)
    with pytest.raises(SpecError, match="a dashboard control"):
        parse_controls({"colour": "red"}, start)
    with pytest.raises(SpecError, match="apply_to"):
        parse_controls({"apply_to": "nobody"}, start)


def test_teaching_preset_starts_the_controls_and_a_control_overrides_it():
    tw = TwinWorlds(["+teaching=committee_broker", "sim.days=5"])
    assert tw.teaching.title.startswith("The neighbourhood committee")
    assert tw.changes.staff_scale == 3.0
    base = tw.baseline.model.organisation_of[0]
    ref = tw.reform.model.organisation_of[0]
    assert ref.staff_min_per_day == pytest.approx(3 * base.staff_min_per_day)
    assert "relay" in ref.functions and "relay" not in base.functions
    knowledge_b = tw.baseline.model.population.knowledge.mean()
    knowledge_r = tw.reform.model.population.knowledge.mean()
    assert knowledge_r > knowledge_b + 0.1
    tw2 = TwinWorlds(["+teaching=committee_broker", "sim.days=5"], staff_scale=1.0)
    assert tw2.reform.model.organisation_of[0].staff_min_per_day == \
        pytest.approx(base.staff_min_per_day)


def test_seed_and_sample_fraction():
    tw = TwinWorlds(["sim.days=5"], seed=11, sample_fraction=0.1)
    for w in tw.worlds:
        assert w.model.spec.seed == 11
        assert w.model.spec.sim.sample_fraction == 0.1
    tw = TwinWorlds(["sim.days=5", "sim.sample_fraction=0.3"], sample_fraction=0.1)
    assert tw.baseline.model.spec.sim.sample_fraction == 0.3


def test_bad_config_fails_before_anything_runs():
    with pytest.raises(SpecError, match="counters"):
        TwinWorlds(["sim.days=5", "city.offices.east_civil_affairs.counters=0"])
    with pytest.raises(SpecError, match="scope"):
        TwinWorlds(["sim.days=5"], scope="district:north")


@pytest.mark.skipif(not has_reform_group(), reason="the reform config group is not on main yet")
def test_a_reform_world_differs_and_its_label_says_how():
    tw = TwinWorlds(["sim.days=40", "reform=one_door"])
    assert tw.changes.reforms == ("one_door",)
    assert tw.reform.label.startswith("With: one door")
    assert [r.name for r in tw.reform.model.reforms] == ["one_door"]
    assert tw.baseline.model.reforms == []
    run(tw, 40)
    b, r = tw.baseline.tracker, tw.reform.tracker
    assert np.sum(r.totals["wasted"]) < np.sum(b.totals["wasted"])


@pytest.mark.skipif(not has_reform_group(), reason="the reform config group is not on main yet")
def test_a_pilot_design_picks_the_sites_from_the_runs_stream():
    from pilotsim.app.dashboard import snapshot
    from pilotsim.plugins.pilots.schedule import pilot_schedule

    tw = TwinWorlds(["sim.days=200", "reform=data_sharing", "seed=4"], pilot="random",
                    pilot_sites=3, start_day=2)
    spec = tw.reform.model.spec
    assert (spec.pilot.design, spec.pilot.sites, spec.pilot.start_day) == ("random", 3, 2)
    assert tw.baseline.model.spec.pilot.design == "as_configured"
    sites = sorted(n for n, d in pilot_schedule(spec)[1].items() if d is not None)
    assert len(sites) == 3
    assert sorted(n for n, d in tw.reform.model.pilot_sites.items() if d is not None) == sites
    assert tw.reform.label == "With: data sharing (random pilot, 3 sites) from day 2"
    run(tw, 3)
    ring = snapshot.reached(tw.reform)
    assert sorted(np.array(tw.reform.model.community_names)[ring]) == sites
    assert not snapshot.reached(tw.baseline).any()
    # the user's own pilot overrides start the controls
    tw = TwinWorlds(["sim.days=200", "reform=data_sharing", "pilot=readiness",
                     "pilot.sites=2"])
    assert (tw.changes.pilot, tw.changes.pilot_sites) == ("readiness", 2)
    assert tw.reform.model.spec.pilot.sites == 2
    with pytest.raises(SpecError, match=r"pilot\.sites"):
        TwinWorlds(["sim.days=20", "reform=data_sharing"], pilot="random", pilot_sites=12)
    with pytest.raises(SpecError, match="a reform to pilot"):
        TwinWorlds(["sim.days=20"], pilot="random")
