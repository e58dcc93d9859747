"""Office choice by expected total time (travel plus expected wait): the rule and its use."""

import numpy as np
import pytest

from pilotsim.sim.office_choice import choose_office, expected_wait


def test_the_quicker_office_wins_more_often_as_the_gap_grows():
    u = np.random.default_rng(0).random(20_000)
    shares = []
    for gap in (0.0, 10.0, 30.0, 90.0):
        cost = np.column_stack([np.full(len(u), 60.0), np.full(len(u), 60.0 + gap)])
        pick = choose_office(cost, np.ones_like(cost, dtype=bool), u, scale_min=15.0)
        shares.append((pick == 1).mean())
    # logit: P(slower) = 1 / (1 + e^(gap/15))
    expect = [1 / (1 + np.exp(g / 15)) for g in (0.0, 10.0, 30.0, 90.0)]
    np.testing.assert_allclose(shares, expect, atol=0.01)
    assert shares == sorted(shares, reverse=True)


def test_one_resident_or_a_group_the_same_rule():
    rng = np.random.default_rng(1)
    cost = rng.uniform(20, 200, (500, 3))
    ok = rng.random((500, 3)) < 0.7
    ok[:, 0] = True
    u = rng.random(500)
    bulk = choose_office(cost, ok, u, 20.0)
    one = [choose_office(cost[i:i + 1], ok[i:i + 1], u[i:i + 1], 20.0)[0] for i in range(500)]
    assert bulk.tolist() == one
    assert ok[np.arange(500), bulk].all()  # never an option the resident cannot use


def test_expected_wait_shown_then_learned_then_prior():
    shown = np.array([np.nan, 12.0, np.nan])
    learned = np.array([[30.0, 50.0, np.nan]])
    assert expected_wait(shown, learned, np.array([[20.0]])).tolist() == [[30.0, 12.0, 20.0]]


@pytest.mark.parametrize("args, words", [
    ((np.ones((2, 2)), np.zeros((2, 2), bool), np.zeros(2), 1.0), "no option"),
    ((np.ones((2, 2)), np.ones((2, 2), bool), np.zeros(2), 0.0), "scale_min=0.0"),
    ((np.ones((2, 2)), np.ones((2, 3), bool), np.zeros(2), 1.0), "expected (residents"),
])
def test_bad_input_is_named(args, words):
    with pytest.raises(ValueError, match=words.replace("(", r"\(")):
        choose_office(*args)
