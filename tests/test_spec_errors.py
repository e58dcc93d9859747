"""Bad input stops before anything is built, with a message naming key, value and expectation."""


import pytest

from pilotsim.app import api
from pilotsim.spec import RunSpec
from pilotsim.spec.schema import SpecError

CASES = [  # (overrides, key named in the error, words of the expectation)
    (["+city.offices.east_civil_affairs.countres=3"], "city.offices.east_civil_affairs.countres",
     "no such key"),
    (["sim.days=abc"], "sim.days", "an integer"),
    (["city.offices.east_civil_affairs.counters=0"], "city.offices.east_civil_affairs.counters",
     ">= 1"),
    (["city.communities.east_01.population=-5"], "city.communities.east_01.population", ">= 1"),
    (["services.catalogue.elderly_allowance.demand_per_year.elderly=-0.1"],
     "services.catalogue.elderly_allowance.demand_per_year.elderly", ">= 0"),
    (["city.offices.east_civil_affairs.error_rate=1.5"],
     "city.offices.east_civil_affairs.error_rate", "probability in [0, 1]"),
    (["behaviour.profiles.elderly.info_contact=-0.2"], "behaviour.profiles.elderly.info_contact",
     "probability"),
    (["behaviour.takeup.scale_min=0"], "behaviour.takeup.scale_min", "a number > 0"),
    (["behaviour.takeup.document_min=-1"], "behaviour.takeup.document_min", ">= 0"),
    (["behaviour.satisfaction.delay_weight_per_day=-1"],
     "behaviour.satisfaction.delay_weight_per_day", ">= 0"),
    (["behaviour.profiles.elderly.delay_days_mean=0.5"],
     "behaviour.profiles.elderly.delay_days_mean", "at least 1 day"),
    (["services.catalogue.elderly_allowance.steps.0.department=tax_bureau"],
     "services.catalogue.elderly_allowance.steps[0].department", "a department some office"),
    (["services.catalogue.elderly_allowance.steps.0.requires=[id_card,premises_certificate]"],
     "services.catalogue.elderly_allowance.steps[0].requires", "no earlier step issues it"),
    (["services.catalogue.elderly_allowance.steps.0.requires=[id_card,passport]"],
     "services.catalogue.elderly_allowance.steps[0].requires", "listed under services.documents"),
    ([f"city.offices.east_civil_affairs.hours.{d}=[]" for d in ("mon", "tue", "wed", "thu", "fri")],
     "city.offices.east_civil_affairs.hours",
     "opening hours on at least one weekday"),
    (["city.offices.east_civil_affairs.hours.mon=[09:00-08:00]"],
     "city.offices.east_civil_affairs.hours.mon", "ends after it starts"),
    (["city.communities.east_01.profile_mix.elderly=0.5"],
     "city.communities.east_01.profile_mix", "sum to 1"),
    (["+city.communities.east_01.profile_mix.pensioner=0.0"],
     "city.communities.east_01.profile_mix.pensioner", "a profile under behaviour.profiles"),
    (["sim.sample_fraction=0"], "sim.sample_fraction", "(0, 1]"),
    (["+city.offices.east_civil_affairs.staffing=[{day:400,counters:3}]"],
     "city.offices.east_civil_affairs.staffing[0].day", "before the end of the run"),
]


@pytest.mark.parametrize(("overrides", "key", "expected"), CASES, ids=[c[1] for c in CASES])
def test_bad_config_names_key_value_and_expectation(overrides, key, expected):
    with pytest.raises(SpecError) as err:
        RunSpec.from_config(api.compose(overrides))
    assert err.value.key == key
    assert expected in err.value.expected
    assert key in str(err.value)


def test_cli_exits_nonzero_and_leaves_no_complete_folder(tmp_path, pilotsim_main, capsys,
                                                         monkeypatch):
    # the command's entry point in this process (see the pilotsim_main fixture)
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "run"
    code = pilotsim_main("city.offices.east_civil_affairs.counters=0", f"hydra.run.dir={out}")
    assert code == 2
    assert ("city.offices.east_civil_affairs.counters = 0: expected an integer >= 1"
            in capsys.readouterr().err)
    assert not (out / "metadata.json").exists()
    assert not (out / "cases.parquet").exists()


def test_spec_errors_survive_a_trip_to_a_worker_process():
    import pickle

    e = pickle.loads(pickle.dumps(SpecError("sim.days", -1, "an integer >= 1")))
    assert (e.key, e.value, e.expected) == ("sim.days", -1, "an integer >= 1")
    assert str(e) == "sim.days = -1: expected an integer >= 1"
