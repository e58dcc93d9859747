"""The pilotsim-compare command: success output and clear errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from conftest import RunWriter, build_known_sweep

from pilotsim.analysis.comparison.cli import main


def test_missing_directory_fails_with_its_name(tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "no_such_sweep"
    assert main([str(missing)]) == 2
    err = capsys.readouterr().err
    assert str(missing) in err and "does not exist" in err


def test_no_complete_runs_fails_and_says_what_was_found(
        run_writer: RunWriter, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run_writer("a", arm="baseline", seed=1, status="failed", error="boom")
    run_writer("b", arm="baseline", seed=2, status="running")
    assert main([str(tmp_path / "sweep")]) == 2
    err = capsys.readouterr().err
    assert "no complete runs" in err and "1 failed" in err and "1 running" in err
    assert 'status "complete"' in err


def test_unknown_reference_names_value_and_known_arms(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = build_known_sweep(tmp_path / "sweep")
    assert main([str(root), "--reference", "control"]) == 2
    err = capsys.readouterr().err
    assert "'control'" in err and "baseline, one_door" in err
    assert not (root / "comparison").exists()


def test_bad_target_is_rejected_by_the_parser(tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main([str(tmp_path), "--target-halfwidth", "tight"])
    assert exit_info.value.code == 2
    assert "'tight'" in capsys.readouterr().err


def test_success_prints_headline_and_writes_to_out(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = build_known_sweep(tmp_path / "sweep")
    out = tmp_path / "elsewhere"
    assert main([str(root), "--out", str(out), "--target-halfwidth", "0.5",
                 "--warmup-days", "0"]) == 0
    printed = capsys.readouterr().out
    assert "One door: trips per case 2.50 → 1.33" in printed
    assert "Measure" in printed and "Change (95% CI)" in printed
    assert "1 run(s) without a partner seed" in printed
    assert (out / "report.html").is_file() and not (root / "comparison").exists()


def test_module_entry_point_exits_non_zero(tmp_path: Path) -> None:
    src = Path(__file__).resolve().parents[2] / "src"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(src), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run([sys.executable, "-m", "pilotsim.analysis.comparison",
                           str(tmp_path / "nope")],
                          capture_output=True, text=True, env=env, timeout=60, check=False)
    assert done.returncode == 2
    assert "pilotsim-compare: error: sweep directory" in done.stderr


def test_bad_compare_setting_stops_a_sweep_before_any_run(tmp_path: Path, pilotsim_main,
                                                          capsys, monkeypatch) -> None:
    # the command's entry point in this process (see the pilotsim_main fixture)
    monkeypatch.chdir(tmp_path)
    sweep = tmp_path / "sweep"
    code = pilotsim_main("-m", "reform=baseline,one_door", "sim.days=20",
                         "compare.horizon_years=0", f"hydra.sweep.dir={sweep}")
    assert code == 2
    assert "compare.horizon_years = 0: expected a number > 0" in capsys.readouterr().err
    assert not sweep.exists()


def test_damaged_run_folders_are_left_out_named_and_the_rest_compared(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = build_known_sweep(tmp_path / "sweep")
    folders = sorted(p.parent for p in root.rglob("metadata.json"))
    garbled, not_utf8, cost_number, extra = (root / "baseline" / "seed1", root / "one_door" /
                                             "seed1", root / "one_door" / "seed9",
                                             root / "one_door" / "seed4")
    table = garbled / "cases.parquet"
    table.write_bytes(table.read_bytes()[:100])  # cut short: no Parquet footer
    (not_utf8 / "metadata.json").write_bytes(b"\xff\xfe{\"status\": \"complete\"}")
    meta = json.loads((cost_number / "metadata.json").read_text())
    (cost_number / "metadata.json").write_text(json.dumps({**meta, "cost": 5}))
    (extra / "metadata.json").write_text("[1, 2]")

    assert main([str(root)]) == 0
    out = capsys.readouterr().out
    assert "Traceback" not in out
    for folder, why in ((garbled, "cases.parquet is not a readable Parquet file"),
                        (not_utf8, "metadata.json cannot be read"),
                        (cost_number, "'cost' is 5"),
                        (extra, "not a JSON object")):
        assert f"  {folder.relative_to(root).as_posix()}: " in out
        assert why in out
    runs = pd.read_csv(root / "comparison" / "runs.csv")
    assert runs["usable"].sum() == len(folders) - 4


def test_run_metrics_are_byte_stable(tmp_path: Path) -> None:
    root = build_known_sweep(tmp_path / "sweep")
    assert main([str(root), "--out", str(tmp_path / "a")]) == 0
    assert main([str(root), "--out", str(tmp_path / "b")]) == 0
    for name in ("run_metrics.parquet", "comparison.csv", "report.md"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_report_md_shows_labels_and_errors_as_text(run_writer: RunWriter, tmp_path: Path) -> None:
    root = build_known_sweep(tmp_path / "sweep")
    run_writer("odd", arm="baseline", seed=99, status="failed",
               error="<script>alert(1)</script> [click](http://x)")
    assert main([str(root)]) == 0
    md = (root / "comparison" / "report.md").read_text()
    assert "<script>" not in md and "&lt;script&gt;" in md
    assert "[click](http://x)" not in md
