"""Turn plain config data (dicts from Hydra/OmegaConf) into frozen dataclasses, or say why not.

The converter is driven by the dataclasses' type hints, so a spec class *is* its schema: add a
field with a type and a default and the config accepts it. Every error names the dotted key,
the offending value and what was expected, before anything is built.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import types
import typing
from collections.abc import Mapping
from typing import Any, Literal, get_args, get_origin, get_type_hints


class SpecError(ValueError):
    """A config value that cannot become a valid spec.

    Attributes:
        key: Dotted path of the offending key (e.g. ``city.offices.north_civil.counters``).
        value: The offending value.
        expected: What would have been accepted.
    """

    def __init__(self, key: str, value: Any, expected: str) -> None:
        self.key, self.value, self.expected = key, value, expected
        super().__init__(f"{key or '<root>'} = {value!r}: expected {expected}")

    def __reduce__(self):  # picklable, so an error in a worker process reaches the parent
        return type(self), (self.key, self.value, self.expected)


def _join(path: str, key: object) -> str:
    return f"{path}.{key}" if path else str(key)


def convert(tp: Any, value: Any, path: str) -> Any:
    """Convert ``value`` to type ``tp``; raise SpecError naming ``path`` if it does not fit.

    The conversion is strict: a ``bool`` field takes only true or false (not ``"maybe"``, not
    1), a ``float`` only a finite number (``inf`` and ``nan`` are refused everywhere), a
    dataclass only its own keys.

    Args:
        tp: A type hint: a dataclass, ``int``, ``float``, ``bool``, ``str``, ``Literal``,
            ``tuple[X, ...]``, ``tuple[X, Y]``, ``dict[str, X]``, or ``X | None``; or a class
            with a ``from_plain(value, path)`` classmethod, which converts for itself (for
            data whose shape depends on its content, e.g. the run's reforms).
        value: Plain data (as loaded from YAML).
        path: Dotted key of ``value``, for error messages.

    Returns:
        The converted, immutable value.
    """
    origin = get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        args = get_args(tp)
        if value is None and type(None) in args:
            return None
        inner = [a for a in args if a is not type(None)]
        if len(inner) == 1:
            return convert(inner[0], value, path)
        errors = []
        for a in inner:
            try:
                return convert(a, value, path)
            except SpecError as e:
                errors.append(e.expected)
        raise SpecError(path, value, " or ".join(errors))
    if origin is Literal:
        options = get_args(tp)
        if value not in options:
            raise SpecError(path, value, "one of " + ", ".join(repr(o) for o in options))
        return value
    if isinstance(tp, type) and hasattr(tp, "from_plain"):
        return tp.from_plain(value, path)
    if dataclasses.is_dataclass(tp):
        return build(tp, value, path)
    if tp is bool:
        if not isinstance(value, bool):
            raise SpecError(path, value, "true or false")
        return value
    if tp is int:
        if isinstance(value, bool) or not isinstance(value, int):
            if isinstance(value, float) and value.is_integer():
                return int(value)
            raise SpecError(path, value, "an integer")
        return value
    if tp is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise SpecError(path, value, "a number")
        # inf and nan pass every range check written as a comparison (nan fails none of
        # `x < 0`, `x > 1`) and then poison the tables; no field is meant to take them.
        if not math.isfinite(value):
            raise SpecError(path, value, "a finite number")
        return float(value)
    if tp is str:
        if not isinstance(value, str):
            raise SpecError(path, value, "a string")
        return value
    if origin is tuple:
        args = get_args(tp)
        if isinstance(value, (str, bytes, Mapping)) or not hasattr(value, "__iter__"):
            raise SpecError(path, value, "a list")
        items = list(value)
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(convert(args[0], v, f"{path}[{i}]") for i, v in enumerate(items))
        if len(items) != len(args):
            raise SpecError(path, value, f"a list of {len(args)} items")
        return tuple(convert(a, v, f"{path}[{i}]")
                     for i, (a, v) in enumerate(zip(args, items, strict=True)))
    if origin is dict or origin is Mapping:
        key_t, val_t = get_args(tp)
        if not isinstance(value, Mapping):
            raise SpecError(path, value, "a mapping of name: value")
        out = {}
        for k, v in value.items():
            out[convert(key_t, k, _join(path, k))] = convert(val_t, v, _join(path, k))
        return types.MappingProxyType(out)
    raise TypeError(f"schema cannot convert to {tp!r} (at {path})")  # a bug in a spec class


def build[T](cls: type[T], data: Any, path: str = "") -> T:
    """Build dataclass ``cls`` from a mapping, rejecting unknown keys and missing required ones.

    Args:
        cls: A dataclass whose fields carry type hints.
        data: A mapping of field name to plain value.
        path: Dotted key of ``data``, for error messages.

    Returns:
        An instance of ``cls``; its ``__post_init__`` may run further checks.
    """
    if not isinstance(data, Mapping):
        raise SpecError(path, data, f"a mapping with keys {_field_names(cls)}")
    hints, fields = _schema(cls)
    # Keys starting with "_" hold YAML anchors for reuse inside a config file; they are not data.
    data = {k: v for k, v in data.items() if not (isinstance(k, str) and k.startswith("_"))}
    unknown = [k for k in data if k not in fields]
    if unknown:
        raise SpecError(_join(path, unknown[0]), data[unknown[0]],
                        f"no such key here; known keys: {_field_names(cls)}")
    kwargs = {}
    for name, f in fields.items():
        if name in data:
            kwargs[name] = convert(hints[name], data[name], _join(path, name))
        elif f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
            raise SpecError(_join(path, name), None, "a value (required key is missing)")
    try:
        return cls(**kwargs)
    except SpecError as e:  # __post_init__ checks name keys relative to this object
        raise SpecError(_join(path, e.key) if e.key else path, e.value, e.expected) from None


@functools.cache
def _schema(cls: type) -> tuple[dict[str, Any], dict[str, dataclasses.Field]]:
    """``cls``'s type hints and its ``__init__`` fields by name, worked out once a class.

    (``get_type_hints`` evaluates every annotation string again on each call: a city's 204
    communities and 153 offices built ~0.1 s of it.)
    """
    fields = {f.name: f for f in dataclasses.fields(cls) if f.init}  # type: ignore[arg-type]
    return get_type_hints(cls), fields


def _field_names(cls: type) -> str:
    return ", ".join(f.name for f in dataclasses.fields(cls) if f.init)  # type: ignore[arg-type]


def check(ok: bool, key: str, value: Any, expected: str) -> None:
    """Raise SpecError(key, value, expected) unless ``ok``."""
    if not ok:
        raise SpecError(key, value, expected)


Probability = float  # a field that must lie in [0, 1] (check it with check_probability)


def check_probability(value: float, key: str) -> None:
    """Raise SpecError unless ``value`` is a probability in [0, 1]."""
    check(0.0 <= value <= 1.0, key, value, "a probability in [0, 1]")


def check_positive(value: float, key: str) -> None:
    """Raise SpecError unless ``value`` > 0."""
    check(value > 0, key, value, "a number > 0")


def check_non_negative(value: float, key: str) -> None:
    """Raise SpecError unless ``value`` >= 0."""
    check(value >= 0, key, value, "a number >= 0")
