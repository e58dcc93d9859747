"""Why a measure moved the "worse" way: the mechanism, read from the other measures.

A reform can make a measure worse for a good reason: outreach means fewer residents give up, so
more cases keep coming to the counters and queues get longer. When an arm's overall change in a
measure is significantly worse, the report looks for a rule below whose conditions the same
arm's other measures meet (each a change whose 95% interval excludes zero, in the stated
direction) and names that mechanism, with the numbers. The rules are about measures, not about
reforms: they apply to any arm, and a worse change no rule explains is reported as unexplained.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import pandas as pd

from pilotsim.analysis.comparison.metrics import COST_METRICS, METRICS_BY_NAME

WAITS = ("wait_mean_min", "wait_p90_min", "wait_hours_per_year")


@dataclass(frozen=True)
class Mechanism:
    """A known way a worse measure follows from another change.

    Attributes:
        worse: Measures this mechanism can explain (each worse, significantly).
        needs: Measure → direction of change (``"up"`` or ``"down"``) the rule requires, each
            with a 95% CI excluding zero.
        text: The explanation; ``{name}`` fields are filled with the change of that measure.
        accounts: Whether the cause is large enough for the worse change, given the worse
            measure's name and the arm's comparison rows by measure (None: any significant
            change is). A rule that names one cause should not claim a change ten times
            what that cause can produce.
    """

    worse: tuple[str, ...]
    needs: Mapping[str, str]
    text: str
    accounts: Callable[[str, Mapping[str, Mapping[str, object]]], bool] | None = None


def _online_bound(metric: str, rows: Mapping[str, Mapping[str, object]]) -> float:
    """The most the fall in the online share can raise ``metric`` by (its unit).

    Cases moving from online to in person add at most an in-person case's trips each
    (online cases make none or fewer): trips per case rises by at most Δonline × trips of an
    in-person case, and that is at most trips per case / (1 − online share). Counter work
    grows at most in proportion to the in-person cases, by Δonline / (1 − online share) of
    its level. The larger of the two arms' levels is used, to err towards the mechanism.
    """
    online = rows["online_share"]
    shift = abs(float(online["diff_mean"]))  # type: ignore[arg-type]
    in_person = 1.0 - max(float(online["ref_mean"]), float(online["arm_mean"]))  # type: ignore[arg-type]
    level = max(abs(float(rows[metric]["ref_mean"])), abs(float(rows[metric]["arm_mean"])))  # type: ignore[arg-type]
    return shift * level / in_person if in_person > 0 else float("inf")


def _online_accounts(metric: str, rows: Mapping[str, Mapping[str, object]]) -> bool:
    return abs(float(rows[metric]["diff_mean"])) <= _online_bound(metric, rows)  # type: ignore[arg-type]


COUNTER_WORK = ("counter_hours_per_year", "visits_per_year")

_OFFLINE = ("fewer cases are handled online (cases handled online {online_share}): the reform "
            "made the counters cheaper to use than applying online")

MECHANISMS: tuple[Mechanism, ...] = (
    # the channel mix: a reform that makes in-person service cheaper (one trip, shorter
    # waits) draws cases from online to the counters; an online case makes few or no office
    # visits (the default district: about 0.4 against 1.2 in person under one door), so
    # counter work and even trips per case rise with the mix, not with a worse service
    Mechanism(WAITS, {"needs_unmet": "down", "online_share": "down",
                      "counter_hours_per_year": "up"},
              "more needs are pursued to the end — fewer residents are deterred from applying "
              "or give up (needs unmet {needs_unmet}) — and " + _OFFLINE + ", so the counters "
              "have more work (counter time per year {counter_hours_per_year}): the same "
              "counters have longer queues"),
    Mechanism(COUNTER_WORK, {"needs_unmet": "down", "online_share": "down"},
              "more needs are pursued to the end — fewer residents are deterred from applying "
              "or give up (needs unmet {needs_unmet}) — and " + _OFFLINE + ", so more cases "
              "reach the counters"),
    Mechanism(COUNTER_WORK, {"online_share": "down"},
              _OFFLINE + ", so more cases reach the counters", _online_accounts),
    Mechanism(("trips_per_case",), {"online_share": "down"},
              _OFFLINE + "; a case handled in person makes more office visits than one "
              "handled online, so the mix of channels raises trips per case",
              _online_accounts),
    # take-up: needs unmet counts the deterred and those who gave up, so where it falls more
    # residents' needs reach the counters, a wider mechanism than abandonment alone
    Mechanism(WAITS, {"needs_unmet": "down", "counter_hours_per_year": "up"},
              "more needs are pursued to the end — fewer residents are deterred from applying "
              "or give up (needs unmet {needs_unmet}) — so the counters have more work "
              "(counter time per year {counter_hours_per_year}): the same counters have "
              "longer queues"),
    Mechanism(COUNTER_WORK, {"needs_unmet": "down"},
              "more needs are pursued to the end — fewer residents are deterred from applying "
              "or give up (needs unmet {needs_unmet}) — so more cases reach the counters"),
    Mechanism(WAITS, {"abandonment_rate": "down", "counter_hours_per_year": "up"},
              "fewer residents give up (abandonment rate {abandonment_rate}), so more cases "
              "are served to the end and the counters have more work (counter time per year "
              "{counter_hours_per_year}): the same counters have longer queues"),
    Mechanism(WAITS, {"abandonment_rate": "down", "visits_per_year": "up"},
              "fewer residents give up (abandonment rate {abandonment_rate}), so more cases "
              "keep coming back to the counters (office visits per year {visits_per_year}) "
              "and the same counters have longer queues"),
    Mechanism(WAITS, {"counter_hours_per_year": "up"},
              "the counters have more work (counter time per year {counter_hours_per_year})"),
    Mechanism(WAITS, {"visits_per_year": "up"},
              "more office visits per year ({visits_per_year}) load the same counters"),
    Mechanism(("counter_hours_per_year",), {"abandonment_rate": "down"},
              "fewer residents give up (abandonment rate {abandonment_rate}), so more cases "
              "are served at the counters to the end"),
    Mechanism(("visits_per_year",), {"abandonment_rate": "down"},
              "fewer residents give up (abandonment rate {abandonment_rate}): cases that used "
              "to stop after a wasted trip now go on to the counters"),
    Mechanism(("trips_per_case", "wasted_trips_per_case", "days_to_completion",
               "one_trip_share"),
              {"abandonment_rate": "down"},
              "cases that used to be abandoned now go on to completion and count with their "
              "extra trips and days (abandonment rate {abandonment_rate})"),
    Mechanism(("abandonment_rate", "abandoned_per_year", "satisfaction_mean"),
              {"wait_mean_min": "up"},
              "longer waits (mean wait per visit {wait_mean_min}) wear residents down"),
)
"""The rules, most specific first; the first that holds explains the measure."""


def mechanism_for(metric: str, rows: Mapping[str, Mapping[str, object]],
                  describe: Callable[[Mapping[str, object]], str]) -> str:
    """The first rule that explains a worse ``metric`` from the other rows, or ``""``.

    Args:
        metric: The worse measure.
        rows: Comparison rows of one arm and group (overall, or one subgroup), by measure.
        describe: Formats a comparison row's change with its interval (the report's).
    """
    def moved(name: str, direction: str) -> bool:
        r = rows.get(name)
        if r is None or pd.isna(r["ci_low"]):
            return False
        return bool(r["ci_low"] > 0) if direction == "up" else bool(r["ci_high"] < 0)  # type: ignore[operator]

    for m in MECHANISMS:
        if (metric in m.worse and all(moved(k, d) for k, d in m.needs.items())
                and (m.accounts is None or m.accounts(metric, rows))):
            return m.text.format(**{k: describe(rows[k]) for k in m.needs})
    return ""


def explain(comparison: pd.DataFrame, describe: Callable[[Mapping[str, object]], str]
            ) -> list[tuple[str, str, str, str]]:
    """Every significantly worse overall change of every arm, with its mechanism if one holds.

    Args:
        comparison: The comparison table (``paired.COLUMNS``).
        describe: Formats a comparison row's change with its interval (the report's).

    Returns:
        ``(arm, measure, its change, explanation)`` per worse change, in the table's order;
        the explanation is ``""`` when no rule holds.
    """
    overall = comparison[comparison["group_type"] == "overall"]
    out = []
    for arm, sub in overall.groupby("arm", sort=False):
        rows = {str(r["metric"]): r for r in sub.to_dict("records")}
        for metric, r in rows.items():
            if r["verdict"] != "worse" or metric in COST_METRICS:
                continue
            out.append((str(arm), METRICS_BY_NAME[metric].label, describe(r),
                        mechanism_for(metric, rows, describe)))
    return out


EVENED_OUT = 0.25
"""A group's wait has evened out with everyone's when its gap to the average shrank to this
share of what it was (or less)."""

CLOSED_SHARE = 0.2
"""Pooling needs a desk that carried at least this share of the group's visits to be gone."""


