"""Which office a resident takes a case to: expected total time, travel plus expected wait.

A resident who can get a case done at more than one place (their usual offices, or an
integrated one-door centre open to them) weighs each *plan* — the offices the rest of the case
would take them to — by its expected total time: the round trips' travel plus the wait they
expect at each office. The expected wait is what the office shows where it displays its queue
(``wait_info``), else what residents of the community learned from their own visits and their
neighbours' (:func:`expected_wait`), else the resident's general expectation. The choice is a
multinomial logit over those times, drawn with a counter-based uniform keyed by the case and
visit, so arms stay paired.

Both functions work on arrays, one row per resident, so the same rule can route a whole group
of residents at once (e.g. the unsimulated residents of a sampled run) as well as one case.
"""

from __future__ import annotations

import numpy as np


def expected_wait(shown: np.ndarray, learned: np.ndarray, prior: np.ndarray) -> np.ndarray:
    """The wait a resident expects at each office.

    Args:
        shown: Wait the office displays (NaN where it shows none, or has no history yet);
            shape ``(offices,)`` or broadcastable to the result.
        learned: Wait the resident's community learned there (NaN: nobody has been);
            shape ``(residents, offices)`` or broadcastable.
        prior: The resident's general expected wait, shape ``(residents, 1)`` or broadcastable.

    Returns:
        Minutes: shown where shown, else learned, else the prior.
    """
    learned_or_prior = np.where(np.isnan(learned), prior, learned)
    return np.where(np.isnan(shown), learned_or_prior, shown)


def choose_office(cost_min: np.ndarray, available: np.ndarray, u: np.ndarray,
                  scale_min: float) -> np.ndarray:
    """The option each resident picks: a logit over minus expected total time.

    P(option j) ∝ exp(−cost_j / scale) over the available options; the pick is the first
    option whose cumulative probability exceeds the resident's uniform.

    Args:
        cost_min: Expected total minutes (travel plus waits) of each option, shape
            ``(residents, options)``; entries of unavailable options are ignored.
        available: Boolean, same shape: which options the resident knows of and can use.
            Every row needs at least one.
        u: One uniform on [0, 1) per resident (a counter-based draw, so paired across arms).
        scale_min: Minutes of expected time that change the odds by a factor e (> 0; small:
            nearly always the quickest option).

    Returns:
        Index of the chosen option per resident (int64).

    Raises:
        ValueError: If a row has no available option, shapes disagree or the scale is not
            positive.
    """
    cost = np.asarray(cost_min, dtype=float)
    ok = np.asarray(available, dtype=bool)
    if cost.ndim != 2 or ok.shape != cost.shape or np.shape(u) != cost.shape[:1]:
        raise ValueError(f"cost_min {cost.shape}, available {ok.shape}, u {np.shape(u)}: "
                         "expected (residents, options), the same, and (residents,)")
    if not scale_min > 0:
        raise ValueError(f"scale_min={scale_min!r}: expected minutes > 0")
    if not ok.any(axis=1).all():
        raise ValueError("available: a resident with no option; expected at least one each")
    util = np.where(ok, -cost / scale_min, -np.inf)
    util -= util.max(axis=1, keepdims=True)
    p = np.exp(util)
    cum = np.cumsum(p, axis=1) / p.sum(axis=1, keepdims=True)
    pick = (cum <= np.asarray(u, dtype=float)[:, None]).sum(axis=1)
    # rounding can leave the last cumulative a hair under u: fall back to the last available
    last = ok.shape[1] - 1 - np.argmax(ok[:, ::-1], axis=1)
    return np.where((pick < ok.shape[1]) & ok[np.arange(len(pick)), np.minimum(
        pick, ok.shape[1] - 1)], pick, last).astype(np.int64)
