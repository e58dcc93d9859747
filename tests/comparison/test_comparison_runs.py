"""Finding run folders, and the per-run metric definitions."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import NO_WARMUP, RunWriter
from synthetic_runs import Case

from pilotsim.analysis.comparison.metrics import summarise_runs
from pilotsim.analysis.comparison.runs import discover_runs


def test_only_complete_runs_with_all_tables_count(run_writer: RunWriter, tmp_path: Path) -> None:
    run_writer("deep/a/b/ok", arm="baseline", seed=1, cases=[Case(trips=1)])
    run_writer("failed", arm="baseline", seed=2, status="failed", error="boom at day 3")
    run_writer("running", arm="baseline", seed=3, status="running")
    missing = run_writer("missing", arm="baseline", seed=4, cases=[Case(trips=1)])
    (missing / "visits.parquet").unlink()
    broken = tmp_path / "sweep" / "broken"
    broken.mkdir()
    (broken / "metadata.json").write_text("{not json", encoding="utf-8")

    catalog = discover_runs(tmp_path / "sweep")
    assert [r.run_id for r in catalog.usable] == ["deep/a/b/ok"]
    errors = {r.run_id: r.error for r in catalog.problems}
    assert errors["failed"] == "boom at day 3"
    assert "running" in errors["running"]
    assert "visits.parquet" in errors["missing"]
    assert "cannot be read" in errors["broken"]


def test_duplicate_arm_and_seed_keeps_the_latest(run_writer: RunWriter, tmp_path: Path) -> None:
    old = run_writer("old", arm="baseline", seed=1, cases=[Case(trips=1)])
    run_writer("new", arm="baseline", seed=1, cases=[Case(trips=1)])
    meta = json.loads((old / "metadata.json").read_text())
    meta["finished_at"] = "2024-01-01T00:00:00Z"
    (old / "metadata.json").write_text(json.dumps(meta))
    catalog = discover_runs(tmp_path / "sweep")
    assert [r.run_id for r in catalog.usable] == ["new"]
    assert "duplicate of new" in catalog.problems[0].error


def test_metric_definitions_on_one_run(run_writer: RunWriter, tmp_path: Path) -> None:
    run_writer("r", arm="baseline", seed=1, cases=[
        Case(trips=1, visit_wait=10, satisfaction=80, duration=2),
        Case(trips=3, wasted=2, visit_wait=20, satisfaction=50, duration=6),
        Case(trips=2, wasted=2, visit_wait=30, satisfaction=20, duration=4, status="abandoned"),
        Case(trips=1, visit_wait=40, status="open"),
        Case(trips=0, status="not_pursued"),
    ])
    summary = summarise_runs(discover_runs(tmp_path / "sweep").usable, settings=NO_WARMUP)
    got = summary.metrics.query("group_type == 'overall'").set_index("metric")["value"]
    visit_waits = [10, 20, 20, 20, 30, 30, 40]
    assert got["trips_per_case"] == pytest.approx(2.0)  # (1 + 3 + 2) / 3 closed cases
    assert got["one_trip_share"] == pytest.approx(0.5)  # 1 of 2 completed
    assert got["wasted_trips_per_case"] == pytest.approx(4 / 3)
    assert got["days_to_completion"] == pytest.approx(4.0)  # completed only: (2 + 6) / 2
    assert got["satisfaction_mean"] == pytest.approx(50.0)  # closed only: (80 + 50 + 20) / 3
    assert got["abandonment_rate"] == pytest.approx(1 / 3)
    assert got["needs_unmet"] == pytest.approx(2 / 4)  # (not pursued + abandoned) / settled
    assert got["wait_mean_min"] == pytest.approx(np.mean(visit_waits))
    assert got["wait_p90_min"] == pytest.approx(np.percentile(visit_waits, 90))  # 34.0
    assert (got["staff_hours"], got["budget"]) == (0.0, 0.0)
    trips = summary.trips_hist.set_index("value")["n"]
    assert trips.to_dict() == {1.0: 1, 2.0: 1, 3.0: 1}  # closed cases only


def test_batching_does_not_change_results(run_writer: RunWriter, tmp_path: Path) -> None:
    for seed in range(5):
        run_writer(f"b{seed}", arm="baseline", seed=seed,
                   cases=[Case(trips=1 + seed % 3, profile=p, community=f"c{seed % 2}")
                          for p in ("elderly", "disabled")])
    runs = discover_runs(tmp_path / "sweep").usable
    keys = ["run_id", "group_type", "group", "metric"]
    one, all_ = (summarise_runs(runs, batch_size=b, settings=NO_WARMUP).metrics
                 .sort_values(keys).reset_index(drop=True) for b in (1, 64))
    pd.testing.assert_frame_equal(one, all_)
    assert one.query("group_type == 'overall' and metric == 'trips_per_case'")[
        "value"].tolist() == [1.0, 2.0, 3.0, 1.0, 2.0]


def test_share_satisfied_uses_each_runs_threshold(run_writer: RunWriter, tmp_path: Path) -> None:
    cases = [Case(trips=1, satisfaction=80), Case(trips=1, satisfaction=60),
             Case(trips=2, satisfaction=59.9), Case(trips=2, satisfaction=20, status="abandoned"),
             Case(trips=1, satisfaction=95, status="open")]
    run_writer("default", arm="baseline", seed=1, cases=cases)
    strict = run_writer("strict", arm="baseline", seed=2, cases=cases)
    meta = json.loads((strict / "metadata.json").read_text())
    meta["config"]["behaviour"] = {"satisfaction": {"satisfied_threshold": 75}}
    (strict / "metadata.json").write_text(json.dumps(meta))
    summary = summarise_runs(discover_runs(tmp_path / "sweep").usable, settings=NO_WARMUP)
    got = summary.metrics.query("group_type == 'overall' and metric == 'share_satisfied'")
    by_run = got.set_index("run_id")["value"]
    assert by_run["default"] == pytest.approx(2 / 4)  # 80 and 60 of four closed cases
    assert by_run["strict"] == pytest.approx(1 / 4)  # 80 only
