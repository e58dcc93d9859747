"""Reform configs: Hydra composition, the arm label, and bad input stopped before any run."""

import pytest
from omegaconf import OmegaConf

from pilotsim.app import api
from pilotsim.plugins.reforms.registry import REFORMS, build_reforms
from pilotsim.plugins.runner import build_model
from pilotsim.spec import RunSpec
from pilotsim.spec.schema import SpecError

from .runs import BASE


def spec_of(*overrides: str) -> RunSpec:
    return RunSpec.from_config(api.compose([*BASE, *overrides]))


def test_list_selection_composes_reforms_in_order_and_labels_the_arm():
    spec = spec_of("reform=[one_door,data_sharing]")
    assert spec.reform.names == ("one_door", "data_sharing")
    assert spec.arm == "one_door+data_sharing"
    assert [r.name for r in build_model(spec).reforms] == ["one_door", "data_sharing"]
    assert spec_of("reform=[data_sharing,one_door]").arm == "data_sharing+one_door"


def test_baseline_is_no_reform_and_arm_stays_overridable():
    for spec in (spec_of(), spec_of("reform=baseline")):
        assert len(spec.reform) == 0 and spec.arm == "baseline"
        assert build_model(spec).reforms == []
    assert spec_of("reform=one_door", "arm=pilot_a").arm == "pilot_a"


def test_plain_dict_config_gets_the_same_default_arm():
    plain = OmegaConf.to_container(api.compose([*BASE, "reform=staffing"]), resolve=True)
    del plain["arm"]
    assert RunSpec.from_config(plain).arm == "staffing"


def test_every_registered_reform_has_a_config_file_that_validates():
    for name in REFORMS:
        spec = spec_of(f"reform={name}")
        assert spec.reform.names == (name,)
        assert isinstance(dict(spec.reform)[name], REFORMS[name].Params)


def _error(*overrides: str) -> SpecError:
    with pytest.raises(SpecError) as e:
        spec_of(*overrides)
    return e.value


def test_unknown_reform_name():
    e = _error("+reform.teleporter.start_day=3")
    assert (e.key, e.value) == ("reform", "teleporter")
    assert "one_door" in e.expected and "data_sharing" in e.expected


def test_scope_naming_a_missing_community_or_district():
    e = _error("reform=data_sharing", "reform.data_sharing.scope={communities:[atlantis]}")
    assert (e.key, e.value) == ("reform.data_sharing.scope.communities[0]", "atlantis")
    assert "east_01" in e.expected
    e = _error("reform=one_door", "reform.one_door.scope={districts:[east,north]}")
    assert (e.key, e.value) == ("reform.one_door.scope.districts[1]", "north")
    e = _error("reform=one_door", "reform.one_door.scope={}")
    assert e.key == "reform.one_door.scope" and "'all'" in e.expected


def test_start_day_past_the_end():
    e = _error("reform=[one_door,staffing]", "reform.staffing.start_day=90")
    assert (e.key, e.value) == ("reform.staffing.start_day", 90)
    assert "89" in e.expected
    assert _error("reform=one_door", "reform.one_door.start_day=-1").value == -1


@pytest.mark.parametrize(("overrides", "key", "value"), [
    (["reform=online_service", "+reform.online_service.services.teleportation=full"],
     "reform.online_service.services.teleportation", "teleportation"),
    (["reform=online_service", "reform.online_service.services.business_licence=sometimes"],
     "reform.online_service.services.business_licence", "sometimes"),
    (["reform=staffing", "reform.staffing.offices=[town_hall]"],
     "reform.staffing.offices[0]", "town_hall"),
    (["reform=staffing", "reform.staffing.hours={mon:['17:00-09:00']}"],
     "reform.staffing.hours.mon", "17:00-09:00"),
    (["reform=simplify_procedures", "+reform.simplify_procedures.remove_steps.business_licence=[0]",
      "reform.simplify_procedures.remove_documents=[residence_certificate]"],
     "reform.simplify_procedures.remove_steps.business_licence", [0]),
    (["reform=simplify_procedures",
      "+reform.simplify_procedures.remove_steps.business_licence=[5]"],
     "reform.simplify_procedures.remove_steps.business_licence[0]", 5),
    (["reform=community_proxy", "reform.community_proxy.profiles=[astronaut]"],
     "reform.community_proxy.profiles[0]", "astronaut"),
    (["reform=data_sharing", "reform.data_sharing.documents=[passport]"],
     "reform.data_sharing.documents[0]", "passport"),
    (["reform=one_door", "reform.one_door.host={east:west_civil_affairs}"],
     "reform.one_door.host.east", "west_civil_affairs"),
    (["reform=outreach_checklists", "reform.outreach_checklists.cv_factor=0"],
     "reform.outreach_checklists.cv_factor", 0.0),
    (["reform=one_door", "reform.one_door.cost.setup_budget=-5"],
     "reform.one_door.cost.setup_budget", -5.0),
])
def test_reform_specific_errors_name_key_and_value(overrides, key, value):
    e = _error(*overrides)
    assert (e.key, e.value) == (key, value)
    assert e.expected


def test_bad_reform_config_stops_before_the_run_writes_anything(tmp_path):
    cfg = api.compose([*BASE, "reform=data_sharing",
                       "reform.data_sharing.scope={communities:[atlantis]}"])
    with pytest.raises(SpecError):
        api.run(cfg, out_dir=tmp_path / "run")
    assert not (tmp_path / "run").exists()


def test_a_schedule_runs_each_reform_once_per_wave():
    spec = spec_of("reform=[data_sharing,one_door]")
    reforms = build_reforms(spec, {"east_01": 10, "west_02": 20, "west_03": 10, "east_02": None})
    assert [(r.name, r.start_day, r.params.scope.communities) for r in reforms] == [
        ("data_sharing", 10, ("east_01", "west_03")), ("data_sharing", 20, ("west_02",)),
        ("one_door", 10, ("east_01", "west_03")), ("one_door", 20, ("west_02",))]
    with pytest.raises(SpecError) as e:
        build_reforms(spec, {"east_01": 90})
    assert e.value.key == "schedule[90].data_sharing.start_day"


def test_a_schedule_given_to_the_model_sets_treatment_and_leaves_earlier_days_alone():
    spec = spec_of("reform=data_sharing")
    schedule = {c: None for c in spec.city.communities} | {"east_01": 20, "west_04": 40}
    base = build_model(spec_of())
    base.run()
    model = build_model(spec, schedule=schedule)
    model.run()
    assert [(r.start_day, r.communities) for r in model.reforms] == [(20, [0]), (40, [9])]
    assert api.reform_metadata(model)["treatment"] == schedule
    b, m = base.visits.cols, model.visits.cols
    n = sum(day < 20 for day in b["day"])
    assert n > 100
    assert all(b[k][:n] == m[k][:n] for k in b)
    assert b["day"][n] >= 20 and m["day"][n] >= 20


def test_hydra_names_the_reforms_it_knows_when_asked_for_another():
    from hydra.errors import MissingConfigException

    with pytest.raises(MissingConfigException) as e:
        api.compose([*BASE, "reform=teleporter"])
    assert "teleporter" in str(e.value)
    assert all(name in str(e.value) for name in REFORMS)


def test_wave_start_days_are_plain_ints_for_the_metadata():
    import json

    import numpy as np

    spec = spec_of("reform=online_service")
    model = build_model(spec, schedule={"east_01": np.int64(5)})
    model.run()
    meta = api.reform_metadata(model)
    assert json.loads(json.dumps(meta))["treatment"]["east_01"] == 5
