"""Hydra's basic sweeper, without composing every job a second time before launch.

Hydra's ``BasicSweeper`` composes the config of every job of a batch before launching it, to
catch composition errors early. pilotsim's sweep callback has already composed *and validated*
every point in ``on_multirun_start`` (:mod:`pilotsim.app.sweeps.plan`, which composes each
combination once and varies only the seed), so that second pass only costs time: about 0.2 s a
job, 10-20 s before a 60-run study starts. Selected by ``conf/config.yaml``
(``override hydra/sweeper: pilotsim``); it behaves exactly like the basic sweeper otherwise, and
validates as Hydra does when the pilotsim callback is not configured.

It lives here, not in ``pilotsim``, because Hydra instantiates sweepers only from the
``hydra_plugins`` namespace package; it imports nothing from pilotsim, so Hydra's plugin scan
stays cheap.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from hydra._internal.core_plugins.basic_sweeper import BasicSweeper
from omegaconf import OmegaConf

from hydra_plugins.pilotsim_sweeper import contained_jobs, job_configs

CALLBACK_KEY = "hydra.callbacks.pilotsim_sweep"


class PlannedSweeper(BasicSweeper):
    """The basic sweeper, trusting the sweep plan's up-front validation.

    It also contains jobs that fail before their task starts (an unwritable run folder, a
    full disk): see :mod:`hydra_plugins.pilotsim_sweeper.contained_jobs`.
    """

    def setup(self, *args: Any, **kwargs: Any) -> None:
        """Set up as the basic sweeper does, and contain the launcher's jobs."""
        super().setup(*args, **kwargs)
        job_configs.clear()  # configs composed for an earlier sweep of this process
        contained_jobs.contain(self.launcher)
        launch = self.launcher.launch

        def launch_and_keep(job_overrides: Any, initial_job_idx: int) -> Any:
            returns = launch(job_overrides, initial_job_idx)
            contained_jobs.keep(returns)
            return returns

        self.launcher.launch = launch_and_keep  # type: ignore[method-assign]

    def validate_batch_is_legal(self, batch: Sequence[Sequence[str]]) -> None:
        """Skip Hydra's check when the pilotsim callback planned the sweep; else do it."""
        if self.config is not None and OmegaConf.select(self.config, CALLBACK_KEY) is not None:
            return
        super().validate_batch_is_legal(batch)
