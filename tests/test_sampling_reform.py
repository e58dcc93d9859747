"""A reform's effect, week by week from its start day, must not depend on the sample fraction.

The unsimulated residents' demand (:mod:`pilotsim.sim.background`) takes every decision on the day
it is due, with the world as it is that day, so a reform reaches all of an office's load from
its start day. A design that followed the simulated load with a lag (a smoothed expectation of
the unsimulated visits, tried and withdrawn before) shrinks the effect in the first weeks at
small fractions; this test would catch it.

Two tiles of the default district (120,000 residents), a one-door reform from day 28, five
weeks after it (and the week before). For each week and seed the effect is the reform run minus
its paired baseline (same seed): mean visit wait that week, and trips per case for cases opened
that week. At f = 0.2 and f = 1, over seeds 0–3, the mean weekly effects must agree within
4 standard errors of their difference (Welch, from the seed-to-seed spread of the paired
effects, as in test_sampling: 3–6 degrees of freedom, |t| > 4 has a probability of 0.5–3 %
each under no bias). Measured when written: the largest |t| over the 12 comparisons was 1.96
(the 240,000-resident version), while the effects themselves are large (wait +9.7 min in the
reform's first week as residents find the new centre, −4 to −7 min from the third week on;
trips per case −0.3 to −0.4).
"""

from __future__ import annotations

import logging
import math

import numpy as np
import pytest

from pilotsim.app import api
from tests.conftest import compose_once
from tests.test_sampling import _make_city

START, WEEKS, SEEDS = 28, 5, range(4)


def weekly(fraction: float, seed: int, city: dict, reform: bool) -> np.ndarray:
    """Per week from the week before START: (mean visit wait, trips per case opened)."""
    overrides = [f"sim.sample_fraction={fraction}", f"sim.days={START + 7 * WEEKS}",
                 f"seed={seed}"]
    if reform:
        overrides += ["reform=one_door", f"reform.one_door.start_day={START}"]
    cfg = compose_once(overrides)
    cfg["city"] = city
    r = api.run(cfg)
    v, c = r.visits, r.cases
    rows = []
    for w in range(-1, WEEKS):
        lo, hi = START + 7 * w, START + 7 * w + 7
        rows.append((v.loc[v["day"].between(lo, hi - 1), "wait_min"].mean(),
                     c.loc[c["day_opened"].between(lo, hi - 1), "trips"].mean()))
    return np.array(rows)


@pytest.fixture(scope="module")
def effects() -> dict[float, np.ndarray]:
    logging.getLogger("MESA").setLevel(logging.WARNING)
    city = _make_city().city(120_000, tiles=2)
    return {f: np.array([weekly(f, s, city, True) - weekly(f, s, city, False) for s in SEEDS])
            for f in (1.0, 0.2)}


@pytest.mark.parametrize("metric", [0, 1], ids=["wait_mean_min", "trips_per_case"])
def test_weekly_reform_effect_at_a_fifth_agrees_with_full_run(effects, metric) -> None:
    full, part = effects[1.0][:, :, metric], effects[0.2][:, :, metric]
    n = len(SEEDS)
    for w in range(full.shape[1]):
        se = math.sqrt(full[:, w].var(ddof=1) / n + part[:, w].var(ddof=1) / n)
        diff = part[:, w].mean() - full[:, w].mean()
        assert abs(diff) <= 4 * se, (
            f"week {w - 1} from the start: f=0.2 effect {part[:, w].mean():.3g} vs full "
            f"{full[:, w].mean():.3g} (4 SE = {4 * se:.3g})")


def test_the_reform_has_an_effect_to_compare(effects) -> None:
    # the comparison above is of real effects, not of two zeros
    assert effects[1.0][:, 1:, 1].mean() < -0.1  # fewer trips per case after the start
    assert abs(effects[1.0][:, 2:, 0].mean()) > 2.0  # waits move by minutes
