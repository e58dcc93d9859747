"""Input checks shared by the evaluation modules.

Every check raises :class:`ValueError` with a message that names the offending key, the value
found and what was expected, as the project's design asks of all bad input.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd


def require_columns(df: pd.DataFrame, columns: Iterable[str], what: str) -> None:
    """Raise if ``df`` is empty or lacks any of ``columns``.

    Args:
        df: The table to check.
        columns: Column names that must be present.
        what: A name for the table used in the message (e.g. ``"site_days"``).

    Raises:
        ValueError: If the table has no rows or misses a column.
    """
    if not isinstance(df, pd.DataFrame):
        raise ValueError(f"{what}: expected a pandas DataFrame, got {type(df).__name__}")
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise ValueError(
            f"{what}: missing column(s) {missing}; expected columns {list(columns)}, "
            f"found {list(df.columns)}"
        )
    if len(df) == 0:
        raise ValueError(f"{what}: empty table (0 rows); expected at least one row")


def require_positive_int(name: str, value: object) -> int:
    """Return ``value`` as ``int`` if it is a positive integer, else raise.

    Args:
        name: Parameter name for the message.
        value: The value to check.

    Returns:
        The value as a Python ``int``.

    Raises:
        ValueError: If the value is not a positive integer (booleans are rejected).
    """
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ValueError(f"{name}={value!r}: expected a positive integer")
    return int(value)


def require_alpha(alpha: float) -> float:
    """Return ``alpha`` if it is a significance level in (0, 1), else raise.

    Args:
        alpha: The significance level to check.

    Returns:
        The level as a float.

    Raises:
        ValueError: If the level is outside (0, 1).
    """
    if not 0.0 < float(alpha) < 1.0:
        raise ValueError(f"alpha={alpha!r}: expected a significance level in (0, 1)")
    return float(alpha)
