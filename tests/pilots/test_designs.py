import numpy as np
import pytest

from pilotsim.plugins.pilots.schedule import assign
from pilotsim.spec.pilot_designs import PilotSpec
from pilotsim.spec.schema import SpecError

UNITS = {f"c{i:02d}": r for i, r in enumerate(np.linspace(0.9, 0.2, 12).round(3))}


def gen(seed=0):
    return np.random.default_rng(seed)


def treated(schedule):
    return {k for k, v in schedule.items() if v is not None}


def test_counterfactual_worlds():
    assert treated(assign(PilotSpec(design="none"), UNITS, gen())) == set()
    everywhere = assign(PilotSpec(design="everywhere", start_day=30), UNITS, gen())
    assert set(everywhere.values()) == {30}


def test_random_sites_vary_with_the_site_seed_and_have_the_right_size():
    picks = [frozenset(treated(assign(PilotSpec(design="random", sites=3), UNITS, gen(s))))
             for s in range(20)]
    assert all(len(p) == 3 for p in picks)
    assert len(set(picks)) > 10
    # every site can be chosen
    assert set().union(*picks) == set(UNITS)


def test_readiness_picks_the_best_run_sites():
    chosen = treated(assign(PilotSpec(design="readiness", sites=3), UNITS, gen()))
    assert chosen == {"c00", "c01", "c02"}


def test_matched_pairs_treat_one_site_of_each_similar_pair():
    for s in range(10):
        chosen = sorted(treated(assign(PilotSpec(design="matched_pairs", sites=3), UNITS,
                                       gen(s))))
        ranked = sorted(UNITS, key=UNITS.get)
        pair_of = {n: i // 2 for i, n in enumerate(ranked)}
        assert len(chosen) == 3
        assert len({pair_of[n] for n in chosen}) == 3  # never two of the same pair


def test_stepped_wedge_reaches_every_site_in_waves():
    spec = PilotSpec(design="stepped_wedge", waves=4, wave_interval_days=56, start_day=28)
    schedule = assign(spec, UNITS, gen())
    assert sorted(set(schedule.values())) == [28, 84, 140, 196]
    assert all(v is not None for v in schedule.values())
    by_ready = assign(PilotSpec(design="stepped_wedge", waves=4, order="readiness",
                                start_day=0), UNITS, gen())
    assert {k for k, v in by_ready.items() if v == 0} == {"c00", "c01", "c02"}


@pytest.mark.parametrize(("spec", "key", "words"), [
    (PilotSpec(design="random", sites=12), "pilot.sites", "fewer pilot sites"),
    (PilotSpec(design="matched_pairs", sites=7), "pilot.sites", "at most 6 pairs"),
    (PilotSpec(design="fixed", site_names=("c99",)), "pilot.site_names", "a community"),
    (PilotSpec(design="stepped_wedge", waves=8, wave_interval_days=56), "pilot.waves",
     "before the end of the run"),
    (PilotSpec(design="random", start_day=400), "pilot.start_day", "before the end"),
])
def test_bad_designs_are_named(spec, key, words):
    with pytest.raises(SpecError) as err:
        spec.validate(UNITS, days=365)
    assert err.value.key == key and words in err.value.expected


@pytest.mark.parametrize(("overrides", "key", "words"), [
    (["pilot=random"], "pilot.design", "a reform to pilot"),
    (["reform=data_sharing", "pilot=random", "pilot.sites=12"], "pilot.sites",
     "fewer pilot sites"),
    (["reform=data_sharing", "pilot=fixed", "pilot.site_names=[east_99]"], "pilot.site_names",
     "a community of the city"),
    (["reform=data_sharing", "pilot=stepped_wedge", "pilot.waves=7"], "pilot.waves",
     "before the end of the run"),
    (["reform=data_sharing", "pilot=random", "pilot.unit=block"], "pilot.unit", "one of"),
])
def test_bad_pilot_configs_stop_before_any_run(overrides, key, words):
    from pilotsim.app import api
    from pilotsim.spec import RunSpec

    with pytest.raises(SpecError) as err:
        RunSpec.from_config(api.compose(overrides))
    assert err.value.key == key and words in err.value.expected


def test_a_pilot_run_records_its_design_sites_and_treatment():
    from pilotsim.app import api

    r = api.run(api.compose(["reform=data_sharing", "pilot=random", "pilot.sites=4",
                             "sim.days=100", "sim.sample_fraction=0.1", "seed=3"]))
    meta = r.metadata
    assert meta["arm"] == "data_sharing@random"
    treated = {c for c, d in meta["treatment"].items() if d is not None}
    assert len(treated) == 4 and set(meta["treatment"].values()) == {None, 84}
    assert treated == {c for c, d in meta["pilot"]["sites"].items() if d is not None}
    # another site seed moves the pilot, not the residents or their needs
    moved = api.run(api.compose(["reform=data_sharing", "pilot=random", "pilot.sites=4",
                                 "sim.days=100", "sim.sample_fraction=0.1", "seed=3",
                                 "pilot.site_seed=99"]))
    assert {c for c, d in moved.metadata["treatment"].items() if d is not None} != treated
    key = ["case_id", "resident_id", "service", "day_opened"]
    assert r.cases[key].equals(moved.cases[key])


def test_district_pilots_reach_every_community_of_the_district():
    from pilotsim.app import api

    r = api.run(api.compose(["reform=data_sharing", "pilot=random", "pilot.unit=district",
                             "pilot.sites=1", "sim.days=90", "sim.sample_fraction=0.05"]))
    treated = {c for c, d in r.metadata["treatment"].items() if d is not None}
    district = {c.split("_")[0] for c in treated}
    assert len(district) == 1 and len(treated) == 6
