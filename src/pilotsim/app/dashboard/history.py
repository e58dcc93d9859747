""""What happened to this resident?" — one resident's cases and visits in one world.

Residents, their needs and their case ids are the same in both worlds (common random
numbers), so the same id can be looked up in each and the two histories read side by side.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from pilotsim.sim.bulk import resident_cases
from pilotsim.sim.records import OUTCOMES

if TYPE_CHECKING:
    from pilotsim.sim.model import PilotModel

VISIT_COLUMNS = ("case_id", "service", "channel", "status", "day_opened", "day_closed",
                 "satisfaction", "visit_day", "office", "step", "wait_min", "outcome")


def residents_with_cases(model: PilotModel) -> np.ndarray:
    """Population rows of the residents who have had at least one case, sorted."""
    return np.array(sorted(model.residents), dtype=np.int64)


def random_resident(model: PilotModel, draw: int) -> int | None:
    """A resident with a case, picked with the dashboard's own named stream.

    The ``dashboard_pick`` stream is derived from the run seed like every stream of the run,
    and no simulation draw reads it, so picking residents never changes what happens.

    Args:
        model: The world to pick from.
        draw: The how-many-th pick this is (successive picks differ).

    Returns:
        The resident's id (population row), or None if nobody has had a case yet.
    """
    ids = residents_with_cases(model)
    if not len(ids):
        return None
    gen = model.streams.generator("dashboard_pick", draw)
    return int(ids[gen.integers(len(ids))])


def resident_summary(model: PilotModel, resident_id: int) -> dict[str, object]:
    """Who the resident is: profile, community, literacy, knowledge now, cases so far."""
    pop = model.population
    if not 0 <= resident_id < pop.size:
        raise KeyError(f"resident id {resident_id} is not in 0..{pop.size - 1}")
    return {
        "resident_id": resident_id,
        "profile": model.profile_names[int(pop.profile[resident_id])],
        "community": model.community_names[int(pop.community[resident_id])],
        "digital_literacy": round(float(pop.literacy[resident_id]), 2),
        "knowledge": round(float(pop.knowledge[resident_id]), 2),
        "cases": len(resident_cases(model, resident_id)),
    }


def resident_history(model: PilotModel, resident_id: int) -> pd.DataFrame:
    """One row per visit of each of the resident's cases (a case without visits: one row).

    Columns: :data:`VISIT_COLUMNS` (visit columns are empty for a case done without visiting
    an office, e.g. online or through the committee).
    """
    cases = resident_cases(model, resident_id)
    if not cases:
        return pd.DataFrame(columns=list(VISIT_COLUMNS))
    cols = model.visits.cols
    rid = np.asarray(cols["resident_id"], dtype=np.int64)
    rows = np.flatnonzero(rid == resident_id)
    by_case: dict[int, list[int]] = {}
    for r in rows.tolist():
        by_case.setdefault(cols["case_id"][r], []).append(r)
    out = []
    for case in cases:
        head = {
            "case_id": case.id, "service": case.service, "channel": case.channel,
            "status": case.status, "day_opened": case.day_opened,
            "day_closed": case.day_closed,
            "satisfaction": None if case.status == "open" or case.satisfaction is None
            else round(case.satisfaction, 1),
        }
        visits = by_case.get(case.id, [])
        if not visits:
            out.append({**head, "visit_day": None, "office": None, "step": None,
                        "wait_min": None, "outcome": None})
        for r in visits:
            out.append({**head, "visit_day": cols["day"][r],
                        "office": model.offices[cols["office"][r]].name,
                        "step": cols["step"][r], "wait_min": round(cols["wait_min"][r], 1),
                        "outcome": OUTCOMES[cols["outcome"][r]]})
    return pd.DataFrame(out, columns=list(VISIT_COLUMNS))


READABLE = {"case_id": "case", "service": "service", "channel": "channel", "status": "status",
            "day_opened": "opened (day)", "day_closed": "closed (day)",
            "satisfaction": "satisfaction", "visit_day": "visit (day)", "office": "office",
            "step": "step", "wait_min": "wait (min)", "outcome": "outcome"}


def readable(df: pd.DataFrame) -> pd.DataFrame:
    """A history as the trainer reads it: plain headers and words, "–" for nothing.

    Names such as ``housing_repair_permit`` lose their underscores; an empty cell (a case
    still open, a case done without a visit) reads "–" instead of ``None``.
    """
    out = df.rename(columns=READABLE).astype(object)
    for col in out.columns:
        out[col] = [("–" if v is None or (isinstance(v, float) and np.isnan(v)) else
                     v.replace("_", " ") if isinstance(v, str) else v) for v in out[col]]
    return out
