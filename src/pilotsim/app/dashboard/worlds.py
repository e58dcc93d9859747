"""Two worlds, one Mesa model: the baseline and the reform world, stepped together by day.

:class:`TwinWorlds` is the Mesa model the dashboard drives (play, pause, step, reset). Its keyword
arguments are the app's controls, so Reset rebuilds both worlds from the current controls:

* ``overrides`` — the user's Hydra overrides (shared by both worlds, except those of the
  ``reform`` and ``pilot`` groups, which make the reform world);
* ``seed`` — the seed of both worlds (None: the config's);
* ``apply_to`` — ``"reform world"`` or ``"both worlds"`` (see :class:`~.settings.Changes`);
* ``scope`` (``all``, ``district:NAME``, ``community:NAME``), ``start_day`` — of the reforms;
* ``pilot`` (a design name), ``pilot_sites`` — a pilot design that picks the communities;
* ``staff_scale``, ``knowledge_shift`` — as in :class:`~.settings.Changes`;
* ``reform__NAME`` (bool) — switch reform NAME on in the reform world;
* ``function__NAME`` (bool) — every community organisation also offers NAME;
* ``counters__OFFICE`` (int) — counters at OFFICE.

Controls not given keep the teaching preset's starting value (or no change).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import mesa

from pilotsim.app import api
from pilotsim.app.dashboard.settings import (
    Changes,
    SpecError,
    split_overrides,
    with_sample_fraction,
    world_overrides,
)
from pilotsim.app.dashboard.teaching import Teaching, strip
from pilotsim.app.dashboard.tracker import DayTracker
from pilotsim.plugins import runner
from pilotsim.sim.model import PilotModel
from pilotsim.spec import RunSpec

Compose = Callable[[Sequence[str]], Any]


@lru_cache(maxsize=64)
def _compose_cached(overrides: tuple[str, ...]) -> Any:
    return api.compose(list(overrides))


def cached_compose(overrides: Sequence[str]) -> Any:
    """:func:`pilotsim.app.api.compose`, remembered per override list for this process.

    Composing is most of the time a Reset takes; the config tree does not change while the
    dashboard runs (restart it after editing a config file). Callers only read the result.
    """
    return _compose_cached(tuple(overrides))


APPLY_TO = {"reform world": "reform", "both worlds": "both"}


def _plain(cfg: Any) -> dict:
    from omegaconf import DictConfig, OmegaConf

    if isinstance(cfg, DictConfig):
        return OmegaConf.to_container(cfg, resolve=True)  # type: ignore[return-value]
    return dict(cfg)


def build_model(cfg: Any) -> PilotModel:
    """A model for a composed config, without the dashboard-only keys.

    The model builds the reforms, and the pilot design's schedule if the config has one.
    """
    plain = strip(_plain(cfg))
    plain.pop("hydra", None)
    return runner.build_model(RunSpec.from_config(plain))


@dataclass
class World:
    """One of the two worlds.

    Attributes:
        name: ``baseline`` or ``reform``.
        label: What the trainer reads above it.
        overrides: The Hydra overrides it was composed from.
        model: The running model.
        tracker: Its per-day accumulator.
    """

    name: str
    label: str
    overrides: list[str]
    model: PilotModel
    tracker: DayTracker

    @classmethod
    def build(cls, name: str, label: str, overrides: list[str], compose: Compose) -> World:
        """Compose, validate and build a world at day 0."""
        model = build_model(compose(overrides))
        return cls(name, label, overrides, model, DayTracker(model))


def parse_controls(controls: Mapping[str, Any], start: Changes) -> Changes:
    """The trainer's changes from the app's control values, starting from ``start``.

    Raises:
        SpecError: for a control name or value the dashboard does not know.
    """
    reforms = list(start.reforms)
    functions = list(start.functions)
    counters = dict(start.counters)
    kw: dict[str, Any] = {}
    for key, value in controls.items():
        kind, _, name = key.partition("__")
        if kind == "reform" and name:
            reforms = [r for r in reforms if r != name] + ([name] if value else [])
        elif kind == "function" and name:
            functions = [f for f in functions if f != name] + ([name] if value else [])
        elif kind == "counters" and name:
            counters[name] = int(value)
        elif key == "apply_to":
            if value not in APPLY_TO:
                raise SpecError(key, value, "one of " + ", ".join(APPLY_TO))
            kw["apply_to"] = APPLY_TO[value]
        elif key in ("staff_scale", "knowledge_shift"):
            kw[key] = float(value)
        elif key in ("start_day", "pilot_sites"):
            kw[key] = int(value)
        elif key in ("scope", "pilot"):
            kw[key] = str(value)
        else:
            raise SpecError(key, value, "a dashboard control: apply_to, scope, start_day, "
                            "pilot, pilot_sites, staff_scale, knowledge_shift, reform__NAME, "
                            "function__NAME, counters__OFFICE")
    return Changes.from_mapping({**{f: getattr(start, f) for f in
                                    ("staff_scale", "knowledge_shift", "apply_to", "scope",
                                     "start_day", "reform_overrides", "pilot",
                                     "pilot_sites")},
                                 **kw, "reforms": reforms, "functions": functions,
                                 "counters": counters})


def describe(changes: Changes, cfg: Any) -> str:
    """A short, plain description of the changes (for the reform world's title)."""
    parts = []
    if changes.reforms:
        where = "" if changes.scope == "all" else " in " + changes.scope.split(":")[1]
        if changes.pilot != "as_configured":
            unit = "pairs" if changes.pilot == "matched_pairs" else "sites"
            where = f" ({changes.pilot.replace('_', ' ')} pilot"
            where += ")" if changes.pilot in ("everywhere", "stepped_wedge") else \
                f", {changes.pilot_sites} {unit})"
        when = f" from day {changes.start_day}" if changes.start_day else ""
        parts.append(" + ".join(r.replace("_", " ") for r in changes.reforms) + where + when)
    parts.extend(changes.reform_overrides)
    for office, n in changes.counters.items():
        was = int(cfg["city"]["offices"][office]["counters"])
        if n != was:
            parts.append(f"{office.replace('_', ' ')}: {was}→{n} counters")
    if changes.staff_scale != 1.0:
        parts.append(f"committee staff ×{changes.staff_scale:g}")
    if changes.functions:
        parts.append("committees also do " + ", ".join(changes.functions))
    if changes.knowledge_shift:
        sign = "+" if changes.knowledge_shift > 0 else "−"
        parts.append(f"knowledge {sign}{abs(changes.knowledge_shift):.0%} of the gap")
    return "; ".join(parts) or "no change"


class TwinWorlds(mesa.Model):
    """The baseline and the reform world, same config and seed, one step = one day in each.

    Args:
        overrides: The user's Hydra overrides (e.g. ``["+teaching=pooling"]``).
        seed: Seed for both worlds; None keeps the config's.
        sample_fraction: Used unless the overrides set ``sim.sample_fraction``.
        compose: Overrides → config (default :func:`cached_compose`).
        scenario: Accepted and ignored: Mesa's Reset passes its own ``Scenario``; the worlds'
            randomness comes from the config's seed and named streams only.
        **controls: The app's controls (see the module docstring).

    Raises:
        SpecError: if the config, a control or a change is invalid (before anything runs).
    """

    def __init__(self, overrides: Sequence[str] = (), seed: int | None = None,
                 sample_fraction: float = 0.2, compose: Compose | None = None,
                 scenario: Any = None, **controls: Any) -> None:
        super().__init__(rng=0)
        del scenario
        # Held while stepping and while the page copies what it shows (snapshot.take): the
        # play loop and the page's reads run in different threads.
        self.lock = threading.RLock()
        compose = compose or cached_compose
        shared, chosen, pilot, inside = split_overrides(overrides)
        if seed is not None:
            shared.append(f"seed={int(seed)}")
        shared = with_sample_fraction(shared, sample_fraction)
        base_cfg = compose(shared)
        self.teaching = Teaching.from_config(base_cfg)
        start = self.teaching.changes
        if chosen:
            start = start.with_(reforms=chosen)
        if pilot:
            start = start.with_(pilot=pilot)
        for o in list(inside):  # the pilot's sites and start day are controls
            key, _, value = o.lstrip("+").partition("=")
            if key in ("pilot.sites", "pilot.start_day"):
                field = "pilot_sites" if key == "pilot.sites" else "start_day"
                start = start.with_(**{field: int(value)})
                inside.remove(o)
        if inside:
            start = start.with_(reform_overrides=(*start.reform_overrides, *inside))
        self.changes = parse_controls(controls, start)
        wo = world_overrides(shared, self.changes, compose)
        self.baseline = World.build("baseline", "Without the reform", wo.baseline, compose)
        self.reform = World.build(
            "reform", "With: " + describe(self.changes, base_cfg), wo.reform, compose)
        self.running = True

    @property
    def worlds(self) -> tuple[World, World]:
        """(baseline, reform)."""
        return self.baseline, self.reform

    @property
    def day(self) -> int:
        """Days simulated so far (both worlds are always on the same day)."""
        return self.baseline.model.day

    @property
    def compare_from(self) -> int:
        """The first day the comparison counts: the reforms' start, or the lesson's warm-up.

        Before it both worlds run alike (the reforms have not started) or are still filling
        with cases, so the headline's "since" column and the district figures begin there.
        """
        start = self.changes.start_day if self.changes.reforms else 0
        return max(start, self.teaching.warm_up)

    def step(self) -> None:
        """Simulate one more day in both worlds (both or neither: under the lock)."""
        with self.lock:
            for w in self.worlds:
                w.model.step()
                w.tracker.after_step()
            self.running = all(w.model.running for w in self.worlds)
