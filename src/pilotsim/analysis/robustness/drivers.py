"""What drives an arm's effect: global sensitivity indices over the worlds (SALib).

The index follows the design the worlds were drawn with:

- ``morris``: elementary effects, μ* (mean absolute change of the effect when the parameter
  moves one Morris step, 2/3 of its range on the unit scale) and σ (their spread: interactions
  or non-linearity). The screening design for few worlds.
- ``sobol``: Sobol' first-order (S1) and total-order (ST) indices, shares of the effect's
  variance across worlds (Saltelli's scheme; ST − S1 is interaction).
- ``lhs``: first-order indices by RBD-FAST (Tarantola et al. 2006), which accepts any
  space-filling sample; below about 100 worlds an index under ~0.2 cannot be told from 0
  (its confidence interval, shown as the error bar, says how far to trust it).

All indices are computed on the unit hypercube (each parameter's quantile scale), so μ* is in
the effect's unit per Morris step, whatever the parameter's own unit.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from pilotsim.spec.uncertainty import MORRIS_LEVELS, Uncertainty

INDEX_LABELS = {"mu_star": "μ*", "sigma": "σ", "S1": "first-order S1", "ST": "total-order ST"}
"""How each index is named in the report."""


@dataclass(frozen=True)
class Sensitivity:
    """Indices of one output (e.g. one arm's effect on trips per case).

    Attributes:
        table: ``parameter, index, value, conf`` (one row per parameter and index).
        main: The index the tornado figure ranks by (``mu_star``, ``ST`` or ``S1``).
    """

    table: pd.DataFrame
    main: str


class SensitivityUnavailableError(ValueError):
    """The worlds at hand do not support the design's indices (the message says why)."""


def sensitivity(unc: Uncertainty, y_by_world: pd.Series) -> Sensitivity:
    """Global sensitivity indices of one output over the worlds of ``unc``'s design.

    Args:
        unc: The uncertainty declarations and design the worlds were drawn from.
        y_by_world: The output in each world, indexed by world number (int).

    Returns:
        The indices.

    Raises:
        SensitivityUnavailableError: a Morris or Sobol' design with worlds missing (their indices
            need every world of the design), a constant output, or too few worlds.
    """
    if unc.design == "ensemble":  # resampled particles: no design an index could read
        raise SensitivityUnavailableError("the worlds are a calibrated posterior's particles, "
                                          "not a sensitivity design")
    x = unc.unit_sample()
    problem = unc.problem()
    y = y_by_world.reindex(range(len(x))).to_numpy(dtype=float)
    missing = int(np.isnan(y).sum())
    if unc.design in ("morris", "sobol") and missing:
        raise SensitivityUnavailableError(
            f"{missing} of the design's {len(x)} worlds have no result; {unc.design} indices "
            "need every world (rerun the sweep into the same folder to complete it)")
    if unc.design == "lhs":
        keep = ~np.isnan(y)
        x, y = x[keep], y[keep]
        if len(y) < 2 * len(unc.parameters) + 1:
            raise SensitivityUnavailableError(
                f"{len(y)} worlds with a result are too few for RBD-FAST with "
                f"{len(unc.parameters)} parameters")
    if np.ptp(y) == 0:
        raise SensitivityUnavailableError("the output is the same in every world")
    if unc.design == "morris":
        from SALib.analyze import morris

        res = morris.analyze(problem, x, y, num_levels=MORRIS_LEVELS, seed=unc.seed)
        cols, main = {"mu_star": "mu_star_conf", "sigma": None}, "mu_star"
    elif unc.design == "sobol":
        from SALib.analyze import sobol

        res = sobol.analyze(problem, y, calc_second_order=False, seed=unc.seed)
        cols, main = {"S1": "S1_conf", "ST": "ST_conf"}, "ST"
    else:
        from SALib.analyze import rbd_fast

        # 4 harmonics, not SALib's 10: with the tens to hundreds of worlds a simulation
        # affords, 10 lets an inert parameter score 0.2-0.6 (4: about 0.05 at 100 worlds)
        res = rbd_fast.analyze(problem, x, y, M=4, seed=unc.seed)
        cols, main = {"S1": "S1_conf"}, "S1"
    rows = []
    for i, name in enumerate(unc.names):
        for index, conf in cols.items():
            rows.append({"parameter": name, "index": index, "value": float(res[index][i]),
                         "conf": float(res[conf][i]) if conf else np.nan})
    return Sensitivity(pd.DataFrame(rows), main)
