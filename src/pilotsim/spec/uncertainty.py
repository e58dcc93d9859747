"""Uncertain parameters and the worlds drawn from them.

The config's ``uncertainty:`` section declares which parameters we do not know: any config key
(``behaviour.knowledge.wrong_office``, ``behaviour.profiles.*.patience``,
``reform.one_door.cost.budget_per_day``), a distribution and a one-line reason. A *world* is one
draw of all of them (a state of the world; not to be confused with the dashboard's two arms
shown side by side). A sampling design (``lhs``, ``sobol``, ``morris``; SALib) places the worlds
in the unit hypercube, and each parameter's distribution maps its coordinate to a value by its
quantile function, so the same design serves any distribution and a calibration can reuse the
same declarations as priors (:meth:`Parameter.ppf`, :meth:`Uncertainty.values`).

A run with ``world: K`` (an integer) is the configured world with draw ``K`` of the design
applied (:func:`resolve_world`); ``world: null`` (the default) is the config as written. The
design is deterministic given ``uncertainty.seed``, so every job of a sweep, on any launcher,
computes the same draw for the same ``K`` without being sent it.

Example (the shipped robustness study, experiments/robustness.yaml)::

    uncertainty:
      design: morris        # lhs | sobol | morris
      samples: 6            # lhs: worlds; sobol: base N (N·(D+2) worlds); morris: trajectories
      seed: 0
      parameters:
        behaviour.knowledge.wrong_office:
          dist: uniform
          low: 0.15
          high: 0.45
          reason: share of uninformed residents who go to the wrong office is a guess
"""

from __future__ import annotations

import copy
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal

import numpy as np

from pilotsim.spec.ensemble import UNIT_PREFIX, Ensemble, read_ensemble
from pilotsim.spec.schema import SpecError

Design = Literal["lhs", "sobol", "morris", "ensemble"]
DESIGNS: tuple[str, ...] = ("lhs", "sobol", "morris", "ensemble")
DISTS: tuple[str, ...] = ("uniform", "triangular", "normal", "discrete")
MORRIS_LEVELS = 4
"""Grid levels of a Morris design (SALib's default; the step is levels / (2·(levels − 1)))."""

_PARAM_KEYS = {"uniform": {"low", "high"}, "triangular": {"low", "mode", "high"},
               "normal": {"mean", "sd", "low", "high"}, "discrete": {"values", "weights"}}
_COMMON_KEYS = {"dist", "reason", "apply", "integer"}


