"""One line for a config that does not compose: the key (or file and line) and what was expected.

Hydra reports a bad override, an unknown config option or a broken YAML file as a block of
text or a traceback and exits 1. pilotsim's own check of the composed config
(:class:`~pilotsim.spec.schema.SpecError`) says ``key = value: expected ...`` and exits 2.
:func:`describe` turns Hydra's and OmegaConf's errors into the same form, so that a typo gets
the same answer whether it is caught by Hydra or by the spec, in a single run or in a sweep.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

EXIT_INVALID = 2
"""Exit code of a run or sweep stopped by invalid input, before any run started."""


def describe(error: BaseException) -> str | None:
    """The one-line description of a config error, or None if ``error`` is not one.

    Args:
        error: What composing or validating the config raised.

    Returns:
        ``key = value: expected ...`` (or ``file, line N: ...`` for a YAML file that does not
        parse); None for errors that are not about the configuration.
    """
    from hydra.errors import (
        ConfigCompositionException,
        HydraException,
        MissingConfigException,
        OverrideParseException,
    )
    from omegaconf.errors import OmegaConfBaseException

    from pilotsim.spec.schema import SpecError

    for e in _chain(error):
        yaml_error = _yaml(e)
        if yaml_error:
            return yaml_error
        if isinstance(e, SpecError):  # also raised by a pilotsim resolver inside Hydra's
            return str(e)
    if isinstance(error, MissingConfigException):
        return _missing(error)
    if isinstance(error, OverrideParseException):
        reason = _first_line(str(error))
        return (f"{error.override!r}: expected an override key=value ({reason}; see "
                "https://hydra.cc/docs/advanced/override_grammar/basic/)")
    cause = error.__cause__ if isinstance(error, ConfigCompositionException) else error
    if isinstance(cause, OmegaConfBaseException):
        return _omegaconf(cause, error)
    if isinstance(error, HydraException):
        return _first_line(str(error))
    return None


def _chain(error: BaseException) -> list[BaseException]:
    out: list[BaseException] = []
    e: BaseException | None = error
    while e is not None and e not in out:
        out.append(e)
        e = e.__cause__ or e.__context__
    return out


def _yaml(error: BaseException) -> str | None:
    try:
        import yaml
    except ImportError:  # pragma: no cover - hydra depends on PyYAML
        return None
    if not isinstance(error, yaml.MarkedYAMLError) or error.problem_mark is None:
        return None
    mark = error.problem_mark
    what = " ".join(x for x in (error.problem, error.context) if x)
    return (f"{mark.name}, line {mark.line + 1}, column {mark.column + 1}: expected valid YAML "
            f"({what})")


def _missing(error: Any) -> str:
    missing = str(error.missing_cfg_file or "")
    group, _, option = missing.rpartition("/")
    options = error.options
    if not group:  # the primary config itself (--config-name)
        return f"--config-name = {missing!r}: expected a config file in the config path"
    listed = (": " + ", ".join(options)) if options else " (pilotsim --help lists them)"
    return f"{group.replace('/', '.')} = {option!r}: expected an option of the group {group}" \
           f"{listed}"


def _omegaconf(cause: Any, error: BaseException) -> str:
    from omegaconf.errors import (
        ConfigAttributeError,
        ConfigKeyError,
        InterpolationResolutionError,
    )

    key = getattr(cause, "full_key", None) or ""
    parent = getattr(cause, "parent_node", None)
    if isinstance(cause, ConfigKeyError | ConfigAttributeError) and isinstance(parent, Mapping):
        known = ", ".join(str(k) for k in parent if not str(k).startswith("_"))
        return f"{key} = {_override_value(error, key)}: expected no such key here; " \
               f"known keys: {known}"
    reason = _first_line(str(getattr(cause, "msg", cause)))
    if isinstance(cause, InterpolationResolutionError):
        return f"{key or '<root>'}: expected a resolvable value ({reason})"
    return f"{key or '<root>'}: expected {reason}"


def _override_value(error: BaseException, key: str) -> str:
    # The composition error's message quotes the override: "To append ... use +key=value".
    for line in str(error).splitlines():
        _, sep, value = line.rpartition(f"+{key}=")
        if sep:
            return value
    return "?"


def _first_line(text: str) -> str:
    return next((line.strip() for line in text.splitlines() if line.strip()), text)
