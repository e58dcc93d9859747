"""A posterior ensemble file: weighted parameter sets a calibration found, read as worlds.

``pilotsim-calibrate`` writes ``posterior.csv`` (one row per particle: ``weight``, the
parameter values under their config keys, and their coordinates in the prior's unit hypercube
under ``unit:KEY``) and ``posterior.json`` beside it (provenance: the targets file and its
SHA-256, the date, the method, and the parameters' declarations, i.e. the priors). The
``uncertainty:`` section reads it with ``design: ensemble`` and ``ensemble: PATH``:
``samples`` worlds are drawn from the particles by systematic resampling on their weights
(seeded by ``uncertainty.seed``), so every downstream analysis — the robustness report's
spreads, P(best), regret — may count the worlds equally and still follow the posterior.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from pilotsim.spec.schema import SpecError

if TYPE_CHECKING:
    import pandas as pd

UNIT_PREFIX = "unit:"
"""Column prefix of a parameter's coordinate in the prior's unit hypercube."""


@dataclass(frozen=True)
class Ensemble:
    """A posterior ensemble as read from its files.

    Attributes:
        path: The ``posterior.csv`` file (absolute).
        table: One row per particle: ``weight`` (summing to 1), values, ``unit:KEY``.
        provenance: The ``posterior.json`` sidecar (targets, date, method, parameters).
    """

    path: Path
    table: pd.DataFrame
    provenance: dict[str, Any]

    @property
    def parameters(self) -> dict[str, Any]:
        """The parameters' declarations (priors) as written by the calibration."""
        return dict(self.provenance.get("parameters") or {})

    def record(self) -> dict[str, Any]:
        """What a run's ``metadata.json`` keeps of the calibration (``world.calibration``)."""
        p = self.provenance
        return {"posterior": str(self.path), "targets": p.get("targets"),
                "targets_sha256": p.get("targets_sha256"),
                "calibrated_at": p.get("calibrated_at"), "method": p.get("method"),
                "particles": len(self.table)}

    def resample(self, samples: int, seed: int) -> np.ndarray:
        """Row indices of ``samples`` equally weighted worlds (systematic resampling).

        Systematic resampling keeps each particle's count within one of ``samples × weight``
        (the least added noise of the standard schemes; Douc & Cappé 2005).
        """
        w = self.table["weight"].to_numpy(dtype=float)
        offset = np.random.default_rng(seed).random()
        points = (offset + np.arange(samples)) / samples
        return np.minimum(np.searchsorted(np.cumsum(w), points, side="right"), len(w) - 1)


def sidecar(path: Path) -> Path:
    """The provenance file beside an ensemble file (``posterior.csv`` → ``posterior.json``)."""
    return path.with_suffix(".json")


def read_ensemble(path: str | Path, key: str = "uncertainty.ensemble") -> Ensemble:
    """Read and check a posterior ensemble (its CSV and the JSON beside it).

    Args:
        path: The ``posterior.csv`` written by ``pilotsim-calibrate``.
        key: The config key that named it, for errors.

    Raises:
        SpecError: naming ``key`` when a file is missing or unreadable, or the table lacks a
            ``weight`` column, a column per declared parameter, or positive weights.
    """
    p = Path(path).expanduser().resolve()
    side = sidecar(p)
    if not p.is_file() or not side.is_file():
        raise SpecError(key, str(path), "a posterior.csv written by pilotsim-calibrate, with "
                        "its posterior.json beside it")
    stat = (p.stat().st_mtime_ns, side.stat().st_mtime_ns)
    return _read(str(p), stat, key)


@lru_cache(maxsize=8)
def _read(path: str, stat: tuple[int, int], key: str) -> Ensemble:
    # Cached per version of the files: every run of a sweep reads the same ensemble.
    del stat
    import pandas as pd  # here: every composition imports this module, few read an ensemble

    p = Path(path)
    try:
        table = pd.read_csv(p)
        provenance = json.loads(sidecar(p).read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise SpecError(key, path, f"a readable posterior ensemble ({e})") from e
    params = provenance.get("parameters")
    if not isinstance(params, dict) or not params:
        raise SpecError(key, path, f"a {sidecar(p).name} with the calibrated parameters")
    needed = ["weight", *params, *(UNIT_PREFIX + k for k in params)]
    missing = [c for c in needed if c not in table.columns]
    if missing:
        raise SpecError(key, path, "columns " + ", ".join(needed) + "; missing: "
                        + ", ".join(missing))
    w = table["weight"].to_numpy(dtype=float)
    if len(w) == 0 or not np.all(np.isfinite(w)) or w.min() < 0 or not w.sum() > 0:
        raise SpecError(key, path, "at least one particle and finite, non-negative weights "
                        "with a positive sum")
    table = table.assign(weight=w / w.sum())
    return Ensemble(p, table, provenance)
