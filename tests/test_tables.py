"""Arrow tables made without pandas: the frames, schemas and Parquet bytes pandas gave them."""

from __future__ import annotations

import io
import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pilotsim.sim import records, tables
from tests.conftest import run


def _parquet(write) -> bytes:
    buf = io.BytesIO()
    write(buf)
    return buf.getvalue()


@pytest.fixture(scope="module")
def result():
    return run("sim.days=25", "sim.sample_fraction=0.2", "seed=5")


def test_each_table_is_what_pandas_makes_of_its_frame(result):
    m = result.model
    for t in (records.cases_arrow(m), records.cases_arrow(m, 10, 40),
              records.visits_arrow(m, m.visits.columns()), result.tables["site_days"]):
        df = tables.frame(t)
        # the frame's own conversion: metadata, types, nulls (NaN, open cases' closing day)
        assert pa.Table.from_pandas(df, preserve_index=False).equals(t, check_metadata=True)
        assert _parquet(lambda b, t=t: pq.write_table(t, b)) == \
            _parquet(lambda b, df=df: df.to_parquet(b, index=False))
    cases = result.tables["cases"]
    assert cases.column("day_closed").null_count > 0  # open cases: the nullable path ran
    assert cases.column("satisfaction").null_count > 0  # NaN became null, as from_pandas


def test_columns_of_every_kind_as_pandas_converts_them():
    codes = np.array([0, 2, -1, 1])
    t = tables.table({
        "f": tables.numbers(np.array([1.5, np.nan, -0.0, np.inf])),
        "i": tables.numbers(np.array([1, 2, 3, 4], dtype=np.int16)),
        "b": tables.numbers(np.array([True, False, True, True] * 3)[:4]),
        "n": tables.nullable_int32(np.array([7, -1, 0, 9]), np.array([False, True, False, False])),
        "c": tables.categorical(codes, ["x", "y", "zé"]),
    })
    df = pd.DataFrame({
        "f": [1.5, np.nan, -0.0, np.inf], "i": np.array([1, 2, 3, 4], dtype=np.int16),
        "b": [True, False, True, True], "n": pd.array([7, None, 0, 9], dtype="Int32"),
        "c": pd.Categorical.from_codes(codes, ["x", "y", "zé"])})
    assert pa.Table.from_pandas(df, preserve_index=False).equals(t, check_metadata=True)
    pd.testing.assert_frame_equal(tables.frame(t), df, check_exact=True)
    assert list(tables.codes(t.column("c"), ["zé", "x"])) == [1, 0, -1, -1]
    assert tables.values(t.column("n"), -1).tolist() == [7, -1, 0, 9]


@pytest.mark.parametrize("n", [1, 126, 127, 128, 32766, 32767])
def test_codes_take_pandas_width_for_the_number_of_categories(n):
    names = [f"c{i}" for i in range(n)]
    want = pd.Categorical.from_codes([n - 1], names)
    assert tables.code_dtype(n) == want.codes.dtype
    t = tables.table({"c": tables.categorical(np.array([n - 1]), names)})
    assert pa.Table.from_pandas(pd.DataFrame({"c": want}), preserve_index=False).equals(
        t, check_metadata=True)


def test_codes_map_each_chunks_own_dictionary(tmp_path):
    # Parquet row groups may each carry their dictionary in another order
    a = tables.table({"c": tables.categorical(np.array([0, 1]), ["x", "y"])})
    b = tables.table({"c": tables.categorical(np.array([0, 1, 0]), ["y", "x"])})
    with pq.ParquetWriter(tmp_path / "t.parquet", a.schema) as w:
        w.write_table(a)
        w.write_table(b)
    back = tables.read(tmp_path / "t.parquet")
    assert back.column("c").num_chunks == 2
    assert tables.codes(back.column("c"), ["x", "y"]).tolist() == [0, 1, 1, 0, 1]


def test_grouped_mean_is_pandas_bit_for_bit():
    # Kahan's sums, in each group's row order: a plain sum differs in the last bits
    rng = np.random.default_rng(3)
    v = rng.standard_normal(20_000) * 10.0 ** rng.integers(-8, 9, 20_000)
    v[rng.integers(0, 20_000, 500)] = np.nan
    v[[5, 77]] = [np.inf, -np.inf]
    slot = rng.integers(-1, 300, 20_000)
    got = records._mean(v, slot, 310)
    keep = slot >= 0
    want = pd.Series(v[keep]).groupby(slot[keep]).mean().reindex(range(310)).to_numpy()
    assert np.array_equal(got, want, equal_nan=True)
    plain = np.bincount(slot[keep & ~np.isnan(v)], v[keep & ~np.isnan(v)], minlength=310)
    count = np.bincount(slot[keep & ~np.isnan(v)], minlength=310)
    with np.errstate(invalid="ignore"):
        assert not np.array_equal(plain / count, want, equal_nan=True)


def test_the_run_command_imports_no_pandas(tmp_path):
    out = tmp_path / "run"
    code = ("import sys\n"
            "sys.argv = ['pilotsim', 'sim.days=20', 'sim.sample_fraction=0.1', 'seed=2',"
            f" 'hydra.run.dir={out}']\n"
            "from pilotsim.app import cli\n"
            "from pilotsim.app.sweeps import lean_exit\n"
            "lean_exit.register = lambda **kw: None\n"
            "cli.main()\n"
            "print(sorted(m for m in ('pandas', 'pyarrow.pandas_compat') if m in sys.modules))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[-1] == "[]"
    assert "trips_per_case" in proc.stdout
    meta = json.loads((out / "metadata.json").read_text())
    assert meta["status"] == "complete"
    assert len(pd.read_parquet(out / "cases.parquet")) == meta["counts"]["cases"]


def test_mesa_imports_pandas_when_it_uses_it():
    code = ("import sys, pilotsim.sim.model, mesa, mesa.agent\n"
            "print('pandas' in sys.modules)\n"
            "import pandas\n"
            "class A(mesa.Agent):\n"
            "    def __init__(self, model, x):\n"
            "        super().__init__(model)\n"
            "        self.x = x\n"
            "agents = A.create_agents(mesa.Model(rng=1), 2, x=pandas.Series([4, 5]))\n"
            "print(sorted(a.x for a in agents), mesa.agent.pd.Series is pandas.Series)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.split()
    assert out == ["False", "[4,", "5]", "True"]
