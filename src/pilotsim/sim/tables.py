"""A run's tables as Arrow, made and read without pandas; pandas frames only on request.

pandas takes ~0.2-0.3 CPU s to import, a tenth of the default district command. The command
writes its run folder and prints its summary from Arrow tables and NumPy arrays, and loads
pandas only where a caller asks for a DataFrame (:func:`frame`). Two things keep pandas out:

* pyarrow imports pandas (when installed) at its first conversion of Python or NumPy data
  (``pa.array``, ``Array.to_numpy``: its pandas shim checks whether the data is a pandas
  object), so arrays are made from, and read as, their buffers (``Array.from_buffers``);
* the Parquet files keep the bytes ``DataFrame.to_parquet`` gave them: a table carries the
  schema metadata ``pyarrow.Table.from_pandas`` would attach (:func:`table`), so pandas reads a
  file back as the frame it always did (categoricals, nullable integers).

``tests/test_tables.py`` checks each table against ``from_pandas`` of its frame.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from importlib import metadata as importlib_metadata
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa

if TYPE_CHECKING:
    import pandas as pd

_ARROW = {"bool": pa.bool_(), "int8": pa.int8(), "int16": pa.int16(), "int32": pa.int32(),
          "int64": pa.int64(), "float64": pa.float64()}
# pyarrow's names for them in pandas' metadata (pandas_compat.get_logical_type)
_LOGICAL = {"bool": "bool", "int8": "int8", "int16": "int16", "int32": "int32",
            "int64": "int64", "double": "float64"}


@dataclass(frozen=True)
class Column:
    """One column of a table and what pandas' metadata says of it.

    Attributes:
        array: The values.
        numpy_type: The frame's dtype as the metadata names it (``"Int32"``: a nullable
            integer; a categorical: its codes' dtype).
        categories: A categorical's number of categories; None for any other column.
    """

    array: pa.Array
    numpy_type: str
    categories: int | None = None


def _bits(flags: np.ndarray) -> pa.Buffer:
    return pa.py_buffer(np.packbits(flags, bitorder="little"))


def numbers(values: np.ndarray) -> Column:
    """A NumPy column; a float's NaN becomes null, as ``from_pandas`` makes it."""
    values = np.ascontiguousarray(values)
    kind = values.dtype.name
    if kind == "bool":
        return Column(pa.Array.from_buffers(pa.bool_(), len(values), [None, _bits(values)]),
                      kind)
    nan = np.isnan(values) if values.dtype.kind == "f" else None
    valid = _bits(~nan) if nan is not None and nan.any() else None
    return Column(pa.Array.from_buffers(_ARROW[kind], len(values),
                                        [valid, pa.py_buffer(values)]), kind)


def nullable_int32(values: np.ndarray, missing: np.ndarray) -> Column:
    """A pandas ``Int32`` column: ``values``, null where ``missing``."""
    data = np.ascontiguousarray(values, dtype=np.int32)
    valid = _bits(~missing) if missing.any() else None
    return Column(pa.Array.from_buffers(pa.int32(), len(data), [valid, pa.py_buffer(data)]),
                  "Int32")


def code_dtype(categories: int) -> np.dtype:
    """The dtype of a pandas categorical's codes (and of Arrow's indices from them).

    pandas' rule (``coerce_indexer_dtype``): int8 below 127 categories, else the next
    integer whose maximum the number of categories stays below.
    """
    for t in (np.int8, np.int16, np.int32):
        if categories < np.iinfo(t).max:
            return np.dtype(t)
    return np.dtype(np.int64)


def strings(names: Sequence[str]) -> pa.Array:
    """``names`` as the Arrow array pandas' ``str`` categories become (``large_string``)."""
    encoded = [str(n).encode("utf8") for n in names]
    offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
    np.cumsum([len(e) for e in encoded], out=offsets[1:])
    return pa.Array.from_buffers(pa.large_string(), len(encoded),
                                 [None, pa.py_buffer(offsets), pa.py_buffer(b"".join(encoded))])


