"""Take-up: whether a need becomes a case, given the burden the resident expects.

Not every need becomes an application: the expected burden of applying (trips, travel, waits,
finding out how, gathering documents) deters some residents, and information and help from
the community committee lower it (Herd & Moynihan 2018; Finkelstein & Notowidigdo 2019).
The functions here are the decision's arithmetic, written on NumPy arrays so that the same
probability can be evaluated for one resident (the model's application decision) or for a
whole group at once (e.g. the unsimulated residents of a community and profile); the model
computes the inputs and draws the decision from its counter-based ``choices`` stream.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike

from pilotsim.spec import TakeUp


def channel_burden_min(costs_min: ArrayLike, scale_min: float, axis: int = -1) -> np.ndarray:
    """The expected cost of the easiest way to apply: a soft minimum over channels.

    −scale · log Σ exp(−cost / scale), the logsum (expected maximum utility) of the channel
    logit with the same scale, so an extra channel never raises the burden and a cheap one
    (a proxy) lowers it almost to its own cost.

    Args:
        costs_min: Minutes each open channel is expected to cost (``inf``: not open), the
            channels along ``axis``.
        scale_min: The channel logit's scale, in minutes.
        axis: The channels' axis.
    """
    # written out rather than scipy.special.logsumexp: the model calls this once per need
    # with two or three channels, where logsumexp's generality costs ten times the arithmetic
    if isinstance(costs_min, list) and axis == -1:  # one need: math on floats beats NumPy's
        low = min(costs_min)                           # per-call overhead several times over
        total = 0.0
        for cost in costs_min:
            total += math.exp(-(cost - low) / scale_min)
        return low - scale_min * math.log(total)
    c = np.asarray(costs_min, dtype=float)
    low = c.min(axis=axis, keepdims=True)
    total = np.exp(-(c - low) / scale_min).sum(axis=axis)
    return np.squeeze(low, axis=axis) - scale_min * np.log(total)


def burden_min(p: TakeUp, channel_min: float | np.ndarray, knowledge: float | np.ndarray,
               documents: float | np.ndarray, document_share: float | np.ndarray = 1.0
               ) -> float | np.ndarray:
    """Minutes of burden a resident expects from applying (numbers, or NumPy arrays element-wise).

    Args:
        p: The take-up parameters.
        channel_min: The channel burden (:func:`channel_burden_min`).
        knowledge: Knowledge of the procedure, 0–1 (learning costs fall with it).
        documents: Number of documents the resident must gather.
        document_share: Share of the gathering effort left (1 − pre-check effect where the
            committee checks the documents, else 1).
    """
    # plain arithmetic: floats for one need (NumPy's per-call overhead avoided), element-wise
    # for arrays of needs
    return (channel_min + p.learning_min * (1.0 - knowledge)
            + p.document_min * documents * document_share)


def pursue_probability(p: TakeUp, burden: ArrayLike) -> np.ndarray:
    """P(a need becomes a case): logistic((value_min − burden) / scale_min), element-wise.

    Works for one resident (a scalar burden) or a group (an array of burdens, or a group's
    mean burden); with ``p.enabled`` false every need is pursued.

    Args:
        p: The take-up parameters.
        burden: Minutes of expected burden (:func:`burden_min`).
    """
    if isinstance(burden, float):  # one need: no array for one number
        return _logistic((p.value_min - burden) / p.scale_min) if p.enabled else 1.0
    b = np.asarray(burden, dtype=float)
    if not p.enabled:
        return np.ones_like(b)
    z = (p.value_min - b) / p.scale_min
    return np.fromiter(map(_logistic, z.ravel().tolist()), np.float64, z.size).reshape(z.shape)


def _logistic(z: float) -> float:
    """1 / (1 + e^−z) with ``math.exp``: the same bits as ``scipy.special.expit``.

    Both call the C library's ``exp``; NumPy's vectorised ``exp`` may differ in the last bit,
    and importing ``scipy.special`` for this one function cost every run 0.26 s of start-up.
    """
    try:
        return 1.0 / (1.0 + math.exp(-z))
    except OverflowError:  # e^−z beyond the largest float: expit's 1 / (1 + inf)
        return 0.0
