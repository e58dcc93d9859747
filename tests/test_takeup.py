"""Take-up: burden deters applications; information raises take-up, help raises it more."""

import numpy as np
import pytest

from pilotsim.app import api
from pilotsim.sim import takeup
from pilotsim.spec import TakeUp

P = TakeUp()


def test_pursue_probability_is_one_function_for_a_resident_and_for_a_group():
    burdens = np.array([50.0, 200.0, 400.0, 800.0])
    group = takeup.pursue_probability(P, burdens)
    one = [float(takeup.pursue_probability(P, b)) for b in burdens]
    np.testing.assert_allclose(group, one)
    assert np.all(np.diff(group) < 0)  # more burden, fewer applications
    assert float(takeup.pursue_probability(P, P.value_min)) == pytest.approx(0.5)
    off = TakeUp(enabled=False)
    np.testing.assert_array_equal(takeup.pursue_probability(off, burdens), 1.0)


def test_pursue_probability_has_expits_bits_even_where_exp_overflows():
    from scipy.special import expit
    rng = np.random.default_rng(7)
    # NumPy's own exp differs from expit in the last bit for ~2% of these; math.exp must not
    burdens = np.concatenate([rng.normal(P.value_min, 3 * P.scale_min, 5000),
                              [P.value_min + 710 * P.scale_min, 1e9, np.inf, -1e9]])
    expected = expit((P.value_min - burdens) / P.scale_min)
    got = takeup.pursue_probability(P, burdens.reshape(2, -1)).ravel()
    assert got.tobytes() == expected.tobytes()
    one = [takeup.pursue_probability(P, b) for b in burdens.tolist()]  # floats: one need
    assert np.array(one).tobytes() == expected.tobytes()
    assert one[-3] == 0.0 and one[-1] == 1.0


def test_burden_falls_with_knowledge_a_precheck_and_a_cheaper_channel():
    # channels along the last axis; inf: not open to this resident
    costs = np.array([[200.0, np.inf], [200.0, 40.0]])
    channel = takeup.channel_burden_min(costs, 30.0)
    assert channel[0] == pytest.approx(200.0)
    assert 30.0 < channel[1] < 40.0  # the proxy's cost, less a little option value
    b = takeup.burden_min(P, channel[0], np.array([0.2, 0.8]), 3)
    assert b[1] < b[0]
    assert takeup.burden_min(P, 200.0, 0.5, 3, 0.2) < takeup.burden_min(P, 200.0, 0.5, 3)


def test_one_need_on_floats_and_a_group_on_arrays_give_the_same_burden():
    # the model decides one need with Python floats (cheaper than NumPy on two or three
    # numbers), the unsimulated residents' demand a day's needs with arrays: the same formulas
    rng = np.random.default_rng(4)
    costs = rng.uniform(10.0, 600.0, (200, 3))
    costs[::3, 2] = np.inf  # a channel not open to some
    group = takeup.channel_burden_min(costs, 30.0)
    one = [takeup.channel_burden_min(row.tolist(), 30.0) for row in costs]
    assert all(isinstance(x, float) for x in one)
    np.testing.assert_allclose(one, group, rtol=1e-13)
    k, docs, share = rng.random(200), rng.integers(0, 4, 200), rng.choice([1.0, 0.4], 200)
    burden = takeup.burden_min(P, group, k, docs, share)
    one_b = [takeup.burden_min(P, float(g), float(x), int(n), float(sh))
             for g, x, n, sh in zip(group, k, docs, share, strict=True)]
    assert one_b == burden.tolist()  # the same arithmetic in the same order: equal to the bit
    np.testing.assert_allclose([takeup.pursue_probability(P, b) for b in one_b],
                               takeup.pursue_probability(P, burden), rtol=1e-13)


def _arm(functions: list[str]) -> float:
    """Take-up of the proxy-eligible (elderly, disabled) when committees offer ``functions``.

    Committees have ample staff time and everyone asks them when a need arises, so the arms
    differ only in what the committee does: nothing, information, or information plus help
    (pre-check and proxy submission).
    """
    cfg = api.compose(["sim.days=90", "sim.sample_fraction=0.2", "seed=1"])
    for name in cfg.city.organisations:
        cfg.city.organisations[name].functions = functions
        cfg.city.organisations[name].staff_min_per_day = 100_000
    for p in cfg.behaviour.profiles:
        cfg.behaviour.profiles[p].info_contact = 1.0
    c = api.run(cfg).cases
    eligible = c[c["profile"].isin(["elderly", "disabled"])]
    assert len(eligible) > 400
    return float((eligible["status"] != "not_pursued").mean())


def test_take_up_orders_none_information_information_plus_help():
    # Finkelstein & Notowidigdo (2019): 6% -> 11% -> 18%, i.e. +5 and +12 points. The model's
    # defaults (illustrative) give increments of the same order. Tolerance: each step must
    # rise by at least 2 points; the arms are paired (each need draws the same uniform in
    # every arm, keyed by its case id), so the differences come from the burden alone.
    none, info, helped = _arm([]), _arm(["information"]), _arm(
        ["information", "precheck", "proxy"])
    assert info - none >= 0.02
    assert helped - info >= 0.02
    assert 0.02 <= info - none <= 0.10
    assert 0.06 <= helped - none <= 0.20
