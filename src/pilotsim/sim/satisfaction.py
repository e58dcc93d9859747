"""Reference-dependent satisfaction: expectancy–disconfirmation with loss aversion.

One rule scores every experience of a case, whatever its channel (an office visit, an online
application, a committee's proxy submission or relay): the resident's expected wait is the
reference; what counts is the wait beyond (or short of) it, a wasted trip, travel, the effort
the channel asks and days of delay beyond the stated time. Statutory processing days and a
channel's stated turnaround are expected, so they are not a delay. A remote step has no queue:
its wait is zero, like an in-person visit served at once, so the two differ only by their
burden terms (travel for the visit, effort and any delay for the remote step).

Sources for the form and defaults: Van Ryzin (2004, 2006) expectancy–disconfirmation for public
services; Kahneman & Tversky loss aversion (λ ≈ 2.25); Maister (1985) on unexplained waits
feeling longer; Kahneman et al. peak–end rule for the case's memory; Herd & Moynihan (2018) on
compliance costs (effort) as part of administrative burden.
"""

from __future__ import annotations

import math

import numpy as np

from pilotsim.spec import Satisfaction


def _logistic(x: float) -> float:
    return 100.0 / (1.0 + math.exp(-max(min(x, 50.0), -50.0)))


def _logistic_many(x: np.ndarray) -> np.ndarray:
    # math.exp element by element: NumPy's exp may differ in the last bit (a platform SIMD
    # kernel), and the model's scores are kept bit-identical to the one-case rule's. The rest
    # (_logistic's clamp, the negation, 1 + e, 100 / ·) are the same IEEE operations on the
    # array (NaN kept by the clamp as by min/max): a day's ~150 rows in a few calls
    v = np.minimum(np.maximum(x, -50.0), 50.0)
    e = np.fromiter(map(math.exp, np.negative(v, out=v).tolist()), np.float64, v.size)
    e += 1.0
    return np.divide(100.0, e, out=e)


def perceived_wait(p: Satisfaction, wait_min: float, informed: bool) -> float:
    """How long a wait feels: longer where the office gives no queue information."""
    return wait_min if informed else wait_min * p.unexplained_wait_factor


def experience_score(
    p: Satisfaction, expected: float, perceived: float, *, wasted: bool = False,
    travel_min: float = 0.0, effort_min: float = 0.0, late_days: float = 0.0,
) -> float:
    """Score (0–100) of one experience of a case, by the same rule for every channel.

    ``expected``, ``perceived``, ``wasted`` and ``travel_min`` may be NumPy arrays (a day's
    visits at once): the same arithmetic element by element, the same scores.

    Args:
        p: The satisfaction parameters.
        expected: The resident's expected wait, in minutes (the reference point).
        perceived: The wait as felt, in minutes (0 for a remote step: no queue).
        wasted: The experience did not advance the case (a wasted trip).
        travel_min: Round-trip travel, in minutes.
        effort_min: Effort the channel asked of the resident (filling an online form,
            arranging a proxy submission), in minutes.
        late_days: Days beyond the stated time (processing days plus the channel's own
            turnaround): a loss, weighted by ``loss_aversion``.
    """
    gap = expected - perceived
    if not isinstance(gap, np.ndarray):
        value = gap if gap >= 0 else p.loss_aversion * gap
        penalty = p.wasted_trip_penalty if wasted else 0.0
        return _logistic(p.intercept + value / p.minutes_scale - penalty
                         - p.travel_weight_per_hour * travel_min / 60.0
                         - p.effort_weight_per_hour * effort_min / 60.0
                         - p.loss_aversion * p.delay_weight_per_day * late_days)
    # the same terms on arrays, in the same order; a term that is a scalar zero is not
    # subtracted: x − 0.0 is x, and x − (−0.0) differs from x only in a zero's sign, which
    # the logistic does not see (a day's visits: four array steps fewer)
    value = np.where(gap >= 0, gap, p.loss_aversion * gap)
    x = p.intercept + value / p.minutes_scale
    for term in (np.where(wasted, p.wasted_trip_penalty, 0.0)
                 if isinstance(wasted, np.ndarray) else
                 p.wasted_trip_penalty if wasted else 0.0,
                 p.travel_weight_per_hour * travel_min / 60.0,
                 p.effort_weight_per_hour * effort_min / 60.0,
                 p.loss_aversion * p.delay_weight_per_day * late_days):
        if isinstance(term, np.ndarray) or term != 0.0:
            x = x - term
    return _logistic_many(x)
