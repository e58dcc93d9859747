"""A single run's config is composed once, not twice.

Hydra's entry point (``hydra._internal.utils._run_hydra``) composes the whole config to learn
``hydra.mode`` (``Hydra.get_mode``: a config such as an experiment may make the command a
sweep), throws it away, and composes it again to run it (``Hydra.run``): every YAML file read,
parsed and merged twice, ~0.3–0.45 CPU s of the default district's 4.3 s command.

:func:`install` makes ``get_mode`` compose the config the way ``Hydra.run`` will — run mode,
sweep overrides checked — and keep it for that next composition, which then returns it instead
of composing again. When the config sets no mode, Hydra runs it with the override
``hydra.mode=RUN`` appended; the kept config gets exactly what that override does (the mode
set, the override recorded last in ``hydra.overrides.hydra``), so the run, its ``.hydra/``
record and its folder are the same. Whatever the first composition does not settle (a sweep
override without ``-m``, a missing default: it raises) goes to Hydra's own ``get_mode`` and
composition as before, errors included. Only for a command without ``-m``/``--multirun``: a
sweep composes its config in multirun mode, which is another composition.
"""

from __future__ import annotations

from typing import Any

_KEPT = "_pilotsim_composed"  # the config loader's attribute: (key, config) for the next call
_enabled = {"single_run": False}  # per command: a test process runs many, sweeps among them


def install(single_run: bool) -> None:
    """Patch Hydra so that a single run composes its config once.

    Args:
        single_run: Whether this command is a single run (no ``-m``/``--multirun``); a later
            command in the same process says so again (the patch itself is made once).
    """
    _enabled["single_run"] = single_run
    from hydra._internal.config_loader_impl import ConfigLoaderImpl
    from hydra._internal.hydra import Hydra
    from hydra.types import RunMode

    original_mode = Hydra.get_mode
    original_load = ConfigLoaderImpl.load_configuration
    if getattr(original_mode, "pilotsim", False):
        return

    def get_mode(self: Hydra, config_name: str | None, overrides: list[str]) -> Any:
        loader = self.config_loader
        if not _enabled["single_run"]:
            return original_mode(self, config_name, overrides)
        try:
            cfg = original_load(loader, config_name=config_name, overrides=overrides,
                                run_mode=RunMode.RUN)
        except Exception:
            return original_mode(self, config_name, overrides)
        mode = cfg.hydra.mode
        if mode == RunMode.MULTIRUN:
            return mode
        run_overrides = list(overrides)
        if mode is None:  # what Hydra's _run_app does next, done to the config in hand
            run_overrides.append("hydra.mode=RUN")
            cfg.hydra.mode = RunMode.RUN
            cfg.hydra.overrides.hydra.append("hydra.mode=RUN")
        setattr(loader, _KEPT, ((config_name, run_overrides, RunMode.RUN, True, True), cfg))
        return mode

    def load_configuration(self: ConfigLoaderImpl, config_name: str | None,
                           overrides: list[str], run_mode: RunMode, from_shell: bool = True,
                           validate_sweep_overrides: bool = True) -> Any:
        kept = self.__dict__.pop(_KEPT, None)  # for the very next composition only
        key = (config_name, list(overrides), run_mode, from_shell, validate_sweep_overrides)
        if kept is not None and kept[0] == key:
            return kept[1]
        return original_load(self, config_name=config_name, overrides=overrides,
                             run_mode=run_mode, from_shell=from_shell,
                             validate_sweep_overrides=validate_sweep_overrides)

    get_mode.pilotsim = True  # type: ignore[attr-defined]
    Hydra.get_mode = get_mode  # type: ignore[method-assign]
    ConfigLoaderImpl.load_configuration = load_configuration  # type: ignore[method-assign]
