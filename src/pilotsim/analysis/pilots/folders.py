"""Which run folders of a sweep belong to a pilot study, read from their metadata alone.

Kept apart from :mod:`~pilotsim.analysis.pilots.study`, which imports the evaluation's
statistics (statsmodels, ~1 s): every sweep's end asks whether it holds a pilot study, and
most do not.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pilotsim.sim import runfolder


def pilot_folders(sweep_dir: str | Path) -> list[tuple[Path, dict[str, Any]]]:
    """The complete pilot-design runs under ``sweep_dir`` (any depth), with their metadata.

    A run belongs to a pilot study if its metadata carries a ``pilot`` block whose design is
    not ``as_configured``.
    """
    out = []
    for meta_path in sorted(Path(sweep_dir).rglob("metadata.json")):
        meta = runfolder.read_metadata(meta_path.parent)
        if not meta or meta.get("status") != "complete":
            continue
        if (meta.get("pilot") or {}).get("design", "as_configured") == "as_configured":
            continue
        out.append((meta_path.parent, meta))
    return out
