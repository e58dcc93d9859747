"""The sampling table: the default district's headline at several sample fractions, over seeds.

    python benchmarks/sampling_table.py [--fractions 1,0.25,0.1] [--seeds 10] [--days 180]

Runs the default district (``api.run``, nothing written) at each fraction for seeds
0…seeds−1 and prints, per fraction, the mean ± standard error over seeds of mean wait,
satisfaction, abandonment, needs unmet and trips per case, then each fraction's difference
from the first one, paired by seed (mean ± SE and t). The figures in README "Scale" and in
benchmarks/README.md (Sampling) come from this command with its defaults.
"""

from __future__ import annotations

import argparse
import logging
import math

import numpy as np

from pilotsim.analysis.summary import summary_table
from pilotsim.app import api

METRICS = {  # column → (label, scale to print)
    "wait_mean_min": ("mean wait, min", 1.0),
    "satisfaction": ("satisfaction", 1.0),
    "abandonment": ("abandonment, %", 100.0),
    "needs_unmet": ("needs unmet, %", 100.0),
    "trips_per_case": ("trips / case", 1.0),
}


def headline(fraction: float, seed: int, days: int) -> dict[str, float]:
    """One run's headline figures (overall row of the summary table)."""
    cfg = api.compose([f"sim.sample_fraction={fraction}", f"sim.days={days}", f"seed={seed}"])
    r = api.run(cfg)
    return summary_table(r.cases, r.visits).loc["all", list(METRICS)].to_dict()


def _mean_se(x: np.ndarray) -> tuple[float, float]:
    return float(x.mean()), float(x.std(ddof=1) / math.sqrt(len(x)))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--fractions", default="1,0.25,0.1")
    p.add_argument("--seeds", type=int, default=10)
    p.add_argument("--days", type=int, default=180)
    a = p.parse_args()
    logging.getLogger("MESA").setLevel(logging.WARNING)
    fractions = [float(x) for x in a.fractions.split(",")]
    runs = {f: [headline(f, s, a.days) for s in range(a.seeds)] for f in fractions}
    table = {f: {m: np.array([r[m] for r in rs]) for m in METRICS} for f, rs in runs.items()}
    print("| f | " + " | ".join(label for label, _ in METRICS.values()) + " |")
    print("|---" * (len(METRICS) + 1) + "|")
    for f in fractions:
        cells = []
        for m, (_, k) in METRICS.items():
            mean, se = _mean_se(k * table[f][m])
            cells.append(f"{mean:.3f} ± {se:.3f}")
        print(f"| {f:g} | " + " | ".join(cells) + " |")
    ref = fractions[0]
    for f in fractions[1:]:
        cells = []
        for m, (_, k) in METRICS.items():
            mean, se = _mean_se(k * (table[f][m] - table[ref][m]))
            cells.append(f"{mean:+.3f} ± {se:.3f} (t {mean / se:+.1f})" if se > 0 else
                         f"{mean:+.3f}")
        print(f"| {f:g} − {ref:g} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
