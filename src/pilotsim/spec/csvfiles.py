"""A planner's CSV tables, read strictly: every problem names the file, row and column.

Shared by the district files (:mod:`pilotsim.spec.district_files`) and the calibration targets
(:mod:`pilotsim.analysis.calibration.targets`). Rows are counted as a spreadsheet shows them:
the header is row 1. Cells are kept as stripped strings; :func:`cell` parses one with a named
expectation.
"""

from __future__ import annotations

import copy
import csv
import functools
import math
import re
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pilotsim.spec.schema import SpecError


class FileError(SpecError):
    """A value in a file that cannot be used.

    Attributes:
        file: The file, as given (``DIR/offices.csv``).
        row: Row as a spreadsheet counts it (header = 1), or the feature number in a GeoJSON
            file; None for a problem with the whole file.
        column: The column (or GeoJSON property); None for a problem with the whole row.
        unit: What ``row`` counts (``row`` or ``feature``).
    """

    def __init__(self, file: str, row: int | None, column: str | None, value: Any,
                 expected: str, unit: str = "row") -> None:
        self.file, self.row, self.column, self.unit = file, row, column, unit
        where = [file] + ([f"{unit} {row}"] if row is not None else []) + (
            [f"column {column}"] if column is not None else [])
        super().__init__(", ".join(where), value, expected)

    def __reduce__(self):  # picklable, like SpecError
        return type(self), (self.file, self.row, self.column, self.value, self.expected,
                            self.unit)


@dataclass
class Table:
    """A CSV file's rows as stripped strings, with their spreadsheet row numbers.

    Attributes:
        file: The file, as given.
        columns: The header's column names, in order.
        rows: ``(row number, {column: text})`` for each non-blank row.
        error_type: The :class:`FileError` subclass its errors are raised as.
    """

    file: str
    columns: list[str]
    rows: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    error_type: type[FileError] = FileError

    def error(self, row: int | None, column: str | None, value: Any,
              expected: str) -> FileError:
        """An error at a row and column of this file (to raise)."""
        return self.error_type(self.file, row, column, value, expected)


def read_table(path: Path, required: Sequence[str], optional: Sequence[str] = (),
               extra: Callable[[str], bool] = lambda _c: False,
               error_type: type[FileError] = FileError) -> Table:
    """Read a CSV file; check its header names every required column and nothing unknown.

    Args:
        path: The file.
        required: Columns that must be present.
        optional: Columns that may be present.
        extra: Accepts further column names (e.g. ``share_<profile>``).
        error_type: The error class to raise.

    Returns:
        The table.

    Raises:
        FileError: (as ``error_type``) for a missing or unreadable file, a missing, unknown or
            repeated column, or a row with more cells than the header.
    """
    file = str(path)
    if not path.is_file():
        raise error_type(file, None, None, None, "a CSV file with columns " + ", ".join(required))
    try:
        with path.open(newline="", encoding="utf-8-sig") as f:  # -sig: Excel's UTF-8 BOM
            lines = list(csv.reader(f))
    except (UnicodeDecodeError, csv.Error) as e:
        raise error_type(file, None, None, None, f"a UTF-8 CSV file ({e})") from None
    if not lines:
        raise error_type(file, 1, None, None,
                         "a header row naming the columns " + ", ".join(required))
    header = [c.strip() for c in lines[0]]
    table = Table(file, header, error_type=error_type)
    for i, col in enumerate(header):
        if col in header[:i]:
            raise table.error(1, col, col, "each column once (this one appears twice)")
        if col not in required and col not in optional and not extra(col):
            raise table.error(1, col, col, "one of the columns "
                              + ", ".join([*required, *optional]))
    for col in required:
        if col not in header:
            raise table.error(1, col, header, f"a column named {col!r} (it is missing)")
    for number, cells in enumerate(lines[1:], start=2):
        if not any(c.strip() for c in cells):
            continue  # blank line
        if len(cells) > len(header):
            raise table.error(number, None, cells,
                              f"at most {len(header)} cells, one per header column")
        values = [c.strip() for c in cells] + [""] * (len(header) - len(cells))
        table.rows.append((number, dict(zip(header, values, strict=True))))
    return table


