"""``pilotsim-compare``: compare the arms of a sweep from the command line."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from pilotsim.analysis.comparison.compare import compare_sweep
from pilotsim.analysis.comparison.metrics import METRICS_BY_NAME
from pilotsim.analysis.comparison.runs import ComparisonError
from pilotsim.analysis.comparison.settings import HORIZON_YEARS, WARMUP_DAYS, CompareSettings

PROG = "pilotsim-compare"
LIST_LEFT_OUT = 10  # left-out run folders named on screen (all are in runs.csv and the report)


def parse_target(text: str) -> float | dict[str, float]:
    """Parse ``--target-halfwidth``: ``0.05`` (relative) or ``trips_per_case=0.05,...``.

    Args:
        text: The option's value.

    Returns:
        A relative fraction, or absolute half-widths by metric.

    Raises:
        argparse.ArgumentTypeError: If the value is neither form.
    """
    try:
        if "=" not in text:
            return float(text)
        out = {}
        for item in text.split(","):
            name, _, value = item.partition("=")
            out[name.strip()] = float(value)
        return out
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"'{text}' is not a number (fraction of the reference mean, e.g. 0.05) nor a list "
            f"METRIC=HALFWIDTH,... with METRIC one of {', '.join(METRICS_BY_NAME)}") from None


def build_parser() -> argparse.ArgumentParser:
    """The command's argument parser."""
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Compare every arm of a sweep with a reference arm, pairing runs by seed, "
                    "and write comparison.csv/.parquet, figures, report.html and report.md.")
    parser.add_argument("sweep_dir", help="folder holding the sweep's run folders")
    parser.add_argument("--reference", default="baseline",
                        help="arm to compare against (default: baseline)")
    parser.add_argument(
        "--target-halfwidth", type=parse_target, default=None, metavar="X",
        help="wanted 95%% CI half-width: a fraction of the reference mean (0.05 = ±5%%), or "
             "METRIC=VALUE,... in each metric's unit; reports whether the seeds were enough")
    parser.add_argument(
        "--warmup-days", type=int, default=WARMUP_DAYS, metavar="N",
        help=f"days at the start of each run left out of every measure (default {WARMUP_DAYS}, "
             "at most a quarter of the run)")
    parser.add_argument(
        "--horizon-years", type=float, default=HORIZON_YEARS, metavar="Y",
        help=f"years over which set-up budgets are annualised (default {HORIZON_YEARS:g})")
    parser.add_argument("--out", default=None, metavar="DIR",
                        help="output folder (default: SWEEP_DIR/comparison)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command; returns the exit status (0 success, 2 bad input)."""
    args = build_parser().parse_args(argv)
    try:
        settings = CompareSettings(target_halfwidth=args.target_halfwidth,
                                   warmup_days=args.warmup_days,
                                   horizon_years=args.horizon_years)
        result = compare_sweep(args.sweep_dir, reference=args.reference, out_dir=args.out,
                               settings=settings)
    except ComparisonError as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return 2
    print("\n".join(result.headlines))
    print()
    print(result.headline_text)
    print()
    if not result.unpaired.empty or not result.runs["usable"].all():
        print(f"Left out: {int((~result.runs['usable']).sum())} run folder(s) not usable, "
              f"{len(result.unpaired)} run(s) without a partner seed (see the report).")
        left_out = result.runs[~result.runs["usable"]]
        for r in left_out.head(LIST_LEFT_OUT).itertuples():
            print(f"  {r.run_id}: {r.error}")
        if len(left_out) > LIST_LEFT_OUT:
            print(f"  ... and {len(left_out) - LIST_LEFT_OUT} more (runs.csv)")
    print(f"Report: {result.paths['report_html']}")
    print(f"Table:  {result.paths['comparison_csv']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