@dataclass(frozen=True)
class _Queues:
    """One group's visits by office in two arms, beside every visitor's waits there."""

    share_ref: pd.Series
    share_arm: pd.Series
    wait_ref: pd.Series
    wait_arm: pd.Series


def _queues(offices: pd.DataFrame, reference: str, arm: str, group_type: str,
            group: str) -> _Queues | None:
    if offices.empty:
        return None
    by = offices.groupby(["arm", "group_type", "group", "office"])[["visits", "wait_sum"]].sum()

    def table(which: str, gtype: str, name: str) -> pd.DataFrame:
        try:
            t = by.loc[(which, gtype, name)]
        except KeyError:
            return pd.DataFrame(columns=["visits", "wait_sum"])
        return t[t["visits"] > 0]

    mine_ref, mine_arm = table(reference, group_type, group), table(arm, group_type, group)
    all_ref, all_arm = table(reference, "overall", "all"), table(arm, "overall", "all")
    if mine_ref.empty or mine_arm.empty:
        return None
    return _Queues(share_ref=mine_ref["visits"] / mine_ref["visits"].sum(),
                   share_arm=mine_arm["visits"] / mine_arm["visits"].sum(),
                   wait_ref=all_ref["wait_sum"] / all_ref["visits"],
                   wait_arm=all_arm["wait_sum"] / all_arm["visits"])


