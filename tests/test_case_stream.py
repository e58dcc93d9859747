"""Cases streamed to Parquet as they close give exactly the in-memory cases table."""

from __future__ import annotations

import logging

import pandas as pd
import pyarrow.parquet as pq
import pytest

from pilotsim.app import api
from pilotsim.plugins.runner import build_model
from pilotsim.sim import records, tables
from pilotsim.sim.model import PilotModel
from pilotsim.spec import RunSpec

# The outreach reform raises the knowledge of open cases (Levers.raise_knowledge walks
# model.cases) on day 50, after the first batches of closed cases have been let go.
OVERRIDES = ["sim.days=90", "sim.sample_fraction=0.3", "seed=5", "pilot.start_day=50",
             "reform=outreach_checklists"]


@pytest.fixture(scope="module")
def spec() -> RunSpec:
    logging.getLogger("MESA").setLevel(logging.WARNING)
    return RunSpec.from_config(api.compose(OVERRIDES))


@pytest.fixture(scope="module")
def held_model(spec) -> PilotModel:
    """The run with every case held in memory to the end."""
    model = build_model(spec)
    model.run()
    return model


@pytest.fixture(scope="module")
def held(held_model) -> pd.DataFrame:
    """The cases table of the run with every case held in memory to the end."""
    return records.cases_table(held_model)


def _streamed(spec: RunSpec, path, chunk: int) -> tuple[PilotModel, records.CaseParquetStream,
                                                       records.VisitParquetStream, list[int]]:
    model = build_model(spec)
    visits = records.VisitParquetStream(path.with_name("visits.parquet"), model)
    model.visits.sink = visits.write
    stream = records.CaseParquetStream(path, model, chunk=chunk)
    written = []
    while model.day < spec.sim.days:
        model.step()
        stream.after_day()
        written.append(stream.written)
    stream.close()
    visits.close()
    return model, stream, visits, written


def test_streamed_cases_equal_the_in_memory_table(spec, held, held_model, tmp_path) -> None:
    model, stream, visits, written = _streamed(spec, tmp_path / "cases.parquet", chunk=53)
    assert written[spec.pilot.start_day - 1] > 0  # cases were let go before the reform
    assert len(held) > 20 * 53
    assert pq.ParquetFile(stream.path).num_row_groups > 5
    got = tables.frame(stream.read())
    # same rows in the same order, same dtypes, same categories in the same order
    pd.testing.assert_frame_equal(got, held, check_exact=True, check_categorical=True)
    for col in held.select_dtypes("category"):
        assert list(got[col].cat.categories) == list(held[col].cat.categories), col
    # and the file is the one DataFrame.to_parquet writes, schema and pandas metadata too
    memory = tmp_path / "held.parquet"
    held.to_parquet(memory, index=False)
    assert pq.read_schema(stream.path).equals(pq.read_schema(memory), check_metadata=True)
    assert pq.read_table(stream.path).equals(pq.read_table(memory))
    # the written cases left the model; the open ones and those after them stayed
    first_kept = written[-1]  # written before close(), which keeps what it writes
    assert first_kept > 0
    assert all(c is None for c in model.cases[:first_kept])
    assert all(c is not None for c in model.cases[first_kept:])
    assert all(c.id >= first_kept for r in model.residents.values() for c in r.cases)
    with pytest.raises(RuntimeError, match="let go"):  # not read as bulk rows' columns
        records.cases_table(model)
    # visits of cases already let go still name their case's community and service
    pd.testing.assert_frame_equal(records.visits_frame(visits.model, visits.read()),
                                  records.visits_table(held_model),
                                  check_exact=True)


def test_a_stream_started_mid_run_writes_the_whole_table(spec, held, tmp_path) -> None:
    # a pilot study's world continued from shared days (pilotsim.plugins.forking) starts its
    # case stream then: the cases closed before are written from id 0 on, as from day 0
    model = build_model(spec)
    while model.day < 60:
        model.step()
    stream = records.CaseParquetStream(tmp_path / "cases.parquet", model, chunk=53)
    while model.day < spec.sim.days:
        model.step()
        stream.after_day()
        if model.day == 61:
            assert stream.written > 53  # the first day wrote what had closed before it
    stream.close()
    pd.testing.assert_frame_equal(tables.frame(stream.read()), held, check_exact=True,
                                  check_categorical=True)


def test_a_run_folder_holds_and_returns_the_same_cases(held, tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(records.CaseParquetStream, "CHUNK", 53)  # stream during the run
    written = api.run(api.compose(OVERRIDES), out_dir=tmp_path / "run")
    assert pq.ParquetFile(tmp_path / "run" / "cases.parquet").num_row_groups > 5
    assert written.metadata["phase_seconds"]["cases_out"] > 0
    pd.testing.assert_frame_equal(written.cases, held, check_exact=True)
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "run" / "cases.parquet"), held,
                                  check_exact=True)
    assert not list((tmp_path / "run").glob(".*tmp"))


def test_a_bad_chunk_is_refused(spec, tmp_path) -> None:
    model = build_model(spec)
    with pytest.raises(ValueError, match=r"chunk=0: expected a positive integer"):
        records.CaseParquetStream(tmp_path / "c.parquet", model, chunk=0)
