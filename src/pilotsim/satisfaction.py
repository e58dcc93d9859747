"""Reference-dependent satisfaction: expectancy–disconfirmation with loss aversion.

Sources for the form and defaults: Van Ryzin (2004, 2006) expectancy–disconfirmation for public
services; Kahneman & Tversky loss aversion (λ ≈ 2.25); Maister (1985) on unexplained waits
feeling longer; Kahneman et al. peak–end rule for the case's memory.
"""

from __future__ import annotations

import math

from pilotsim.spec import Satisfaction


def _logistic(x: float) -> float:
    return 100.0 / (1.0 + math.exp(-max(min(x, 50.0), -50.0)))


def perceived_wait(p: Satisfaction, wait_min: float, informed: bool) -> float:
    """How long a wait feels: longer where the office gives no queue information."""
    return wait_min if informed else wait_min * p.unexplained_wait_factor


def visit_score(
    p: Satisfaction, expected: float, perceived: float, wasted: bool, round_trip_min: float
) -> float:
    """Score (0–100) of one visit against the resident's expected wait."""
    gap = expected - perceived
    value = gap if gap >= 0 else p.loss_aversion * gap
    x = (p.intercept + value / p.minutes_scale - (p.wasted_trip_penalty if wasted else 0.0)
         - p.travel_weight_per_hour * round_trip_min / 60.0)
    return _logistic(x)


def remote_score(p: Satisfaction, days: float) -> float:
    """Score (0–100) of a step done without a trip (online, proxy, relay) taking ``days``."""
    gap = p.expected_days - days
    value = gap if gap >= 0 else p.loss_aversion * gap
    return _logistic(p.intercept + value / p.expected_days)
