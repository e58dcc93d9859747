"""The benchmark scripts still run against the package they measure.

They reach into the model (private helpers, table layouts) that the test suite otherwise never
exercises through them: a refactor that moved ``records._cat`` left
``benchmarks/soa_prototype.py`` failing at import until someone ran it by hand.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"
SCRIPTS = sorted(p.stem for p in BENCHMARKS.glob("*.py"))


def test_every_script_is_listed() -> None:
    # the import test below reads the folder: an empty list would pass vacuously
    assert {"ab", "phase_costs", "run", "soa_prototype", "workers"} <= set(SCRIPTS)


def test_scripts_import() -> None:
    """Every script's imports resolve (each runs its work only under ``__main__``); in a
    process of their own, as they put their folder on ``sys.path`` and set loggers."""
    code = (f"import sys; sys.path.insert(0, {str(BENCHMARKS)!r})\n"
            + "".join(f"import {name}\n" for name in SCRIPTS))
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]


def test_soa_prototype_matches_the_model() -> None:
    """The queue-vs-SimPy benchmark runs end to end, and its prototype's tables equal the
    model's (the benchmark's own check, which its ratio relies on)."""
    out = subprocess.run(
        [sys.executable, str(BENCHMARKS / "soa_prototype.py"), "--visits", "2000", "--reps",
         "1", "--counters", "2"], capture_output=True, text=True, check=True, timeout=120)
    (result,) = json.loads(out.stdout)["results"]
    assert result["visits_equal"]["identical"] and result["cases_equal"]["identical"]
    assert result["visits_equal"]["rows_model"] > 1000
    assert result["ratio_model_over_simpy"] > 0


def test_ab_rejects_a_before_that_is_no_code(tmp_path: Path) -> None:
    """``ab.py``'s BEFORE is a src folder or another install's ``pilotsim``: anything else is
    named in the error before a single run starts."""
    done = subprocess.run([sys.executable, str(BENCHMARKS / "ab.py"), str(tmp_path),
                           "--reps", "1", "district_f1"], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 2
    assert str(tmp_path) in done.stderr and "neither a src folder" in done.stderr


def test_ab_names_the_tables_that_differ(tmp_path: Path) -> None:
    """A speed figure compares two codes only where their runs agree: ``ab.py`` names each
    table of two complete run folders that differs (a value or a dtype)."""
    import pandas as pd

    from pilotsim.sim import runfolder

    sys.path.insert(0, str(BENCHMARKS))
    try:
        import ab
    finally:
        sys.path.remove(str(BENCHMARKS))
    before, after = tmp_path / "before", tmp_path / "after"
    frame = pd.DataFrame({"case_id": [0, 1, 2], "wait_min": [1.5, float("nan"), 3.0]})
    for side in (before, after):
        side.mkdir()
        runfolder.write_metadata(side, {"status": "complete"})
        for name in runfolder.TABLES:
            frame.to_parquet(side / f"{name}.parquet")
    assert ab.differing_tables(before, after) == []  # NaN where NaN is no difference
    frame.assign(wait_min=[1.5, float("nan"), 3.0000001]).to_parquet(after / "visits.parquet")
    frame.astype({"case_id": "int32"}).to_parquet(after / "site_days.parquet")
    assert ab.differing_tables(before, after) == ["visits", "site_days"]
    (before / "metadata.json").unlink()  # a side whose run did not complete is no comparison
    with pytest.raises(FileNotFoundError, match="not a complete run folder"):
        ab.differing_tables(before, after)


def test_instructions_counts_model_run_inside_call_tracing(tmp_path: Path) -> None:
    """``instructions.py`` reads callgrind's total, refuses an unknown workload before any
    run, and its counted part (``--inner``, which valgrind wraps) builds and runs the model."""
    sys.path.insert(0, str(BENCHMARKS))
    try:
        import instructions
    finally:
        sys.path.remove(str(BENCHMARKS))
    cg = tmp_path / "out.cg"
    cg.write_text("# callgrind format\nversion: 1\nevents: Ir\nsummary: 6146535446\n\nfn=x\n")
    assert instructions.count(cg) == 6146535446
    script = str(BENCHMARKS / "instructions.py")
    bad = subprocess.run([sys.executable, script, "erlang_c"], capture_output=True, text=True,
                         timeout=60)
    assert bad.returncode == 2 and "'erlang_c'" in bad.stderr
    inner = subprocess.run([sys.executable, script, "--inner", "erlang_c_c2", "--visits", "500"],
                           capture_output=True, text=True, timeout=120)
    assert inner.returncode == 0, inner.stderr[-2000:]
    days, visits = map(int, re.fullmatch(r"model.run: (\d+) days, (\d+) visits\n",
                                         inner.stdout).groups())
    assert days > 0 and visits > 400  # ~500 asked for: the model ran, not just built
