"""``pilotsim-targets``: hold a run against observed figures, or write a run's figures out.

    pilotsim-targets TARGETS.csv RUN_DIR                # observed vs simulated, log-likelihood
    pilotsim-targets TARGETS.csv RUN_DIR --write OUT    # TARGETS with the run's values (KPIs)

Exit status: 0 success, 2 bad input (a targets row the run cannot be held against, a run
folder that is not complete), before anything is computed.
"""

from __future__ import annotations

import argparse
import csv
import sys
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from pilotsim.analysis.calibration.likelihood import log_likelihood, total
from pilotsim.analysis.calibration.measures import run_measures
from pilotsim.analysis.calibration.targets import read_targets
from pilotsim.sim import runfolder
from pilotsim.spec import RunSpec
from pilotsim.spec.schema import SpecError

PROG = "pilotsim-targets"


def build_parser() -> argparse.ArgumentParser:
    """The command's argument parser."""
    parser = argparse.ArgumentParser(
        prog=PROG, description="Compute the measures of a targets CSV from a run folder and "
        "the log-likelihood of the observed figures given the simulated ones.")
    parser.add_argument("targets", help="targets CSV (measure, group, period, value, n, se)")
    parser.add_argument("run_dir", help="a complete run folder (pilotsim ... hydra.run.dir=...)")
    parser.add_argument("--write", metavar="OUT", default=None,
                        help="write TARGETS to OUT with each value replaced by the run's "
                             "(synthetic observed figures from known parameters)")
    return parser


def write_simulated(targets_path: Path, table: pd.DataFrame, out: Path) -> None:
    """Copy the targets file with each row's ``value`` replaced by the simulated one."""
    with targets_path.open(newline="", encoding="utf-8-sig") as f:
        lines = list(csv.reader(f))
    col = [c.strip() for c in lines[0]].index("value")
    by_row = dict(zip(table["row"], table["simulated"], strict=True))
    for number, cells in enumerate(lines[1:], start=2):
        if number in by_row:
            cells[col] = f"{by_row[number]:.6g}"
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f, lineterminator="\n").writerows(lines)


def _format(table: pd.DataFrame) -> str:
    shown = table[["row", "measure", "group", "period", "observed", "simulated", "se_used",
                   "model", "z", "loglik"]].copy()
    return shown.to_string(index=False, float_format=lambda x: f"{x:.4g}")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command; returns the exit status."""
    args = build_parser().parse_args(argv)
    folder = Path(args.run_dir)
    meta = runfolder.read_metadata(folder)
    if not meta or meta.get("status") != "complete":
        print(f"{PROG}: error: {folder}: expected a complete run folder (metadata.json with "
              f"status complete; found {meta.get('status') if meta else 'none'})",
              file=sys.stderr)
        return 2
    try:
        spec = RunSpec.from_config(meta["config"])
        targets = read_targets(args.targets, spec)
    except SpecError as e:
        print(f"{PROG}: error: {e}", file=sys.stderr)
        return 2
    table = log_likelihood(run_measures(targets, folder, spec))
    if args.write:
        write_simulated(Path(args.targets), table, Path(args.write))
        print(f"wrote {args.write}: {len(table)} figures of {folder}")
        return 0
    print(_format(table))
    fit = total(table)
    print(f"\n{fit['targets']} targets: log-likelihood {fit['loglik']:.2f}, "
          f"deviance {fit['deviance']:.2f} (0 = every figure reproduced)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
