"""Reforms: plug-ins that change the running model, through its levers, from a start day.

Each reform is one module here (its parameters and its
:class:`~pilotsim.plugins.reforms.base.Reform` subclass), one entry in
:data:`pilotsim.plugins.reforms.registry.REFORMS`, and one config file under ``conf/reform/``.
See ``docs/reforms.md`` for the list and for how to add one.
"""