def evened_out(row: Mapping[str, object], overall: Mapping[str, object],
               offices: pd.DataFrame | None) -> bool:
    """Whether a group's worse wait is its shorter queue pooled with everyone's.

    Pooling (one door's centre absorbing the desks, a closed desk whose residents go to a
    neighbour) puts residents who used a quiet desk in the queue everyone else uses: their
    wait rises to the average while the average falls. Both must show: in the levels, the
    group waited less than the average resident in the reference arm and waits about what
    the average resident waits in the arm (its gap closed to :data:`EVENED_OUT` of what it
    was, or less); in the offices, a desk that carried at least :data:`CLOSED_SHARE` of the
    group's visits has no visits at all in the arm. Levels alone can converge without any
    pooling (a reform that shortens everyone else's queues), so without office data the
    answer is no.

    Args:
        row: The group's comparison row (a wait measure, flagged against the overall change).
        overall: The same arm and measure's overall row.
        offices: :attr:`~.metrics.RunSummaries.offices`, or None.
    """
    ref_gap = float(overall["ref_mean"]) - float(row["ref_mean"])  # type: ignore[arg-type]
    arm_gap = abs(float(row["arm_mean"]) - float(overall["arm_mean"]))  # type: ignore[arg-type]
    if not (str(row["metric"]) in WAITS and float(row["diff_mean"]) > 0  # type: ignore[arg-type]
            and ref_gap > 0 and arm_gap <= EVENED_OUT * ref_gap) or offices is None:
        return False
    q = _queues(offices, str(row["reference"]), str(row["arm"]), str(row["group_type"]),
                str(row["group"]))
    if q is None:
        return False
    gone = q.share_ref.index.difference(q.wait_arm.index)  # nobody queues there any more
    return bool(q.share_ref[gone].max() >= CLOSED_SHARE) if len(gone) else False


def where_they_queued(offices: pd.DataFrame, reference: str, arm: str, group_type: str,
                      group: str) -> str:
    """Why a group's mean wait rose: its offices' queues grew, or it queues at busier ones.

    A group's mean wait is its visits' shares of the offices times those offices' waits. Its
    change splits into the offices' own waits changing (every visitor's mean wait at each
    office, weighted by the group's visits in the arm) and the group queuing at other offices
    (the change in its shares, at the reference arm's waits). The larger part, if it raises
    the wait, is named with the offices that carry most of it.

    Args:
        offices: :attr:`~.metrics.RunSummaries.offices`.
        reference: The reference arm.
        arm: The compared arm.
        group_type: ``profile``, ``digital`` or ``community``.
        group: The group.

    Returns:
        A clause (``"the offices they queue at got busier: …"``), or ``""`` when the offices
        do not show why.
    """
    q = _queues(offices, reference, arm, group_type, group)
    if q is None:
        return ""
    both = q.share_arm.index.intersection(q.wait_ref.index)
    queues = q.share_arm[both] * (q.wait_arm[both] - q.wait_ref[both])
    known = q.share_arm.index.union(q.share_ref.index).intersection(q.wait_ref.index)
    moved = (q.share_arm.reindex(known, fill_value=0.0)
             - q.share_ref.reindex(known, fill_value=0.0))
    level = float((q.share_ref.reindex(known, fill_value=0.0) * q.wait_ref[known]).sum())
    mix = moved * (q.wait_ref[known] - level)  # > 0: towards a busier office, or off a quieter
    if max(queues.sum(), mix.sum()) <= 0:
        return ""
    if queues.sum() >= mix.sum():
        top = [o for o in queues.sort_values(ascending=False).index[:2] if queues[o] > 0]
        return "the offices they queue at got busier: " + ", ".join(
            f"{o} ({q.share_arm[o]:.0%} of their visits) {q.wait_ref[o]:.1f} → "
            f"{q.wait_arm[o]:.1f} min" for o in top)
    to = mix[moved > 0].sort_values(ascending=False)
    off = mix[moved < 0].sort_values(ascending=False)
    parts = [f"{o} ({q.share_ref.get(o, 0.0):.0%} → {q.share_arm.get(o, 0.0):.0%} of their "
             f"visits; {q.wait_ref[o]:.1f} min there before)" for o in to.index[:1]
             if to[o] > 0]
    left = [f"{o} ({q.share_ref.get(o, 0.0):.0%} → {q.share_arm.get(o, 0.0):.0%}; "
            f"{q.wait_ref[o]:.1f} min)" for o in off.index[:1] if off[o] > 0]
    if not parts and not left:
        return ""
    return ("they queue at other offices: " + (parts[0] if parts else "busier ones")
            + (f" instead of {left[0]}" if left else ""))
