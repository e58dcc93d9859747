"""Sensitivity indices and flip regions on synthetic worlds with known answers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pilotsim.analysis.robustness.drivers import SensitivityUnavailableError, sensitivity
from pilotsim.analysis.robustness.flips import flip_rules
from pilotsim.spec.uncertainty import Uncertainty

UNIT = {"dist": "uniform", "low": 0.0, "high": 1.0, "reason": "synthetic"}


def design(name: str, samples: int) -> Uncertainty:
    return Uncertainty.from_config({"design": name, "samples": samples, "seed": 3,
                                    "parameters": {"a": UNIT, "b": UNIT, "c": UNIT}})


@pytest.mark.parametrize(("name", "samples", "inert_at_most"),
                         [("morris", 20, 1e-12), ("sobol", 256, 0.02), ("lhs", 400, 0.05)])
def test_a_parameter_without_effect_gets_an_index_near_zero(name: str, samples: int,
                                                            inert_at_most: float) -> None:
    unc = design(name, samples)
    x = unc.value_table()
    y = 4 * x[:, 0] + 1.5 * x[:, 2] ** 2          # b has no effect; a matters most
    s = sensitivity(unc, pd.Series(y))
    main = s.table[s.table["index"] == s.main].set_index("parameter")["value"]
    assert abs(main["b"]) <= inert_at_most
    assert main["a"] > main["c"] > main["b"]


def test_sobol_indices_match_the_analytic_values() -> None:
    # y = 4a + 2c on independent uniforms: Var = 16/12 + 4/12, S1(a) = 0.8, S1(c) = 0.2
    unc = design("sobol", 1024)
    x = unc.value_table()
    s = sensitivity(unc, pd.Series(4 * x[:, 0] + 2 * x[:, 2])).table
    s1 = s[s["index"] == "S1"].set_index("parameter")["value"]
    assert s1["a"] == pytest.approx(0.8, abs=0.05)
    assert s1["c"] == pytest.approx(0.2, abs=0.05)


def test_morris_needs_every_world_of_its_design() -> None:
    unc = design("morris", 4)
    y = pd.Series(unc.value_table()[:, 0]).drop(index=[2])
    with pytest.raises(SensitivityUnavailableError, match="1 of the design's 16 worlds"):
        sensitivity(unc, y)


def test_a_constructed_flip_region_is_recovered() -> None:
    rng = np.random.default_rng(0)
    n = 300
    values = pd.DataFrame({"wrong_office": rng.uniform(0, 1, n), "patience": rng.uniform(0, 1, n),
                           "noise": rng.uniform(0, 1, n)})
    flip = (values["wrong_office"] < 0.3) & (values["patience"] >= 0.6)
    best = pd.Series([("data_sharing",) if f else ("one_door", "outreach") for f in flip])
    rules = flip_rules(values, best, "one_door")
    assert len(rules) == 1
    (rule,) = rules
    conds = {(p, op): t for p, op, t in rule.conditions}
    assert conds[("wrong_office", "<")] == pytest.approx(0.3, abs=0.03)
    assert conds[("patience", ">=")] == pytest.approx(0.6, abs=0.03)
    assert rule.density == 1.0 and rule.coverage == 1.0
    assert rule.winners == (("data_sharing", int(flip.sum())),)
    text = rule.sentence("one_door")
    assert text.startswith("when wrong_office < 0.")
    assert "data_sharing beats one_door" in text


def test_no_rule_when_the_recommended_arm_is_always_best() -> None:
    values = pd.DataFrame({"a": np.linspace(0, 1, 20)})
    best = pd.Series([("one_door",)] * 10 + [("one_door", "baseline")] * 10)  # ties count
    assert flip_rules(values, best, "one_door") == []
