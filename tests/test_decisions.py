"""The shared decision rules: what their names promise, for one case and for many alike."""

import numpy as np
import pytest

from pilotsim.sim import decisions as rules


@pytest.mark.parametrize("mean", [1.0, 1.5, 2.0, 3.0, 4.0])
def test_delay_has_the_configured_mean(mean):
    # 200,000 inversions of uniform draws; the delay's SD is at most sqrt(m(m-1)) ≤ 3.5 days,
    # so the sample mean's SE is under 0.008 and 5 SE is a tolerance of 0.04 days. The old
    # draw (1 + a geometric of mean m) had mean m + 1 and fails by 25 SE or more.
    u = np.random.default_rng(1).random(200_000)
    delays = rules.delay_days(u, mean)
    se = delays.std() / np.sqrt(len(u))
    assert delays.min() >= 1
    assert abs(delays.mean() - mean) <= max(5 * se, 1e-12)


def test_delay_one_case_equals_many():
    u = np.random.default_rng(2).random(2_000)
    for mean in (1.0, 2.0, 3.7):
        many = rules.delay_days(u, mean)
        assert [rules.delay_days(float(x), mean) for x in u] == many.tolist()


def test_delay_with_a_mean_per_row_equals_one_mean_for_all():
    # the array path takes a mean per row (the background's profiles) as it is, and broadcasts
    # a single mean: both give each row the delay of its own mean
    u = np.random.default_rng(4).random(300)
    means = np.random.default_rng(5).choice([1.0, 2.0, 3.7], 300)
    per_row = rules.delay_days(u, means)
    for mean in (1.0, 2.0, 3.7):
        at = means == mean
        np.testing.assert_array_equal(per_row[at], rules.delay_days(u, mean)[at])


def test_abandonment_and_logit_one_case_equal_many():
    gen = np.random.default_rng(3)

    class Ab:
        travel_burden_min = 60.0

    wasted, trip, patience = gen.integers(1, 4, 500), gen.random(500) * 120, gen.random(500) + .5
    many = rules.p_abandon(Ab, wasted, trip, patience)
    one = [rules.p_abandon(Ab, int(w), float(t), float(p))
           for w, t, p in zip(wasted, trip, patience, strict=True)]
    assert np.allclose(many, one, rtol=0, atol=1e-15)
    util = {"a": gen.normal(size=500), "b": gen.normal(size=500), "c": np.full(500, -np.inf)}
    u = gen.random(500)
    picked = rules.logit_draw(util, u)
    assert "c" not in set(picked)  # a closed channel (infinite cost) is never chosen
    assert picked.tolist() == [rules.logit_draw({"a": util["a"][i], "b": util["b"][i]}, float(u[i]))
                               for i in range(500)]


def test_utilities_and_logit_on_a_matrix_equal_the_dict_of_channels():
    # the background passes its costs and memories as (rows × channels) matrices: the same
    # floats and picks as a dict of one array per channel (and a number for a whole column)
    gen = np.random.default_rng(6)

    class Ch:
        experience_weight_min = 0.4
        choice_scale_min = 25.0

    names = ["in_person", "online", "proxy"]
    cost = np.column_stack([gen.random(400) * 200, gen.random(400) * 90, np.full(400, np.inf)])
    memory = gen.random((400, 3)) * 100
    prior = gen.random(400) * 100
    memory[gen.random((400, 3)) < 0.3] = np.nan
    filled = np.where(memory != memory, prior[:, None], memory)
    util = rules.channel_utilities(Ch, cost, filled)
    with pytest.raises(ValueError, match="fill the memory"):  # a prior the matrix would ignore
        rules.channel_utilities(Ch, cost, filled, 50.0)
    by_name = rules.channel_utilities(
        Ch, {n: cost[:, j] for j, n in enumerate(names)},
        {n: filled[:, j] for j, n in enumerate(names)}, prior)
    np.testing.assert_array_equal(util, np.column_stack([by_name[n] for n in names]))
    with pytest.raises(ValueError, match="needs the prior"):
        rules.channel_utilities(Ch, {"online": 3.0}, {})
    u = gen.random(400)
    column = rules.logit_draw(util, u)
    assert column.max() <= 1  # the closed channel is never picked
    assert [names[j] for j in column.tolist()] == rules.logit_draw(by_name, u).tolist()
    one = {"a": 0.5, "b": gen.normal(size=400)}  # a number fills its column
    assert rules.logit_draw(one, u).tolist() == rules.logit_draw(
        {"a": np.full(400, 0.5), "b": one["b"]}, u).tolist()
