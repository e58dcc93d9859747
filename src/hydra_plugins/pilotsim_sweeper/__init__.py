"""pilotsim's Hydra sweeper plugin (Hydra loads sweepers only from the ``hydra_plugins`` package).

See :mod:`hydra_plugins.pilotsim_sweeper.planned_sweeper`.
"""
