"""``python -m pilotsim.analysis.robustness SWEEP_DIR``: (re)write a sweep's robustness report."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from pilotsim.analysis.comparison.runs import ComparisonError
from pilotsim.analysis.robustness import robustness_sweep


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command; returns the exit status (0 success, 2 bad input)."""
    parser = argparse.ArgumentParser(prog="python -m pilotsim.analysis.robustness",
                                     description=__doc__)
    parser.add_argument("sweep_dir")
    parser.add_argument("--reference", default="baseline")
    parser.add_argument("--objective", default="trips_per_case",
                        help="measure of the recommendation, drivers and flip regions")
    parser.add_argument("--out", default=None, metavar="DIR",
                        help="output folder (default: SWEEP_DIR/comparison)")
    args = parser.parse_args(argv)
    try:
        result = robustness_sweep(args.sweep_dir, reference=args.reference,
                                  objective=args.objective, out_dir=args.out)
    except ComparisonError as exc:
        print(f"python -m pilotsim.analysis.robustness: error: {exc}", file=sys.stderr)
        return 2
    print("\n".join(result.summary_lines()))
    print(f"Report: {result.paths['robustness_html']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
