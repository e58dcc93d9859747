"""Compare the arms of a sweep: paired statistics, figures and a planner-readable report.

The entry point is :func:`compare_sweep` (also the ``pilotsim-compare`` command). It reads the
run folders of a sweep (see the run-folder contract), pairs runs of each arm with the reference
arm by seed, and writes ``comparison.csv``/``.parquet``, PNG figures, ``report.html`` and
``report.md`` into the output folder.
"""

from pilotsim.comparison.compare import ComparisonResult, compare_sweep
from pilotsim.comparison.runs import ComparisonError

__all__ = ["ComparisonError", "ComparisonResult", "compare_sweep"]