def categorical(codes: np.ndarray, names: Sequence[str] | pa.Array) -> Column:
    """A pandas categorical column: positions in ``names`` (-1: null)."""
    dictionary = names if isinstance(names, pa.Array) else strings(names)
    dtype = code_dtype(len(dictionary))
    codes = np.ascontiguousarray(codes, dtype=dtype)
    missing = codes < 0
    valid = _bits(~missing) if missing.any() else None
    indices = pa.Array.from_buffers(_ARROW[dtype.name], len(codes),
                                    [valid, pa.py_buffer(codes)])
    return Column(pa.DictionaryArray.from_arrays(indices, dictionary), dtype.name,
                  len(dictionary))


@cache
def _pandas_version() -> str:
    # the installed distribution's version, which pandas.__version__ reports
    return importlib_metadata.version("pandas")


def table(columns: dict[str, Column]) -> pa.Table:
    """The Arrow table of ``columns``, with the metadata ``from_pandas`` gives their frame.

    The metadata is what pyarrow's ``pandas_compat.construct_metadata`` writes for a frame
    without ``attrs`` converted with ``preserve_index=False``.
    """
    described = [{
        "name": name, "field_name": name,
        "pandas_type": ("categorical" if c.categories is not None
                        else _LOGICAL[str(c.array.type)]),
        "numpy_type": c.numpy_type,
        "metadata": (None if c.categories is None
                     else {"num_categories": c.categories, "ordered": False}),
    } for name, c in columns.items()]
    pandas_metadata = {
        "index_columns": [], "column_indexes": [], "columns": described, "attributes": {},
        "creator": {"library": "pyarrow", "version": pa.__version__},
        "pandas_version": _pandas_version(),
    }
    return pa.Table.from_arrays([c.array for c in columns.values()], names=list(columns),
                                metadata={b"pandas": json.dumps(pandas_metadata).encode("utf8")})


def read(path: Path) -> pa.Table:
    """The Parquet file at ``path`` as one table (not as a dataset: no ``pyarrow.dataset``)."""
    import pyarrow.parquet as pq

    return pq.ParquetFile(path).read(use_pandas_metadata=True)


def frame(t: pa.Table) -> pd.DataFrame:
    """``t`` as a pandas DataFrame, as ``pd.read_parquet`` makes it of a file of ``t``."""
    return t.to_pandas()


def _valid(chunk: pa.Array) -> np.ndarray | None:
    """Which of the chunk's values are not null (None: all are)."""
    if not chunk.null_count:
        return None
    bits = np.unpackbits(np.frombuffer(chunk.buffers()[0], dtype=np.uint8), bitorder="little")
    return bits[chunk.offset:chunk.offset + len(chunk)].astype(bool)


def _data(chunk: pa.Array, dtype: np.dtype) -> np.ndarray:
    return np.frombuffer(chunk.buffers()[1], dtype=dtype)[chunk.offset:chunk.offset + len(chunk)]


def values(column: pa.ChunkedArray, null: float | int = np.nan) -> np.ndarray:
    """A numeric column as one NumPy array, its nulls as ``null``.

    Raises:
        TypeError: for a column that is not an integer or float one.
    """
    name = next((k for k, t in _ARROW.items() if t == column.type and k != "bool"), None)
    if name is None:
        raise TypeError(f"values: a numeric column expected, not {column.type}")
    dtype = np.dtype(name)
    parts = [np.empty(0, dtype=dtype)]
    for chunk in column.chunks:
        part = _data(chunk, dtype)
        valid = _valid(chunk)
        if valid is not None:
            part = np.where(valid, part, null)
        parts.append(part)
    return np.concatenate(parts)


def codes(column: pa.ChunkedArray, names: Sequence[str]) -> np.ndarray:
    """A dictionary column's values as positions in ``names`` (-1: null, or not in ``names``).

    Each Parquet row group keeps its own dictionary, so a column read back may hold several,
    in any order: each chunk's indices are mapped through its own dictionary's labels.
    """
    where = {name: i for i, name in enumerate(names)}
    parts = [np.empty(0, dtype=np.int64)]
    for chunk in column.chunks:
        # the last entry answers a null's index, set to -1 below
        lookup = np.array([where.get(x, -1) for x in chunk.dictionary.to_pylist()] + [-1])
        idx = _data(chunk.indices, np.dtype(str(chunk.type.index_type))).astype(np.int64)
        valid = _valid(chunk)
        if valid is not None:
            idx[~valid] = -1
        parts.append(lookup[idx])
    return np.concatenate(parts)
