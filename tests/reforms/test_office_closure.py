"""Office closure: residents re-route, fewer apply, the neighbour congests, the vulnerable lose."""


import pytest

from pilotsim.app import api
from pilotsim.spec import RunSpec
from pilotsim.spec.schema import SpecError

from .runs import communities_of, run

CIVIL_AFFAIRS = ["elderly_allowance", "minimum_living_allowance"]  # services with such a step
VULNERABLE = ["elderly", "disabled"]


def _unmet(cases) -> float:
    settled = cases[cases["status"] != "open"]
    return float(settled["status"].isin(["not_pursued", "abandoned"]).mean())


def test_closing_an_office_cuts_applications_congests_the_neighbour_and_screens_out():
    base, shut = run(), run("reform=office_closure")  # east_civil_affairs closes on day 0
    east = communities_of(base, "east")
    assert shut.metadata["treatment"] == {c: (0 if c in east else None)
                                          for c in base.model.community_names}
    assert "east_civil_affairs" not in set(shut.visits["office"].astype(str))

    def east_civil(r):
        c = r.cases
        return c[c["community"].isin(east) & c["service"].isin(CIVIL_AFFAIRS)]

    # the same needs (same ids, same uniforms): fewer become applications (take-up, part of
    # the burden is the longer trip to the west office)
    b, s = east_civil(base), east_civil(shut)
    assert list(b["case_id"]) == list(s["case_id"])
    pursued_b = (b["status"] != "not_pursued").mean()
    pursued_s = (s["status"] != "not_pursued").mean()
    assert pursued_s < pursued_b - 0.02

    # the neighbouring office's queue grows (its own residents, the re-routed east, and the
    # closed office's other business)
    def wait_at(r, office):
        v = r.visits
        return v.loc[v["office"] == office, "wait_min"].mean()

    assert wait_at(shut, "west_civil_affairs") > 1.5 * wait_at(base, "west_civil_affairs")

    # the vulnerable (long trips weigh more: mobility) are screened out more than the rest
    def change(group):
        b, s = (r.cases[r.cases["community"].isin(east) & group(r.cases)] for r in (base, shut))
        return _unmet(s) - _unmet(b)

    vulnerable = change(lambda c: c["profile"].isin(VULNERABLE))
    rest = change(lambda c: ~c["profile"].isin(VULNERABLE))
    assert vulnerable > 0.03
    assert vulnerable > rest + 0.03


def test_other_business_moves_to_the_next_office_unless_told_not_to():
    cfg = ["sim.days=5", "sim.sample_fraction=0.05", "reform=office_closure"]
    moved = api.run(api.compose(cfg)).model
    kept = api.run(api.compose([*cfg, "reform.office_closure.move_other_visits=false"])).model
    spec = moved.spec.city.offices
    west = moved.offices[moved.office_index["west_civil_affairs"]]
    assert west.other_visits_per_day == pytest.approx(
        spec["west_civil_affairs"].other_visits_per_day
        + spec["east_civil_affairs"].other_visits_per_day)
    assert kept.offices[kept.office_index["west_civil_affairs"]].other_visits_per_day == \
        spec["west_civil_affairs"].other_visits_per_day
    closed = moved.offices[moved.office_index["east_civil_affairs"]]
    assert not closed.departments and closed.other_visits_per_day == 0


@pytest.mark.parametrize(("offices", "key", "value", "says"), [
    ("[nowhere]", "reform.office_closure.offices[0]", "nowhere", "an office: "),
    ("[district_housing]", "reform.office_closure.offices[0]", "district_housing",
     "nobody serving 'housing'"),
    ("[east_civil_affairs,west_civil_affairs]", "reform.office_closure.offices[0]",
     "east_civil_affairs", "nobody serving 'civil_affairs'"),
    ("[]", "reform.office_closure.offices", [], "at least one office"),
])
def test_bad_closures_name_key_and_value(offices, key, value, says):
    with pytest.raises(SpecError) as e:
        RunSpec.from_config(api.compose(["reform=office_closure",
                                         f"reform.office_closure.offices={offices}"]))
    assert e.value.key == key and e.value.value == value and says in str(e.value)


def test_bad_closure_exits_2_from_the_cli(tmp_path, pilotsim_main, capsys, monkeypatch):
    # the command's entry point in this process (see the pilotsim_main fixture)
    monkeypatch.chdir(tmp_path)
    code = pilotsim_main("reform=office_closure",
                         "reform.office_closure.offices=[district_housing]",
                         f"hydra.run.dir={tmp_path}/r")
    assert code == 2
    assert "reform.office_closure.offices[0] = 'district_housing'" in capsys.readouterr().err
    assert not (tmp_path / "r" / "cases.parquet").exists()
