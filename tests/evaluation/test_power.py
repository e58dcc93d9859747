import numpy as np
import pytest

from pilotsim.analysis.evaluation.power import (
    mde,
    placebo_pilots,
    predicted_power,
    rejection_rate,
    simulated_power,
)
from pilotsim.analysis.evaluation.staggered import callaway_santanna

from .synth import make_panel

SITES = [f"s{i:03d}" for i in range(40)]


def baseline(rng, n_periods=8):
    return make_panel(rng, dict.fromkeys(SITES, np.nan), n_periods)


def test_size_near_nominal_on_independent_baselines():
    rng = np.random.default_rng(42)
    reps = 300
    runs = [
        placebo_pilots(baseline(rng), "y", n_treated=20, start_period=4, n_reps=1, seed=rng)
        for _ in range(reps)
    ]
    rate = np.mean([rejection_rate(r) for r in runs])
    # 300 independent tests at 5%: SD sqrt(.05 * .95 / 300) = 0.0126; +-3 SD -> [0.012, 0.088]
    band = 3 * np.sqrt(0.05 * 0.95 / reps)
    assert 0.05 - band <= rate <= 0.05 + band


def test_power_mde_and_injected_effects_on_one_baseline():
    rng = np.random.default_rng(8)
    panel = baseline(rng)
    null = placebo_pilots(panel, "y", n_treated=10, start_period=4, n_reps=200, seed=1)
    m = mde(null)
    assert m.multiplier == pytest.approx(2.8016, abs=1e-4)
    assert predicted_power(m.mde, m.sd) == pytest.approx(0.80, abs=1e-3)
    # Same draws (seed=1) with the MDE injected, so each alternative estimate is its null
    # estimate + MDE (checked below) and the size-adjusted power is P(|e + 2.8 sd| > q_0.95)
    # over the same sample; it is 0.80 exactly for a normal sample, and departs from 0.80 only
    # through the sample's non-normal shape (binomial SD for 200 reps would be 0.028, the band
    # is about +-3 of those): [0.72, 0.88].
    alt = placebo_pilots(panel, "y", n_treated=10, start_period=4, n_reps=200, seed=1, effect=m.mde)
    assert alt["treated_sites"].equals(null["treated_sites"])
    np.testing.assert_allclose(alt["estimate"] - null["estimate"], m.mde, atol=1e-9)
    pw = simulated_power(null, alt)
    assert 0.72 <= pw.power_size_adjusted <= 0.88
    big = placebo_pilots(
        panel, "y", n_treated=10, start_period=4, n_reps=50, seed=2, effect=8 * m.sd
    )
    assert rejection_rate(big) >= 0.98
    assert 0.5 < m.mean_se / m.sd < 2.0


def test_placebo_with_waves_and_staggered_estimator():
    rng = np.random.default_rng(4)
    panel = baseline(rng)
    out = placebo_pilots(
        panel, "y", n_treated=12, start_period=[3, 5], n_reps=5, seed=0, effect=1.5,
        estimator=lambda p, o: callaway_santanna(p, o),
    )  # fmt: skip
    assert len(out) == 5 and out["treated_sites"].map(len).eq(12).all()
    assert np.all(np.abs(out["estimate"] - 1.5) < 4 * out["se"])


def test_placebo_bad_input():
    panel = baseline(np.random.default_rng(0))
    with pytest.raises(ValueError, match=r"n_treated=40: expected between 1 and 39"):
        placebo_pilots(panel, "y", n_treated=40, start_period=4, n_reps=1, seed=0)
    with pytest.raises(ValueError, match=r"start_period=0: expected an integer period in \(0, 7\]"):
        placebo_pilots(panel, "y", n_treated=5, start_period=0, n_reps=1, seed=0)
    with pytest.raises(ValueError, match=r"n_reps=0: expected a positive integer"):
        placebo_pilots(panel, "y", n_treated=5, start_period=4, n_reps=0, seed=0)
    with pytest.raises(ValueError, match=r"panel: empty table"):
        placebo_pilots(panel.iloc[0:0], "y", n_treated=5, start_period=4, n_reps=1, seed=0)
