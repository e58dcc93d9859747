"""The uncertainty declarations: validation, distributions, designs and worlds applied to runs."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from pilotsim.app import api
from pilotsim.spec import RunSpec
from pilotsim.spec.schema import SpecError
from pilotsim.spec.uncertainty import Parameter, Uncertainty, apply_values, resolve_world

U = {"dist": "uniform", "low": 0.1, "high": 0.3, "reason": "a guess"}


def section(**params: dict) -> dict:
    return {"design": "lhs", "samples": 8, "seed": 0, "parameters": params}


@pytest.mark.parametrize(("sec", "key", "expected"), [
    (section(a={**U, "low": 0.3}), "uncertainty.parameters.a.high", "empty range"),
    (section(a={**U, "dist": "beta"}), "uncertainty.parameters.a.dist", "one of uniform"),
    (section(a={**U, "reason": ""}), "uncertainty.parameters.a.reason", "one-line reason"),
    (section(a={**U, "low": math.nan}), "uncertainty.parameters.a.low", "finite number"),
    (section(a={**U, "mean": 1}), "uncertainty.parameters.a.mean", "no such key"),
    (section(a={"dist": "normal", "mean": 1, "sd": 0, "low": 0, "high": 2, "reason": "r"}),
     "uncertainty.parameters.a.sd", "> 0"),
    (section(a={"dist": "triangular", "low": 0, "mode": 3, "high": 2, "reason": "r"}),
     "uncertainty.parameters.a.mode", "within [low, high]"),
    (section(a={"dist": "discrete", "values": [], "reason": "r"}),
     "uncertainty.parameters.a.values", "non-empty list"),
    (section(a={"dist": "discrete", "values": [1, 2], "weights": [1], "reason": "r"}),
     "uncertainty.parameters.a.weights", "2 non-negative weights"),
    ({**section(a=U), "design": "sobol", "samples": 12}, "uncertainty.samples", "power of 2"),
    ({**section(a=U), "design": "morris", "samples": 1}, "uncertainty.samples", "trajectories"),
    ({**section(a=U), "design": "halton"}, "uncertainty.design", "one of lhs"),
    ({**section(a=U), "draws": 3}, "uncertainty.draws", "no such key"),
])
def test_bad_declarations_name_the_key(sec: dict, key: str, expected: str) -> None:
    with pytest.raises(SpecError) as err:
        Uncertainty.from_config(sec)
    assert err.value.key == key
    assert expected in err.value.expected


def test_quantile_functions_match_the_declared_distributions() -> None:
    u = np.linspace(0, 1, 101)
    p = Parameter.from_plain("k", U, "k")
    assert p.ppf(0.0) == pytest.approx(0.1) and p.ppf(1.0) == pytest.approx(0.3)
    tri = Parameter.from_plain("k", {"dist": "triangular", "low": 0, "mode": 0, "high": 1,
                                     "reason": "r"}, "k")
    # triangular with the mode at 0: F(x) = 1 - (1 - x)^2, so the median is 1 - sqrt(0.5)
    assert tri.ppf(0.5) == pytest.approx(1 - math.sqrt(0.5))
    nrm = Parameter.from_plain("k", {"dist": "normal", "mean": 2.25, "sd": 0.5, "low": 1.0,
                                     "high": 3.5, "reason": "r"}, "k")
    values = nrm.ppf(u)
    assert values.min() >= 1.0 and values.max() <= 3.5
    assert nrm.ppf(0.5) == pytest.approx(2.25)  # symmetric truncation keeps the median
    assert nrm.ppf(0.8) == pytest.approx(
        stats.truncnorm.ppf(0.8, -2.5, 2.5, loc=2.25, scale=0.5))
    disc = Parameter.from_plain("k", {"dist": "discrete", "values": ["a", "b"],
                                      "weights": [3, 1], "reason": "r"}, "k")
    drawn = disc.ppf(np.random.default_rng(0).random(4000))
    assert np.mean(drawn == "a") == pytest.approx(0.75, abs=0.03)


@pytest.mark.parametrize(("design", "samples", "n"), [("lhs", 8, 8), ("sobol", 4, 4 * 4),
                                                      ("morris", 3, 3 * 3)])
def test_designs_have_the_documented_number_of_worlds(design: str, samples: int, n: int) -> None:
    unc = Uncertainty.from_config({"design": design, "samples": samples, "seed": 1,
                                   "parameters": {"a": U, "b": U}})
    x = unc.unit_sample()
    assert unc.n_worlds == n == len(x)
    assert ((x >= 0) & (x <= 1)).all()
    assert unc.world_values(n - 1) == unc.values(x[n - 1])  # the same draw, every time


def test_a_world_is_applied_to_every_matched_key_and_only_to_arms_it_concerns() -> None:
    cfg = {"behaviour": {"profiles": {"a": {"patience": 6}, "b": {"patience": 10}},
                         "knowledge": {"wrong_office": 0.3}},
           "reform": {}}
    unc = Uncertainty.from_config(section(**{
        "behaviour.profiles.*.patience": {**U, "apply": "scale"},
        "behaviour.knowledge.wrong_office": U,
        "reform.one_door.wrong_office_factor": U}))
    out = apply_values(cfg, unc, {"behaviour.profiles.*.patience": 0.5,
                                  "behaviour.knowledge.wrong_office": 0.2,
                                  "reform.one_door.wrong_office_factor": 0.4})
    assert out["behaviour"]["profiles"]["a"]["patience"] == 3.0
    assert out["behaviour"]["profiles"]["b"]["patience"] == 5.0
    assert out["behaviour"]["knowledge"]["wrong_office"] == 0.2
    assert out["reform"] == {}  # the baseline has no one-door reception to be unsure about
    assert cfg["behaviour"]["knowledge"]["wrong_office"] == 0.3  # the input is not changed
    with pytest.raises(SpecError, match=r"behaviour\.knowlege\.wrong_office"):
        resolve_world({**cfg, "uncertainty": section(**{"behaviour.knowlege.wrong_office": U})})


def test_world_must_be_a_draw_of_the_design() -> None:
    cfg = api.compose(["uncertainty=default_district", "world=66"])
    with pytest.raises(SpecError) as err:
        RunSpec.from_config(cfg)
    assert err.value.key == "world" and "0 to 65" in err.value.expected
    with pytest.raises(SpecError) as err:
        RunSpec.from_config(api.compose(["world=0"]))
    assert err.value.key == "world"


def test_a_run_in_a_world_uses_and_records_its_values() -> None:
    base = ["uncertainty=default_district", "reform=one_door", "sim.days=10",
            "sim.sample_fraction=0.05"]
    nominal = api.run(api.compose(base))
    r = api.run(api.compose([*base, "world=3"]))
    world = r.metadata["world"]
    assert world["id"] == 3 and world["design"] == "morris"
    values = world["values"]
    config = r.metadata["config"]
    assert config["behaviour"]["knowledge"]["wrong_office"] == values[
        "behaviour.knowledge.wrong_office"]
    assert config["reform"]["one_door"]["wrong_office_factor"] == values[
        "reform.one_door.wrong_office_factor"]
    scale = values["behaviour.profiles.*.patience"]
    assert config["behaviour"]["profiles"]["elderly"]["patience"] == pytest.approx(6 * scale)
    assert r.model.spec.behaviour.knowledge.wrong_office == values[
        "behaviour.knowledge.wrong_office"]
    assert nominal.metadata["world"] is None
    assert nominal.model.spec.behaviour.knowledge.wrong_office == 0.3
    # the one-door centre's running cost is uncertain too, and the run's cost follows it
    assert r.metadata["cost"]["budget"] != nominal.metadata["cost"]["budget"]
