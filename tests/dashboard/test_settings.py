"""How the trainer's changes become the two worlds' Hydra overrides."""

import pytest

from pilotsim.app import api
from pilotsim.app.dashboard import settings as S  # noqa: N812
from pilotsim.app.dashboard.settings import Changes
from pilotsim.spec.schema import SpecError


@pytest.fixture(scope="module")
def cfg():
    return api.compose(["sim.days=30"])


def test_reform_overrides_are_recognised_and_split():
    shared, chosen, pilot, inside = S.split_overrides(
        ["seed=3", "reform=[one_door,data_sharing]", "reform.one_door.counters=4",
         "+teaching=pooling", "city.offices.east_housing.counters=3", "pilot=random",
         "pilot.boost.knowledge=0.2"])
    assert shared == ["seed=3", "+teaching=pooling", "city.offices.east_housing.counters=3"]
    assert chosen == ("one_door", "data_sharing")
    assert pilot == "random"
    assert inside == ["reform.one_door.counters=4", "pilot.boost.knowledge=0.2"]
    assert S.reform_selection(["reform=one_door"]) == ("one_door",)
    assert S.reform_selection(["reform=baseline"]) == ()


def test_reform_override_syntax():
    assert S.reform_override(()) == "reform=baseline"
    assert S.reform_override(("one_door",)) == "reform=one_door"
    assert S.reform_override(("a", "b")) == "reform=[a,b]"
    assert S.scope_value("all") == "all"
    assert S.scope_value("district:east") == "{districts:[east]}"
    assert S.scope_value("community:east_01") == "{communities:[east_01]}"


def test_change_overrides_only_what_changes(cfg):
    ch = Changes(counters={"east_civil_affairs": 2, "district_housing": 5}, staff_scale=2.0,
                 functions=("relay",), knowledge_shift=0.5)
    out = S.change_overrides(ch, cfg)
    # east_civil_affairs already has 2 counters: no override for it
    assert "city.offices.district_housing.counters=5" in out
    assert not any("east_civil_affairs" in o for o in out)
    assert "city.organisations.east_01_committee.staff_min_per_day=480" in out
    # relay is added to each committee's own functions, in the canonical order
    assert "city.organisations.east_01_committee.functions=[information,precheck,relay]" in out
    assert "city.organisations.east_03_committee.functions=[information,relay]" in out
    # knowledge: half of the gap to 1 closed (elderly mean 0.45 -> 0.725)
    assert "behaviour.profiles.elderly.knowledge.mean=0.725" in out
    down = S.change_overrides(Changes(knowledge_shift=-0.5), cfg)
    assert "behaviour.profiles.elderly.knowledge.mean=0.225" in down
    assert S.change_overrides(Changes(), cfg) == []


def test_world_overrides_reform_world_only_by_default():
    wo = S.world_overrides(["seed=2"], Changes(counters={"east_civil_affairs": 4}),
                           api.compose)
    assert "city.offices.east_civil_affairs.counters=4" in wo.reform
    assert "city.offices.east_civil_affairs.counters=4" not in wo.baseline
    assert wo.baseline[0] == "seed=2" and wo.reform[0] == "seed=2"
    both = S.world_overrides(["seed=2"], Changes(counters={"east_civil_affairs": 4},
                                                 apply_to="both"), api.compose)
    assert "city.offices.east_civil_affairs.counters=4" in both.baseline


@pytest.mark.skipif(not S.has_reform_group(), reason="the reform config group is not on main yet")
def test_world_overrides_select_reforms_scope_and_start_in_the_reform_world_only():
    ch = Changes(reforms=("one_door",), scope="district:east", start_day=10,
                 reform_overrides=("reform.one_door.counters=3", "reform.data_sharing.x=1"))
    wo = S.world_overrides(["sim.days=30"], ch, api.compose)
    assert "reform=baseline" in wo.baseline and "pilot=as_configured" in wo.baseline
    assert "reform=one_door" in wo.reform and "pilot=as_configured" in wo.reform
    assert "++pilot.start_day=0" in wo.baseline and "++pilot.start_day=10" in wo.reform
    assert "reform.one_door.scope={districts:[east]}" in wo.reform
    assert "reform.one_door.start_day=10" in wo.reform
    assert "reform.one_door.counters=3" in wo.reform
    assert not any("data_sharing" in o for o in wo.reform)  # not chosen: left out
    assert not any(o.startswith("reform.") for o in wo.baseline)


@pytest.mark.skipif(not S.has_pilot_group(), reason="the pilot config group is not on main yet")
def test_a_pilot_design_goes_to_the_reform_world_only():
    ch = Changes(reforms=("data_sharing",), pilot="readiness", pilot_sites=4, start_day=7,
                 scope="district:east",
                 reform_overrides=("pilot.boost.knowledge=0.2",))
    wo = S.world_overrides(["sim.days=30"], ch, api.compose)
    assert "pilot=readiness" in wo.reform and "pilot=as_configured" in wo.baseline
    assert {"++pilot.sites=4", "++pilot.start_day=7", "pilot.boost.knowledge=0.2"} <= \
        set(wo.reform)
    assert not any("scope" in o or "reform.data_sharing.start_day" in o for o in wo.reform)
    plain = S.world_overrides(["sim.days=30"], ch.with_(pilot="as_configured"), api.compose)
    assert not any(o.startswith(("pilot.", "++pilot.sites")) for o in plain.reform)


@pytest.mark.parametrize(("changes", "key"), [
    ({"counters": {"east_civil_affairs": 0}}, "changes.counters.east_civil_affairs"),
    ({"staff_scale": -1}, "changes.staff_scale"),
    ({"functions": ["gossip"]}, "changes.functions[0]"),
    ({"knowledge_shift": 1.5}, "changes.knowledge_shift"),
    ({"apply_to": "everyone"}, "changes.apply_to"),
    ({"scope": "street:x"}, "changes.scope"),
    ({"colour": "red"}, "changes.colour"),
])
def test_bad_changes_name_the_key(changes, key):
    with pytest.raises(SpecError) as e:
        Changes.from_mapping(changes)
    assert e.value.key == key


def test_changes_checked_against_the_city(cfg):
    with pytest.raises(SpecError, match=r"counters\.nowhere"):
        Changes(counters={"nowhere": 2}).check_against(cfg, [])
    with pytest.raises(SpecError, match="district:NAME with NAME one of east, west"):
        Changes(scope="district:north").check_against(cfg, [])
    with pytest.raises(SpecError, match="reforms"):
        Changes(reforms=("magic",)).check_against(cfg, ["one_door"])
    with pytest.raises(SpecError, match="start_day"):
        Changes(start_day=30).check_against(cfg, [])


def test_sample_fraction_default_unless_set():
    assert S.with_sample_fraction(["seed=1"], 0.2) == ["sim.sample_fraction=0.2", "seed=1"]
    assert S.with_sample_fraction(["sim.sample_fraction=0.5"], 0.2) == \
        ["sim.sample_fraction=0.5"]
