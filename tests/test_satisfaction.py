"""One satisfaction rule for every channel: a remote step is a visit without queue or travel."""

import math

import numpy as np
import pytest

from pilotsim.sim.satisfaction import experience_score
from pilotsim.spec import Satisfaction
from tests.reforms.runs import closed, run

P = Satisfaction()


def _logodds(score: float) -> float:
    return math.log(score / (100 - score))


@pytest.mark.parametrize("expected", [0.0, 15.0, 25.0])
def test_a_proxy_step_scores_as_an_in_person_visit_without_wait(expected):
    # the same case, in person served at once vs by proxy: identical without burden terms...
    in_person = experience_score(P, expected, 0.0)
    proxy = experience_score(P, expected, 0.0, effort_min=0.0, late_days=0.0)
    assert proxy == in_person
    # ...and apart only by the documented burden terms (log-odds per hour and per day)
    visit = experience_score(P, expected, 0.0, travel_min=80.0)
    remote = experience_score(P, expected, 0.0, effort_min=40.0, late_days=2.0)
    assert _logodds(visit) - _logodds(in_person) == pytest.approx(
        -P.travel_weight_per_hour * 80 / 60)
    assert _logodds(remote) - _logodds(in_person) == pytest.approx(
        -P.effort_weight_per_hour * 40 / 60 - P.loss_aversion * P.delay_weight_per_day * 2)


def test_processing_days_are_not_a_delay_and_waits_are_reference_dependent():
    on_time = experience_score(P, 20.0, 0.0)
    assert experience_score(P, 20.0, 0.0, late_days=1.0) < on_time
    # worse than expected weighs loss_aversion times more than better than expected
    gain = _logodds(experience_score(P, 20.0, 10.0)) - _logodds(experience_score(P, 20.0, 20.0))
    loss = _logodds(experience_score(P, 20.0, 30.0)) - _logodds(experience_score(P, 20.0, 20.0))
    assert -loss == pytest.approx(P.loss_aversion * gain)


def test_online_cases_take_their_steps_processing_days():
    c = run().cases
    done = c[(c["channel"] == "online") & (c["status"] == "completed")]
    spec = run().model.spec
    online_days = spec.behaviour.channels.online_processing_days
    for service, rows in done.groupby("service", observed=True):
        steps = spec.services.catalogue[service].steps
        upto = len(steps) if spec.services.catalogue[service].online == "full" else \
            len(steps) - 1
        assert rows["duration_days"].min() >= online_days + sum(
            s.processing_days for s in steps[:upto]), service


def test_community_proxy_does_not_lower_the_disableds_satisfaction():
    # The measured artefact was: proxy cases scored near 0 (statutory days counted as delay)
    # against about 50 in person. Under one rule a proxy case (no queue, no travel, 40 minutes
    # of arranging) scores at least as well as the disabled's in-person cases, and the reform
    # raises their mean satisfaction; what it does lower (if staff time runs out) is named:
    # days put off count as delay.
    base, proxy = run(), run("reform=community_proxy")
    b, r = closed(base), closed(proxy)
    b, r = b[b["profile"] == "disabled"], r[r["profile"] == "disabled"]
    by_channel = r.groupby("channel", observed=True)["satisfaction"].mean()
    assert (r["channel"] == "proxy").sum() > 50
    assert by_channel["proxy"] > b.loc[b["channel"] == "in_person", "satisfaction"].mean()
    assert r["satisfaction"].mean() > b["satisfaction"].mean() + 10


@pytest.mark.parametrize("terms", [
    {}, {"wasted": False, "travel": True}, {"wasted": True, "travel": True, "effort_min": 5.0},
    {"wasted": "array", "travel": True, "late_days": 1.5}, {"effort_min": -0.0},
])
def test_array_scores_are_the_one_case_rule_bit_for_bit(terms):
    """A day's visits scored on arrays give each visit the scalar rule's float, bit for bit.

    The array path skips a scalar zero term and clamps with minimum/maximum: a wrong skip, a
    reordered sum or NumPy's own exp would change the last bit of some of these 2,000 scores.
    """
    p = Satisfaction()
    g = np.random.default_rng(7)
    n = 2000
    expected, felt = g.uniform(0, 90, n), g.exponential(25, n)
    felt[:3] = expected[:3]  # a gap of exactly zero
    felt[3] = expected[3] + 1e6  # the clamp at -50
    wasted = g.random(n) < 0.3 if terms.get("wasted") == "array" else terms.get("wasted", False)
    travel = g.uniform(0, 120, n) if terms.get("travel") else 0.0
    kw = {k: v for k, v in terms.items() if k in ("effort_min", "late_days")}
    got = experience_score(p, expected, felt, wasted=wasted, travel_min=travel, **kw)
    one = [experience_score(p, float(e), float(f),
                            wasted=bool(wasted[i]) if isinstance(wasted, np.ndarray) else wasted,
                            travel_min=float(travel[i]) if isinstance(travel, np.ndarray) else 0.0,
                            **kw)
           for i, (e, f) in enumerate(zip(expected, felt, strict=True))]
    assert got.dtype == np.float64
    assert got.tolist() == one
    assert got[3] == 100.0 / (1.0 + math.exp(50.0))
