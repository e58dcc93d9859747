"""A sweep's processes exit without the interpreter's final sweeps of their heaps.

At exit CPython clears every module and collects the cycles among what they held. In a
sweep's launching process, with the comparison's libraries loaded (pandas, SciPy, Matplotlib,
seaborn, DuckDB), that was ~0.45 CPU s of the study's serial tail, after every file had been
written; each joblib worker (a loky process, which ends with ``sys.exit``) spends as much again
on the model's libraries while the launching process waits to join it.

:func:`register` adds, once per process, an exit handler that runs first among the handlers
(registered last): one ordinary collection, so that any garbage left by the sweep is finalised
as usual (its finalisers run), then ``gc.freeze()``, so that the teardown's collections
skip what is still alive; the operating system takes the memory back. Logging is still shut
down (its handlers flushed and closed) by its own exit handler, which does not rely on the
collector.
"""

from __future__ import annotations

import atexit
import gc

_registered = False


def register(collect: bool = True) -> None:
    """Freeze the heap when this process exits (once per process: the first call decides).

    Args:
        collect: Collect once first, so that the garbage's finalisers run; False for a process
            whose garbage holds nothing left to finish (every file written and closed).
    """
    global _registered
    if not _registered:
        atexit.register(_collect_and_freeze if collect else gc.freeze)
        _registered = True


def _collect_and_freeze() -> None:
    gc.collect()
    gc.freeze()