def _finite(value: Any, key: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise SpecError(key, value, "a finite number")
    return float(value)


@dataclass(frozen=True)
class Parameter:
    """One uncertain config key.

    Attributes:
        key: Dotted config key; a ``*`` segment stands for every key at that level
            (``behaviour.profiles.*.patience``).
        dist: ``uniform`` (low, high), ``triangular`` (low, mode, high), ``normal`` (mean, sd,
            truncated to [low, high]) or ``discrete`` (values, optional weights).
        reason: Why the value is uncertain (one line, shown in the report).
        low: Lower bound (uniform, triangular, normal).
        high: Upper bound (uniform, triangular, normal).
        mode: Most likely value (triangular).
        mean: Mean before truncation (normal).
        sd: Standard deviation before truncation (normal).
        values: The possible values (discrete).
        weights: Their relative weights (discrete; default equal).
        apply: ``set`` puts the drawn value at the key; ``scale`` multiplies the configured
            value by it (for a whole family of keys, e.g. every profile's patience).
        integer: Round the drawn value to an integer (for integer keys).
    """

    key: str
    dist: str
    reason: str
    low: float = math.nan
    high: float = math.nan
    mode: float = math.nan
    mean: float = math.nan
    sd: float = math.nan
    values: tuple[Any, ...] = ()
    weights: tuple[float, ...] = ()
    apply: Literal["set", "scale"] = "set"
    integer: bool = False

    @classmethod
    def from_plain(cls, key: str, data: Any, path: str) -> Parameter:
        """Validate one parameter's declaration (``path``: its config key, for errors)."""
        if not isinstance(data, Mapping):
            raise SpecError(path, data, "a mapping with dist, its parameters and reason")
        dist = data.get("dist")
        if dist not in DISTS:
            raise SpecError(f"{path}.dist", dist, "one of " + ", ".join(DISTS))
        allowed = _PARAM_KEYS[dist] | _COMMON_KEYS
        for k in data:
            if k not in allowed:
                raise SpecError(f"{path}.{k}", data[k],
                                f"no such key for dist {dist}; known keys: "
                                + ", ".join(sorted(allowed)))
        reason = data.get("reason")
        if not isinstance(reason, str) or not reason.strip():
            raise SpecError(f"{path}.reason", reason,
                            "a one-line reason why this value is uncertain")
        apply = data.get("apply", "set")
        if apply not in ("set", "scale"):
            raise SpecError(f"{path}.apply", apply, "set or scale")
        integer = data.get("integer", False)
        if not isinstance(integer, bool):
            raise SpecError(f"{path}.integer", integer, "true or false")
        kw: dict[str, Any] = {"key": key, "dist": dist, "reason": reason.strip(),
                              "apply": apply, "integer": integer}
        if dist == "discrete":
            values = data.get("values")
            if not isinstance(values, Sequence) or isinstance(values, str) or not values:
                raise SpecError(f"{path}.values", values, "a non-empty list of values")
            weights = data.get("weights")
            if weights is None:
                weights = [1.0] * len(values)
            if not isinstance(weights, Sequence) or len(weights) != len(values):
                raise SpecError(f"{path}.weights", weights,
                                f"a list of {len(values)} non-negative weights")
            w = [_finite(x, f"{path}.weights[{i}]") for i, x in enumerate(weights)]
            if min(w) < 0 or sum(w) <= 0:
                raise SpecError(f"{path}.weights", weights,
                                "non-negative weights with a positive sum")
            return cls(**kw, values=tuple(values), weights=tuple(w))
        for k in sorted(_PARAM_KEYS[dist]):
            if k not in data:
                raise SpecError(f"{path}.{k}", None, f"a value (dist {dist} needs it)")
            kw[k] = _finite(data[k], f"{path}.{k}")
        if not kw["low"] < kw["high"]:
            raise SpecError(f"{path}.high", data["high"],
                            f"a number above low = {kw['low']:g} (an empty range)")
        if dist == "triangular" and not kw["low"] <= kw["mode"] <= kw["high"]:
            raise SpecError(f"{path}.mode", data["mode"],
                            f"a number within [low, high] = [{kw['low']:g}, {kw['high']:g}]")
        if dist == "normal" and not kw["sd"] > 0:
            raise SpecError(f"{path}.sd", data["sd"], "a number > 0")
        return cls(**kw)

    def ppf(self, u: np.ndarray | float) -> np.ndarray:
        """Map unit-interval coordinates to values (the distribution's quantile function).

        Args:
            u: Coordinates in [0, 1] (a design's column, or one draw).

        Returns:
            The parameter's values (floats, or the discrete values as an object array).
        """
        # scipy's statistics (~900 modules, ~1 CPU s) only for the distributions that need
        # them, not at the top: every run imports this module (the spec), few draw
        u = np.clip(np.asarray(u, dtype=float), 0.0, 1.0)
        if self.dist == "uniform":
            out = self.low + u * (self.high - self.low)
        elif self.dist == "triangular":
            from scipy import stats

            c = (self.mode - self.low) / (self.high - self.low)
            out = stats.triang.ppf(u, c, loc=self.low, scale=self.high - self.low)
        elif self.dist == "normal":
            from scipy import stats

            a, b = (self.low - self.mean) / self.sd, (self.high - self.mean) / self.sd
            out = stats.truncnorm.ppf(u, a, b, loc=self.mean, scale=self.sd)
        else:
            cum = np.cumsum(self.weights) / sum(self.weights)
            idx = np.minimum(np.searchsorted(cum, u, side="right"), len(self.values) - 1)
            return np.array(self.values, dtype=object)[idx]
        return np.round(out) if self.integer else out

    @property
    def numeric(self) -> bool:
        """Whether the values are numbers (all but a discrete list of non-numbers)."""
        return self.dist != "discrete" or all(
            isinstance(v, int | float) and not isinstance(v, bool) for v in self.values)

    def describe(self) -> str:
        """The distribution in a few words (``uniform 0.15–0.45``)."""
        if self.dist == "uniform":
            text = f"uniform {self.low:g}–{self.high:g}"
        elif self.dist == "triangular":
            text = f"triangular {self.low:g}–{self.high:g}, mode {self.mode:g}"
        elif self.dist == "normal":
            text = f"normal {self.mean:g} ± {self.sd:g} in [{self.low:g}, {self.high:g}]"
        else:
            text = "one of " + ", ".join(map(str, self.values))
        return f"× {text}" if self.apply == "scale" else text


@dataclass(frozen=True)
class Uncertainty:
    """The ``uncertainty:`` section: the uncertain parameters and how worlds are drawn.

    Attributes:
        parameters: The declared parameters, in config order.
        design: ``lhs`` (Latin hypercube), ``sobol`` (Saltelli's scheme for Sobol' indices,
            first and total order) or ``morris`` (elementary effects, μ* and σ).
        samples: The design's sample size: worlds (lhs); base sample N, giving N·(D+2)
            worlds (sobol; a power of 2); trajectories, giving r·(D+1) worlds (morris).
        seed: Seed of the design (the worlds are the same for the same seed).
        ensemble: Design ``ensemble``: the ``posterior.csv`` of a calibration
            (:mod:`pilotsim.spec.ensemble`); ``samples`` worlds are resampled from its weighted
            particles, and the parameters default to the ones it calibrated.
    """

    parameters: tuple[Parameter, ...] = ()
    design: str = "lhs"
    samples: int = 64
    seed: int = 0
    ensemble: str | None = None

    @classmethod
    def from_config(cls, section: Any, path: str = "uncertainty") -> Uncertainty:
        """Validate the ``uncertainty:`` section (a mapping; None means no uncertainty).

        Raises:
            SpecError: naming the key, the value and what was expected.
        """
        if section is None:
            return cls()
        if not isinstance(section, Mapping):
            raise SpecError(path, section, "a mapping with design, samples, seed, parameters")
        for k in section:
            if k not in ("design", "samples", "seed", "parameters", "ensemble"):
                raise SpecError(f"{path}.{k}", section[k], "no such key here; known keys: "
                                "design, samples, seed, parameters, ensemble")
        design = section.get("design", "lhs")
        if design not in DESIGNS:
            raise SpecError(f"{path}.design", design, "one of " + ", ".join(DESIGNS))
        samples, seed = section.get("samples", 64), section.get("seed", 0)
        for k, v in (("samples", samples), ("seed", seed)):
            if isinstance(v, bool) or not isinstance(v, int) or v < 0:
                raise SpecError(f"{path}.{k}", v, "an integer >= 0")
        params = section.get("parameters") or {}
        if not isinstance(params, Mapping):
            raise SpecError(f"{path}.parameters", params,
                            "a mapping of config key: {dist, ..., reason}")
        ensemble = section.get("ensemble")
        if design == "ensemble":
            if not isinstance(ensemble, str) or not ensemble:
                raise SpecError(f"{path}.ensemble", ensemble,
                                "the posterior.csv of a calibration (pilotsim-calibrate)")
            ens = read_ensemble(ensemble, f"{path}.ensemble")
            ensemble = str(ens.path)
            params = params or ens.parameters  # the priors the calibration was given
            unknown = [k for k in params if k not in ens.parameters]
            if unknown:
                raise SpecError(f"{path}.parameters.{unknown[0]}", unknown[0],
                                "a parameter the ensemble calibrated: "
                                + ", ".join(ens.parameters))
        elif ensemble is not None:
            raise SpecError(f"{path}.ensemble", ensemble, "null unless design is ensemble")
        parsed = tuple(Parameter.from_plain(str(k), v, f"{path}.parameters.{k}")
                       for k, v in params.items())
        out = cls(parsed, design, samples, seed, ensemble)
        if parsed:
            out._check_samples(path)
        return out

    def _check_samples(self, path: str) -> None:
        n, d = self.samples, len(self.parameters)
        if self.design == "lhs" and n < 2:
            raise SpecError(f"{path}.samples", n, "at least 2 worlds for a Latin hypercube")
        if self.design == "sobol" and (n < 2 or n & (n - 1)):
            raise SpecError(f"{path}.samples", n,
                            "a power of 2 >= 2 (Sobol' sequences converge only at powers of 2; "
                            f"the design has samples·(D+2) = samples·{d + 2} worlds)")
        if self.design == "ensemble" and n < 1:
            raise SpecError(f"{path}.samples", n, "at least 1 world to draw from the ensemble")
        if self.design == "morris" and n < 2:
            raise SpecError(f"{path}.samples", n,
                            f"at least 2 Morris trajectories (samples·(D+1) = samples·{d + 1} "
                            "worlds)")

    @property
    def names(self) -> list[str]:
        """The parameters' keys, in order."""
        return [p.key for p in self.parameters]

    @property
    def n_worlds(self) -> int:
        """How many worlds the design has (0 without parameters)."""
        d = len(self.parameters)
        if d == 0:
            return 0
        return {"lhs": self.samples, "sobol": self.samples * (d + 2),
                "morris": self.samples * (d + 1), "ensemble": self.samples}[self.design]

    def _ensemble_rows(self) -> tuple[Ensemble, np.ndarray]:
        """The ensemble and the particle (row) behind each world, for design ``ensemble``."""
        ens = read_ensemble(str(self.ensemble))
        return ens, ens.resample(self.samples, self.seed)

    def problem(self) -> dict[str, Any]:
        """The SALib problem: every parameter on the unit interval (mapped by its ``ppf``)."""
        return {"num_vars": len(self.parameters), "names": self.names,
                "bounds": [[0.0, 1.0]] * len(self.parameters)}

    def unit_sample(self) -> np.ndarray:
        """The design's points in the unit hypercube, one row per world (a fresh copy)."""
        if self.design == "ensemble":
            ens, rows = self._ensemble_rows()
            return ens.table[[UNIT_PREFIX + k for k in self.names]].to_numpy(float)[rows]
        return _unit_sample(self.design, self.samples, self.seed, len(self.parameters)).copy()

    def values(self, unit_row: Sequence[float] | np.ndarray) -> dict[str, Any]:
        """One world's parameter values from its unit-hypercube coordinates.

        Args:
            unit_row: One coordinate in [0, 1] per parameter, in order (a design's row, or any
                draw, e.g. a calibration's sample).

        Returns:
            Key → value (plain Python numbers, or the discrete value).
        """
        if len(unit_row) != len(self.parameters):
            raise ValueError(f"expected {len(self.parameters)} coordinates, got {len(unit_row)}")
        out = {}
        for p, u in zip(self.parameters, unit_row, strict=True):
            v = p.ppf(float(u)).item()
            out[p.key] = int(v) if p.integer else (float(v) if p.numeric else v)
        return out

    def world_values(self, world: int) -> dict[str, Any]:
        """The parameter values of world number ``world`` of the design."""
        if self.design == "ensemble":  # the particle's own values (exact, discrete ones too)
            ens, rows = self._ensemble_rows()
            row = ens.table.iloc[int(rows[world])]
            return {k: (row[k].item() if hasattr(row[k], "item") else row[k])
                    for k in self.names}
        return self.values(_unit_sample(self.design, self.samples, self.seed,
                                        len(self.parameters))[world])

    def value_table(self) -> np.ndarray:
        """Every world's values, one row per world, as floats.

        A discrete parameter with non-numeric values gives the index of its value.
        """
        unit = (self.unit_sample() if self.design == "ensemble" else
                _unit_sample(self.design, self.samples, self.seed, len(self.parameters)))
        cols = []
        for j, p in enumerate(self.parameters):
            v = p.ppf(unit[:, j])
            cols.append(v.astype(float) if p.numeric else
                        np.array([p.values.index(x) for x in v], dtype=float))
        return np.column_stack(cols) if cols else np.empty((0, 0))


@lru_cache(maxsize=16)
def _unit_sample(design: str, samples: int, seed: int, d: int) -> np.ndarray:
    # Cached: every run of a sweep computes its world's row from the same design.
    problem = {"num_vars": d, "names": [f"x{i}" for i in range(d)], "bounds": [[0.0, 1.0]] * d}
    if design == "lhs":
        from SALib.sample import latin

        x = latin.sample(problem, samples, seed=seed)
    elif design == "sobol":
        from SALib.sample import sobol

        x = sobol.sample(problem, samples, calc_second_order=False, seed=seed)
    else:
        from SALib.sample import morris

        x = morris.sample(problem, samples, num_levels=MORRIS_LEVELS, seed=seed)
    x = np.asarray(x, dtype=float)
    x.setflags(write=False)
    return x


def _targets(cfg: Mapping[str, Any], key: str) -> list[tuple[list[str], bool]]:
    """The concrete paths a (possibly wildcard) key names in ``cfg``, and whether each exists.

    A path under ``reform.NAME`` whose reform is not in this run is returned as absent (the
    parameter does not apply to this arm); any other missing path is an error for the caller.
    """
    parts = key.split(".")
    found: list[tuple[list[str], bool]] = []

    def walk(node: Any, i: int, prefix: list[str]) -> None:
        if i == len(parts):
            found.append((prefix, True))
            return
        if not isinstance(node, Mapping):
            found.append(([*prefix, *parts[i:]], False))
            return
        names = list(node) if parts[i] == "*" else [parts[i]]
        for name in names:
            if name in node:
                walk(node[name], i + 1, [*prefix, str(name)])
            else:
                found.append(([*prefix, name, *parts[i + 1:]], False))

    walk(cfg, 0, [])
    return found


def apply_values(cfg: Mapping[str, Any], unc: Uncertainty, values: Mapping[str, Any],
                 path: str = "uncertainty.parameters") -> dict[str, Any]:
    """A copy of the plain config ``cfg`` with one world's values applied.

    A key under ``reform.NAME.`` applies only to runs with that reform (the baseline has no
    one-door reception to be uncertain about); any other key must exist in the config.

    Raises:
        SpecError: naming ``uncertainty.parameters.KEY`` if the key is not in the config, or a
            ``scale`` key's configured value is not a number.
    """
    out = copy.deepcopy(dict(cfg))
    reforms = out.get("reform") or {}
    for p in unc.parameters:
        value = values[p.key]
        targets = _targets(out, p.key)
        hits = [t for t, ok in targets if ok]
        if not hits:
            parts = p.key.split(".")
            if parts[0] == "reform" and len(parts) > 2 and parts[1] not in reforms:
                continue  # the reform is not in this arm
            raise SpecError(f"{path}.{p.key}", p.key,
                            "a key of the run's config (e.g. behaviour.knowledge.wrong_office, "
                            "behaviour.profiles.*.patience, reform.one_door.cost.budget_per_day)")
        for target in hits:
            node = out
            for k in target[:-1]:
                node = node[k]
            old = node[target[-1]]
            if isinstance(old, Mapping):
                raise SpecError(f"{path}.{p.key}", p.key,
                                "a key holding a value, not a section ("
                                + ".".join(target) + " is a section)")
            if p.apply == "scale":
                if isinstance(old, bool) or not isinstance(old, int | float):
                    raise SpecError(f"{path}.{p.key}", old,
                                    "a number at " + ".".join(target) + " to scale")
                new = old * value
                node[target[-1]] = round(new) if p.integer else float(new)
            else:
                node[target[-1]] = value
    return out


def resolve_world(cfg: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """Apply the run's world (``world: K``) to a plain config; validate ``uncertainty:``.

    Args:
        cfg: The run's plain config (with ``uncertainty`` and ``world`` keys, or without).

    Returns:
        The config with world K's values in place (``uncertainty`` and ``world`` kept, so the
        written config says where its values came from), and the world's record for
        ``metadata.json``: ``{id, design, samples, seed, values}`` (None when ``world`` is
        null).

    Raises:
        SpecError: an invalid ``uncertainty`` section or ``world``, naming the key.
    """
    unc = Uncertainty.from_config(cfg.get("uncertainty"))
    world = cfg.get("world")
    if world is None:
        if unc.parameters:  # check the keys now, not only in the first world's run
            apply_values(cfg, unc, unc.values([0.5] * len(unc.parameters)))
        return dict(cfg), None
    if not unc.parameters:
        raise SpecError("world", world, "null, or an uncertainty.parameters section to draw "
                        "the world from")
    if isinstance(world, bool) or not isinstance(world, int) or not 0 <= world < unc.n_worlds:
        raise SpecError("world", world,
                        f"an integer 0 to {unc.n_worlds - 1} (the {unc.design} design with "
                        f"samples = {unc.samples} and {len(unc.parameters)} parameters has "
                        f"{unc.n_worlds} worlds), or null")
    values = unc.world_values(world)
    out = apply_values(cfg, unc, values)
    record = {"id": world, "design": unc.design, "samples": unc.samples, "seed": unc.seed,
              "values": values}
    if unc.design == "ensemble":  # where the worlds come from: "calibrated to FILE on DATE"
        record["calibration"] = read_ensemble(str(unc.ensemble)).record()
    return out, record


def world_range(cfg: Any) -> str:
    """``range(N)`` over the worlds of the config's design, as a sweep override value.

    Used by the ``${pilotsim.worlds:}`` resolver, so that a study sweeps every world of its
    design whatever ``uncertainty.samples`` is set to.

    Raises:
        SpecError: an invalid ``uncertainty`` section, or one without parameters.
    """
    unc = Uncertainty.from_config(cfg)
    if not unc.parameters:
        raise SpecError("uncertainty.parameters", None,
                        "at least one uncertain parameter to draw worlds from")
    return f"range({unc.n_worlds})"
