"""Compare the arms of a sweep: paired statistics, figures and a planner-readable report.

The entry point is :func:`compare_sweep` (also the ``pilotsim-compare`` command). It reads the
run folders of a sweep (see the run-folder contract), pairs runs of each arm with the reference
arm by seed, and writes ``comparison.csv``/``.parquet``, PNG figures, ``report.html`` and
``report.md`` into the output folder.

Columns of ``comparison.csv`` (one row per arm × group × metric; see ``paired`` for formulas):
``arm``, ``reference``; ``group_type`` (overall, profile, digital, community) and ``group``
(``all``, a profile, ``digitally excluded``/``not digitally excluded``, a community);
``metric`` (see ``metrics.METRICS`` for definitions, units and the better direction);
``n_pairs`` (seeds with a value in both arms; in a study of several worlds, world × seed
pairs); ``ref_mean``/``arm_mean`` (means over the pairs); ``diff_mean``, ``ci_low``,
``ci_high``, ``halfwidth`` (arm − reference, 95% t interval);
``rel_change`` (``diff_mean / ref_mean``); ``p_better`` (t-posterior probability that the mean
difference is in the better direction); ``enough_seeds``, ``seeds_needed`` (against the target
half-width, if any); then ``unit``, ``better``, ``diff_sd``, ``rel_ci_low``, ``rel_ci_high``,
``n_better`` and ``share_better`` (pairs strictly better), ``target_halfwidth``, ``verdict``
(better, worse, no change, unclear), ``opposite_to_overall`` (subgroup moved against the
overall difference with a CI excluding zero) and ``n_worlds`` (worlds among the pairs: 1 unless
the runs draw parameters, as a robustness study does, or sweep a world parameter).
``run_metrics.parquet`` holds the per-run values
behind it and ``runs.csv`` every run folder found, with the reason any was left out.
``cost_effectiveness.csv`` holds the decision table's numbers (``cost_effectiveness.COLUMNS``).
Every measure leaves out the warm-up and costs are per year (``settings.CompareSettings``).
"""

from importlib import import_module
from typing import Any

# Name → the module that defines it. Loaded on first use (PEP 562): composing any config
# imports `settings` (its defaults are a `_base` node), and that must not pull in the figures'
# seaborn and matplotlib (about 1.8 s and 90 MB for every run).
_EXPORTS = {"ComparisonResult": "compare", "compare_sweep": "compare", "ComparisonError": "errors"}

__all__ = ["ComparisonError", "ComparisonResult", "compare_sweep"]


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f"{__name__}.{_EXPORTS[name]}"), name)
