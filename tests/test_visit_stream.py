"""Visits compacted into chunks, or streamed to Parquet, give exactly the in-memory table."""

from __future__ import annotations

import logging

import pandas as pd
import pytest

from pilotsim.app import api
from pilotsim.plugins.runner import build_model
from pilotsim.sim import records
from pilotsim.sim.model import PilotModel
from pilotsim.spec import RunSpec

# pilot.start_day: main (b4c09a0) rejects runs shorter than the default pilot start day (84)
OVERRIDES = ["sim.days=40", "sim.sample_fraction=0.3", "seed=5", "pilot.start_day=0"]


@pytest.fixture(scope="module")
def spec() -> RunSpec:
    logging.getLogger("MESA").setLevel(logging.WARNING)
    return RunSpec.from_config(api.compose(OVERRIDES))


def _run(spec: RunSpec, chunk: int) -> PilotModel:
    model = build_model(spec)
    model.visits = records.VisitLog(chunk=chunk)
    model.run()
    return model


def test_chunk_size_does_not_change_the_table(spec) -> None:
    one = _run(spec, chunk=10**9)  # never compacts during the run
    small = _run(spec, chunk=97)  # compacts every 97 visits
    assert len(small.visits._chunks) > 10
    assert len(small.visits) == len(one.visits) > 500
    pd.testing.assert_frame_equal(records.visits_table(small), records.visits_table(one))


def test_streamed_parquet_matches_the_in_memory_table(spec, tmp_path) -> None:
    want = records.visits_table(_run(spec, chunk=10**9))
    model = build_model(spec)
    model.visits = records.VisitLog(chunk=101)
    stream = records.VisitParquetStream(tmp_path / "v.parquet", model)
    model.visits.sink = stream.write
    model.run()
    stream.close()
    assert model.visits.streamed == len(want)
    with pytest.raises(RuntimeError, match="streamed"):
        records.visits_table(model)
    import pyarrow.parquet as pq

    assert pq.ParquetFile(tmp_path / "v.parquet").num_row_groups > 5
    pd.testing.assert_frame_equal(records.visits_frame(model, stream.read()), want)


def test_a_sink_attached_mid_run_gets_the_chunks_held_before_it(spec, tmp_path) -> None:
    # a pilot study's world continued from shared days (pilotsim.plugins.forking) attaches
    # its stream then: the file holds every visit, in the row groups of a stream from day 0
    import pyarrow.parquet as pq

    def streamed(attach_day: int):
        model = build_model(spec)
        model.visits = records.VisitLog(chunk=101)
        stream = records.VisitParquetStream(tmp_path / f"v{attach_day}.parquet", model)
        while model.day < attach_day:
            model.step()
        held = len(model.visits._chunks)
        model.visits.attach(stream.write)
        model.run()
        stream.close()
        return model, stream, held

    want_model, want, _ = streamed(0)
    model, got, held = streamed(20)
    assert held > 3  # chunks were held when the sink came
    assert model.visits.streamed == want_model.visits.streamed == len(want_model.visits)
    assert got.read().equals(want.read())
    sizes = [pq.ParquetFile(s.path).metadata.row_group(i).num_rows
             for s in (got, want) for i in range(pq.ParquetFile(s.path).num_row_groups)]
    assert sizes[:len(sizes) // 2] == sizes[len(sizes) // 2:]


def test_written_run_returns_and_writes_the_same_visits(tmp_path) -> None:
    cfg = api.compose(OVERRIDES)
    memory = api.run(cfg)
    written = api.run(cfg, out_dir=tmp_path / "run")
    pd.testing.assert_frame_equal(written.visits, memory.visits)
    on_disk = pd.read_parquet(tmp_path / "run" / "visits.parquet")
    assert len(on_disk) == len(memory.visits)
    assert (on_disk["wait_min"].to_numpy() == memory.visits["wait_min"].to_numpy()).all()
    assert not list((tmp_path / "run").glob(".*tmp"))


def test_read_gives_the_tables_categories_whatever_the_files(spec, tmp_path) -> None:
    model = _run(spec, chunk=10**9)
    want = records.visits_table(model)
    reordered = want.copy()  # the same labels, categories in reverse order: other codes
    for col in ("community", "service", "office", "outcome"):
        reordered[col] = reordered[col].cat.reorder_categories(
            list(reordered[col].cat.categories[::-1]))
    reordered.to_parquet(tmp_path / "v.parquet")
    read = records.VisitParquetStream(tmp_path / "v.parquet", model).read()
    pd.testing.assert_frame_equal(records.visits_frame(model, read), want)


def test_read_of_no_visits(spec, tmp_path) -> None:
    model = build_model(spec)
    stream = records.VisitParquetStream(tmp_path / "v.parquet", model)
    stream.close()
    pd.testing.assert_frame_equal(records.visits_frame(model, stream.read()),
                                  records.visits_table(model))


def test_row_group_writer_writes_in_order_the_same_bytes(tmp_path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    tables = [pa.table({"i": list(range(k, k + 1000)), "x": [k / 7] * 1000})
              for k in range(0, 40_000, 1000)]
    background = records.RowGroupWriter(tmp_path / "b.parquet")
    for t in tables:
        background.write(t)
    background.close()
    inline = pq.ParquetWriter(tmp_path / "i.parquet", tables[0].schema)
    for t in tables:
        inline.write_table(t)
    inline.close()
    assert (tmp_path / "b.parquet").read_bytes() == (tmp_path / "i.parquet").read_bytes()
    assert pq.read_table(tmp_path / "b.parquet")["i"].to_pylist() == list(range(40_000))


def test_row_group_writer_raises_a_failed_write(tmp_path) -> None:
    import pyarrow as pa

    writer = records.RowGroupWriter(tmp_path / "x.parquet")
    writer.write(pa.table({"a": [1, 2]}))
    writer.write(pa.table({"b": ["x"]}))  # another schema: pyarrow refuses it, in the thread
    with pytest.raises(ValueError, match="schema"):
        writer.close()
