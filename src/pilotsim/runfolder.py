"""The run folder: tables as Parquet, the resolved config, and metadata written last.

``metadata.json`` says ``"status": "running"`` from the moment a run starts writing and
``"complete"`` only after every table is on disk (each file is written to a temporary name and
renamed), so a run killed midway never leaves a folder that looks complete.
"""

from __future__ import annotations

import json
import os
import subprocess
from datetime import UTC, datetime
from importlib import metadata as importlib_metadata
from pathlib import Path
from typing import Any

import pandas as pd

DEPENDENCIES = ("mesa", "numpy", "pandas", "pyarrow", "hydra-core", "omegaconf", "seaborn")
TABLES = ("cases", "visits", "site_days")


def now_iso() -> str:
    """The current time, ISO 8601 in UTC."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def package_version() -> str:
    """Pilotsim's installed version."""
    try:
        return importlib_metadata.version("pilotsim")
    except importlib_metadata.PackageNotFoundError:
        return "unknown"


def git_commit() -> str | None:
    """The commit of the source tree pilotsim runs from, if it is a git checkout."""
    here = Path(__file__).resolve().parent
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], cwd=here, capture_output=True,
                             text=True, timeout=5, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    if out.returncode != 0:
        return None
    dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=here,
                           capture_output=True, text=True, timeout=5, check=False).stdout
    return out.stdout.strip() + ("-dirty" if dirty.strip() else "")


def dependency_versions() -> dict[str, str]:
    """Versions of the libraries a run's results depend on."""
    out = {}
    for name in DEPENDENCIES:
        try:
            out[name] = importlib_metadata.version(name)
        except importlib_metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def _atomic_write(path: Path, write) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    write(tmp)
    os.replace(tmp, path)


def write_metadata(folder: Path, meta: dict[str, Any]) -> None:
    """Write ``metadata.json`` atomically."""
    _atomic_write(folder / "metadata.json",
                  lambda p: p.write_text(json.dumps(meta, indent=2, default=str)))


def write_table(folder: Path, name: str, df: pd.DataFrame) -> None:
    """Write ``name.parquet`` atomically."""
    _atomic_write(folder / f"{name}.parquet", lambda p: df.to_parquet(p, index=False))


def read_metadata(folder: Path) -> dict[str, Any] | None:
    """The metadata of a run folder, or None if it has none."""
    path = Path(folder) / "metadata.json"
    if not path.exists():
        return None
    return json.loads(path.read_text())


def is_complete(folder: Path) -> bool:
    """Whether ``folder`` holds a complete run."""
    meta = read_metadata(folder)
    return bool(meta) and meta.get("status") == "complete"


def read_tables(folder: Path) -> dict[str, pd.DataFrame]:
    """The three tables of a complete run folder."""
    folder = Path(folder)
    if not is_complete(folder):
        raise FileNotFoundError(f"{folder} is not a complete run folder (metadata.json status)")
    return {t: pd.read_parquet(folder / f"{t}.parquet") for t in TABLES}
