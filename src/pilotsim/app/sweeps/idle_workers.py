"""The joblib launcher's workers, idle once the runs end, draw the comparison's figures.

At the end of a sweep on local cores the comparison runs in the launching process alone while
the workers wait to be joined. Most of its time went to the four figures (seaborn, Matplotlib's
text layout) and to importing seaborn and Matplotlib, which the launching process used to do
in a warm-up thread while the runs went on, taking CPU from them. Instead:

- a worker whose run was among the sweep's last (no run left for it to start) imports the
  figures' libraries in a background thread of its own (:func:`warm_if_last`), while the
  other workers finish their runs and the launching process reads the runs' tables;
- the comparison hands its figures to :func:`renderer`'s function, which draws them in the
  workers through the launcher's own loky executor (a ``Parallel`` with the launcher's
  arguments reuses it, as :mod:`~pilotsim.app.sweeps.prestart` does at the start), the
  heaviest first, and gets PNG bytes back: the same bytes as drawn in the launching process.

Only the joblib launcher with more than one job is concerned; otherwise, or if the workers
cannot draw (a worker gone), the figures are drawn in the launching process as before.
"""

from __future__ import annotations

import importlib
import logging
import os
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

from pilotsim.app.sweeps import prestart

log = logging.getLogger("pilotsim.sweep")

FIGURE_MODULES: tuple[str, ...] = ("pilotsim.analysis.comparison.figures",)
"""What drawing the comparison's figures imports (seaborn, Matplotlib)."""

FIGURES = 4
"""How many figures the comparison draws (``figures.KINDS``, not imported here: seaborn)."""

_warmed: dict[str, int] = {}


def warm_if_last(launcher_pid: int | None, unfinished: int, workers: int,
                 modules: tuple[str, ...] = FIGURE_MODULES) -> threading.Thread | None:
    """In a worker whose job just ended: import ``modules`` if no run is left for it.

    Args:
        launcher_pid: The sweep's launching process (a job run there is left alone).
        unfinished: Runs of the sweep not yet ended (every one of them is then in the hands
            of another worker when fewer than ``workers``; the last :data:`FIGURES` workers
            to finish warm).
        workers: How many workers the sweep has; 0 or 1: nothing to do.
        modules: What to import.

    Returns:
        The importing thread, or None (not a worker, runs left, or already done here).
    """
    pid = os.getpid()
    # at most one worker a figure warms (a pool of 64 would otherwise load seaborn 64 times)
    if workers < 2 or launcher_pid in (None, pid) or unfinished >= min(workers, FIGURES) \
            or _warmed.get("pid") == pid:
        return None
    _warmed["pid"] = pid
    thread = threading.Thread(target=_load, args=(modules,), name="pilotsim-figures-warmup",
                              daemon=True)
    thread.start()
    return thread


def _load(modules: tuple[str, ...]) -> None:
    for name in modules:
        try:
            importlib.import_module(name)
        except Exception as e:  # drawing imports it again and reports the error
            log.debug("figures warm-up import of %s failed: %s", name, e)
            return


def workers(config: Any) -> int:
    """How many workers draw the figures of a sweep with this config (0: none, drawn here)."""
    settings = prestart.parallel_settings(config)
    if settings is None:
        return 0
    from joblib import effective_n_jobs

    return effective_n_jobs(settings.get("n_jobs", -1))


def renderer(config: Any) -> Callable[[Mapping[str, tuple[str, tuple[Any, ...]]]],
                                      dict[str, bytes]] | None:
    """A function that draws the comparison's figures in the sweep's workers.

    Returns:
        For :func:`pilotsim.analysis.comparison.compare_sweep`'s ``render``; None when the
        sweep has no loky workers (the comparison draws its figures itself).
    """
    settings = prestart.parallel_settings(config)
    if settings is None or workers(config) < 2:
        return None

    def render(plots: Mapping[str, tuple[str, tuple[Any, ...]]]) -> dict[str, bytes]:
        from joblib import Parallel, delayed

        from pilotsim.analysis.comparison.compare import render_here

        # the paired differences (a panel per metric) take as long as the other three
        names = sorted(plots, key=lambda n: plots[n][0] != "paired_differences")
        t0 = time.perf_counter()
        try:
            drawn = Parallel(**settings)(delayed(_draw)(*plots[n]) for n in names)
        except Exception as e:  # a worker gone: draw them here, as without workers
            log.debug("figures not drawn in the workers: %s: %s", type(e).__name__, e)
            return render_here(plots)
        log.debug("figures drawn in %.2f s by workers %s", time.perf_counter() - t0,
                  sorted({pid for pid, _ in drawn}))
        return {name: png for name, (_, png) in zip(names, drawn, strict=True)}

    return render


def _draw(kind: str, args: tuple[Any, ...]) -> tuple[int, bytes]:
    """In a worker: the figure's PNG bytes, and who drew them."""
    from pilotsim.analysis.comparison import figures

    return os.getpid(), figures.render(kind, *args)
