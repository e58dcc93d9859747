"""Write synthetic run folders that follow the run-folder contract (v1)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

CASES_SCHEMA = pa.schema([
    ("case_id", pa.int64()), ("resident_id", pa.int64()), ("profile", pa.string()),
    ("community", pa.string()), ("district", pa.string()), ("service", pa.string()),
    ("channel", pa.string()), ("day_opened", pa.int32()), ("day_closed", pa.int32()),
    ("status", pa.string()), ("trips", pa.int32()), ("wasted_trips", pa.int32()),
    ("wait_min", pa.float64()), ("travel_min", pa.float64()), ("satisfaction", pa.float64()),
    ("digitally_excluded", pa.bool_()), ("duration_days", pa.int32()),
])
VISITS_SCHEMA = pa.schema([
    ("case_id", pa.int64()), ("resident_id", pa.int64()), ("community", pa.string()),
    ("service", pa.string()), ("step", pa.int16()), ("office", pa.string()), ("day", pa.int32()),
    ("arrival_min", pa.float64()), ("wait_min", pa.float64()), ("service_min", pa.float64()),
    ("travel_min", pa.float64()), ("outcome", pa.string()),
])
SITE_DAYS_SCHEMA = pa.schema([
    ("day", pa.int32()), ("community", pa.string()), ("district", pa.string()),
    ("cases_opened", pa.int32()), ("needs_not_pursued", pa.int32()),
    ("cases_closed", pa.int32()), ("cases_completed", pa.int32()),
    ("cases_abandoned", pa.int32()), ("one_trip_cases", pa.int32()), ("trips", pa.int32()),
    ("wasted_trips", pa.int32()), ("wait_min_mean", pa.float64()),
    ("satisfaction_mean", pa.float64()), ("abandonment_rate", pa.float64()),
])


@dataclass
class Case:
    """One synthetic case; every visit of the case waits ``visit_wait`` minutes."""

    trips: int
    profile: str = "elderly"
    community: str = "north"
    status: str = "completed"
    wasted: int = 0
    visit_wait: float = 10.0
    satisfaction: float = 70.0
    duration: int = 3
    digital: bool = False
    day_opened: int = 0
    channel: str = "in_person"


def write_run(folder: Path, *, arm: str, seed: int, cases: Sequence[Case] = (),
              status: str = "complete", error: str | None = None,
              cost: dict[str, float] | None = None, days: int = 28,
              sample_fraction: float = 1.0, config: dict[str, Any] | None = None,
              extra_meta: dict[str, Any] | None = None) -> Path:
    """Write one contract-conforming run folder and return it.

    ``config`` is merged into the recorded resolved config; ``extra_meta`` into metadata.json.
    """
    folder.mkdir(parents=True, exist_ok=True)
    meta: dict[str, Any] = {
        "status": status, "seed": seed, "arm": arm, "config": {"arm": arm, **(config or {})},
        "package_version": "0.1.0", "git_commit": None, "dependencies": {},
        "started_at": "2025-01-01T00:00:00Z", "finished_at": "2025-01-01T00:01:00Z",
        "wall_seconds": 60.0, "timings": {"build": 1.0, "simulate": 58.0, "write": 1.0},
        "cost": cost or {"staff_hours": 0.0, "budget": 0.0}, "days": days,
        "sample_fraction": sample_fraction, "treatment": {"north": None}, **(extra_meta or {}),
    }
    if error is not None:
        meta["error"] = error
    if status == "complete" or cases:
        _write_tables(folder, cases, days)
    (folder / "metadata.json").write_text(json.dumps(meta), encoding="utf-8")
    return folder


def _write_tables(folder: Path, cases: Sequence[Case], days: int) -> None:
    case_rows: list[dict[str, Any]] = []
    visit_rows: list[dict[str, Any]] = []
    for i, c in enumerate(cases):
        closed = c.status in ("completed", "abandoned")
        day_closed = c.day_opened + c.duration if closed else None
        case_rows.append({
            "case_id": i, "resident_id": 100 + i, "profile": c.profile,
            "community": c.community, "district": "d1", "service": "licence",
            "channel": None if c.status == "not_pursued" else c.channel,
            "day_opened": c.day_opened, "day_closed": day_closed,
            "status": c.status, "trips": c.trips, "wasted_trips": c.wasted,
            "wait_min": c.visit_wait * c.trips, "travel_min": 30.0 * c.trips,
            "satisfaction": c.satisfaction if closed else None,
            "digitally_excluded": c.digital, "duration_days": c.duration if closed else None,
        })
        for step in range(c.trips):
            visit_rows.append({
                "case_id": i, "resident_id": 100 + i, "community": c.community,
                "service": "licence", "step": 0, "office": "o1", "day": c.day_opened + step,
                "arrival_min": 1440.0 * (c.day_opened + step) + 540.0,
                "wait_min": c.visit_wait, "service_min": 5.0, "travel_min": 30.0,
                "outcome": "wrong_office" if step < c.wasted else "served",
            })
    communities = sorted({c.community for c in cases}) or ["north"]
    site_rows = []
    for day in range(days):
        for com in communities:
            closing = [c for c in cases if c.community == com
                       and c.status in ("completed", "abandoned")
                       and c.day_opened + c.duration == day]
            opened = [c for c in cases if c.community == com and c.day_opened == day]
            done = [c for c in closing if c.status == "completed"]
            site_rows.append({
                "day": day, "community": com, "district": "d1",
                "cases_opened": sum(c.status != "not_pursued" for c in opened),
                "needs_not_pursued": sum(c.status == "not_pursued" for c in opened),
                "cases_closed": len(closing), "cases_completed": len(done),
                "cases_abandoned": len(closing) - len(done),
                "one_trip_cases": sum(c.trips <= 1 for c in done), "trips": 0,
                "wasted_trips": 0, "wait_min_mean": float("nan"),
                "satisfaction_mean": (sum(c.satisfaction for c in closing) / len(closing)
                                      if closing else float("nan")),
                "abandonment_rate": ((len(closing) - len(done)) / len(closing)
                                     if closing else float("nan")),
            })
    pq.write_table(pa.Table.from_pylist(case_rows, CASES_SCHEMA), folder / "cases.parquet")
    pq.write_table(pa.Table.from_pylist(visit_rows, VISITS_SCHEMA), folder / "visits.parquet")
    pq.write_table(pa.Table.from_pylist(site_rows, SITE_DAYS_SCHEMA),
                   folder / "site_days.parquet")
