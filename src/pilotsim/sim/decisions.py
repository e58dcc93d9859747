"""The residents' decision rules, one formula each, for one case or for many at once.

Every function here takes plain numbers or NumPy arrays of them (the arithmetic is written so
that both work) and returns a probability, a number of days or a cost. The per-case code in
:class:`~pilotsim.sim.model.PilotModel` calls them with a case's floats; the unsimulated residents'
demand (:mod:`pilotsim.sim.background`) calls them with a whole day's needs as arrays. So a rule —
how likely a wrong office is, how long residents put a visit off, when they give up — is
written once, and a reform that changes one of its inputs changes both populations alike.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np

from pilotsim.sim.cases import IN_PERSON, ONLINE, PROXY
from pilotsim.spec import Abandonment, Channels, Knowledge


def p_wrong_office(kn: Knowledge, knowledge, factor):
    """P(a resident goes to the wrong office): falls with their knowledge of the procedure.

    Args:
        kn: The behaviour's knowledge parameters.
        knowledge: The case's knowledge, 0–1.
        factor: The community's ``wrong_office_factor`` (reforms lower it).
    """
    return kn.wrong_office * (1 - knowledge) * factor


def p_missing_documents(kn: Knowledge, knowledge, factor, prechecked, n_docs):
    """P(at least one of ``n_docs`` documents to carry is missing at the counter).

    Args:
        kn: The behaviour's knowledge parameters.
        knowledge: The case's knowledge, 0–1.
        factor: The community's ``missing_document_factor``.
        prechecked: Whether the committee checked the documents (bool or bool array).
        n_docs: Documents the resident must bring (those the office does not fetch itself).
    """
    return p_missing_any(p_missing_one(kn, knowledge, factor, prechecked), n_docs)


def p_missing_any(p_one, n_docs):
    """P(at least one of ``n_docs`` documents missing), each missing with ``p_one``."""
    return 1 - (1 - p_one) ** n_docs


def p_missing_one(kn: Knowledge, knowledge, factor, prechecked):
    """P(one given document to carry is missing): :func:`p_missing_documents`' factor.

    Elementwise on arrays (the same floats as one case's: products and differences only).
    """
    return kn.missing_document * (1 - knowledge) * factor * (1 - kn.precheck_effect * prechecked)


def delay_days(u, mean):
    """Days from planning a visit to making it: 1 + a geometric number, mean ``mean``.

    The geometric part (failures before a success of probability 1/mean) has mean
    ``mean − 1``, so the delay's mean is the configured ``delay_days_mean`` exactly (it is at
    least 1: a planned visit is on a later day). Drawn by inversion of the uniform ``u``.
    """
    if type(u) is float:  # one case: math on floats is ~10× NumPy's
        return delay_from_log(u, delay_log(mean))
    mean = np.asarray(mean, dtype=float)
    if mean.shape != np.shape(u):  # one mean for all: np.broadcast_to only then (a view's cost)
        mean = np.broadcast_to(mean, np.shape(u))
    out = np.ones(np.shape(u), dtype=np.int64)
    m = mean > 1
    out[m] += (np.log1p(-np.asarray(u)[m]) / np.log((mean[m] - 1) / mean[m])).astype(np.int64)
    return out


def delay_from_log(u: float, q: float | None) -> int:
    """:func:`delay_days` of one case given ``q = delay_log(mean)`` (made once per profile)."""
    return 1 if q is None else 1 + int(math.log1p(-u) / q)


def delay_log(mean: float) -> float | None:
    """The denominator of :func:`delay_days`' inversion for ``mean`` (None: no extra days).

    ``log(1 − 1/mean)``, the log of the geometric part's failure probability; a visit's
    delay is then ``1 + int(log1p(−u) / delay_log(mean))``.
    """
    return math.log((mean - 1) / mean) if mean > 1 else None


def p_abandon(ab: Abandonment, wasted, round_trip, patience):
    """P(giving up after a wasted trip): the hazard grows with wasted trips and travel burden.

    Args:
        ab: The abandonment parameters.
        wasted: Wasted trips of the case so far (including this one).
        round_trip: This trip's round-trip travel, minutes.
        patience: The resident's patience.
    """
    hazard = wasted * (1 + round_trip / ab.travel_burden_min) / patience
    return 1 - (np.exp(-hazard) if isinstance(hazard, np.ndarray) else math.exp(-hazard))


def learn(knowledge, rate):
    """Knowledge after learning at ``rate`` (a wasted trip, the committee's information)."""
    return knowledge + rate * (1 - knowledge)


def channel_costs(ch: Channels, kn: Knowledge, online_full, visits, per_visit, knowledge,
                  literacy, online_open, proxy_open) -> dict:
    """Expected cost in minutes of each channel open to a resident, for the logit.

    Args:
        ch: The behaviour's channel parameters.
        kn: The behaviour's knowledge parameters.
        online_full: The service is fully online (else online still takes one visit, to
            collect the result).
        visits: Visits the procedure takes in person (see ``PilotModel.in_person_route``).
        per_visit: Minutes all those visits take (travel, expected wait, service).
        knowledge: The resident's knowledge of the procedure (float or array).
        literacy: The resident's digital literacy (float or array).
        online_open: Whether online service is open to them.
        proxy_open: Whether a proxy submission is open to them.

    Returns:
        ``{channel: cost}`` for in person and each open channel. With arrays, a channel open
        to some rows only costs infinity for the others (the logit never picks it).
    """
    expected_trips_factor = 1 + kn.wrong_office * (1 - knowledge) + \
        kn.missing_document * (1 - knowledge)
    costs = {IN_PERSON: per_visit * expected_trips_factor}
    many = isinstance(per_visit, np.ndarray)
    biggest = np.maximum if many else max  # one case: Python's max on floats is cheaper
    if online_open.any() if many else online_open:
        collect = (1 - online_full) * per_visit / biggest(visits, 1)
        costs[ONLINE] = _only(online_open, ch.online_effort_min / biggest(literacy, 0.05) +
                              collect + ch.online_failure * (1 - literacy) * per_visit)
    if proxy_open.any() if many else proxy_open:
        costs[PROXY] = _only(proxy_open, ch.proxy_effort_min + 0 * per_visit)
    return costs


def _only(open_, cost):
    """``cost`` where the channel is open, infinite where not (arrays; one case: as is)."""
    return cost if np.ndim(open_) == 0 else np.where(open_, cost, np.inf)


def channel_utilities(ch: Channels, costs: dict | np.ndarray, memory: Mapping | np.ndarray,
                      prior: float | None = None) -> dict | np.ndarray:
    """Logit utilities: minus the cost, plus the remembered satisfaction of the channel.

    Args:
        ch: The behaviour's channel parameters.
        costs: ``{channel: cost}`` from :func:`channel_costs`, or for many residents their
            costs as a (rows × channels) matrix (then the result is one too).
        memory: ``{channel: remembered satisfaction 0–100}`` (missing: ``prior``); with a
            cost matrix, a matrix of the same shape with nothing missing.
        prior: What an untried channel is expected to score (100 × trust), for the
            ``{channel: cost}`` form; the matrix form's memory has it filled in already.

    Raises:
        ValueError: a ``{channel: cost}`` call without ``prior``, or a matrix call with one.
    """
    if isinstance(costs, np.ndarray):  # many: a (rows × channels) matrix, memory likewise
        if prior is not None:
            raise ValueError("channel_utilities: with a cost matrix, fill the memory's "
                             "untried channels with the prior instead of passing it")
        return _utility(ch, costs, memory)
    if prior is None:
        raise ValueError("channel_utilities: {channel: cost} needs the prior of an "
                         "untried channel")
    return {n: _utility(ch, c, memory.get(n, prior)) for n, c in costs.items()}


def _utility(ch: Channels, cost, memory):
    """:func:`channel_utilities`' formula, for a cost and its memory (numbers or arrays)."""
    return (-cost + ch.experience_weight_min * (memory - 50)) / ch.choice_scale_min


def logit_draw(util: dict | np.ndarray, u):
    """The channel a multinomial logit picks with the uniform ``u`` (inverse CDF).

    Args:
        util: ``{channel: utility}``, floats (one case) or equal-length arrays (many); or
            for many, a (rows × channels) matrix of utilities.
        u: A uniform, or an array of them.

    Returns:
        The channel's name, or an array of names; with a utility matrix, each row's column.
    """
    if isinstance(util, np.ndarray):
        return _logit_column(util, u)
    names = list(util)
    if not isinstance(u, np.ndarray):  # one case: two or three floats beat NumPy's overhead
        vals = [float(util[n]) for n in names]
        top = max(vals)
        p = [math.exp(x - top) for x in vals]
        total = 0.0
        for x in p:
            total += x
        cum = 0.0
        for i, x in enumerate(p):
            cum += x / total
            if u < cum:
                return names[i]
        return names[-1]
    vals = np.empty((len(u), len(names)))
    for j, n in enumerate(names):  # a column a channel (a number fills its column)
        vals[:, j] = util[n]
    return np.asarray(names)[_logit_column(vals, u)]


def _logit_column(vals: np.ndarray, u: np.ndarray) -> np.ndarray:
    """:func:`logit_draw` of many: each row's column of ``vals`` (rows × options)."""
    p = np.exp(vals - vals.max(axis=1, keepdims=True))
    cum = np.cumsum(p / p.sum(axis=1, keepdims=True), axis=1)
    return np.minimum((u[:, None] >= cum).sum(axis=1), vals.shape[1] - 1)