def cell(table: Table, number: int, row: Mapping[str, str], column: str,
         parse: Callable[[str], Any], expected: str, default: Any = None) -> Any:
    """Parse one cell; an empty cell gives ``default`` (an error if there is none)."""
    text = row.get(column, "")
    if text == "":
        if default is None:
            raise table.error(number, column, text, f"{expected} (the cell is empty)")
        return default
    try:
        return parse(text)
    except ValueError:
        raise table.error(number, column, text, expected) from None


def integer(text: str) -> int:
    """A whole number (``12`` or ``12.0``); ValueError otherwise."""
    value = float(text)
    if not value.is_integer():
        raise ValueError(text)
    return int(value)


def number(text: str) -> float:
    """A finite number; ValueError otherwise."""
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(text)
    return value


def boolean(text: str) -> bool:
    """``true``/``yes``/``1`` or ``false``/``no``/``0`` (any case); ValueError otherwise."""
    lowered = text.lower()
    if lowered in ("true", "yes", "1"):
        return True
    if lowered in ("false", "no", "0"):
        return False
    raise ValueError(text)


_LIST_SPLIT = re.compile(r"[;|]")


def split_list(text: str) -> list[str]:
    """The items of a list cell: ``"a;b"`` (or ``"a|b"``) → ``["a", "b"]``; empty → ``[]``."""
    return [t.strip() for t in _LIST_SPLIT.split(text) if t.strip()]


def prefixed_columns(table: Table, prefix: str, known: Sequence[str] | None,
                     meaning: str) -> list[str]:
    """The columns ``<prefix><profile>`` (``share_elderly``): at least one, each a known profile.

    Args:
        table: The table.
        prefix: The columns' prefix.
        known: Profiles of the behaviour config (None: not checked).
        meaning: What the columns hold, for the error (``"needs per resident-year"``).
    """
    columns = [c for c in table.columns if c.startswith(prefix)]
    if not columns:
        raise table.error(1, prefix + "<profile>", table.columns,
                          f"a column {prefix}<profile> ({meaning}) per resident profile, e.g. "
                          f"{prefix}elderly")
    for col in columns:
        if known is not None and col[len(prefix):] not in known:
            raise table.error(1, col, col[len(prefix):],
                              "a profile under behaviour.profiles: " + ", ".join(known))
    return columns


def unique_names(table: Table, column: str = "name") -> dict[str, int]:
    """Name → row; every row needs a name, and no name twice."""
    seen: dict[str, int] = {}
    for number_, row in table.rows:
        name = row[column]
        if not name:
            raise table.error(number_, column, name, "a name (the cell is empty)")
        if name in seen:
            raise table.error(number_, column, name,
                              f"a name used once (row {seen[name]} has it too)")
        seen[name] = number_
    return seen


def read_folder_cached[T](read: Callable[..., T], folder: str | Path, files: Sequence[str],
                          **checks: Hashable) -> T:
    """``read(folder, **checks)``, remembered while none of ``files`` in the folder changes.

    A config resolves each part of a folder's city or catalogue separately, and a sweep's plan
    resolves every point; without this the same tables would be read and checked dozens of
    times. The key holds each file's modification time and size, so an edited file is read
    again. Callers get a deep copy (OmegaConf and callers may keep what they receive).
    """
    path = Path(folder).resolve()
    state = (str(path), *((f, s.st_mtime_ns, s.st_size) for f in files
                          if (p := path / f).is_file() and (s := p.stat())))
    return copy.deepcopy(_read_cached(read, str(folder), state, tuple(sorted(checks.items()))))


@functools.lru_cache(maxsize=32)
def _read_cached(read: Callable[..., Any], folder: str, state: tuple,
                 checks: tuple[tuple[str, Hashable], ...]) -> Any:
    del state  # part of the cache key only: where the folder is, and its files' versions
    return read(folder, **dict(checks))
