"""The run: its length and scale, what it writes, the whole RunSpec and the converter.

:class:`Sim` (``sim:``) and :class:`Output` (``output:``); :class:`RunSpec`, which holds the city,
services, behaviour, reforms and pilot design and checks what spans them (a profile that
behaviour does not define, a step at a department no office serves, a staffing change after the
run); and the door from config to spec: :meth:`RunSpec.from_config`, :func:`plain_config`,
:func:`arm_label`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pilotsim.spec.behaviour import Behaviour
from pilotsim.spec.city import City
from pilotsim.spec.pilot_designs import PilotSpec
from pilotsim.spec.reform_params import ReformSet
from pilotsim.spec.schema import SpecError, build, check
from pilotsim.spec.services import Services
from pilotsim.spec.uncertainty import resolve_world

SAFE_LABEL = ("a label usable as one folder name: letters, digits and _ - + @ . = , "
              "(not starting with '.'), e.g. one_door+data_sharing")
_LABEL_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-+@.=,")


def is_safe_label(label: str) -> bool:
    """Whether ``label`` can name a run's folder without leaving its parent.

    The arm label becomes a path component of every sweep's run folders
    (``<sweep>/<arm>/seed<N>``): a ``/``, ``..`` or a hidden name would write runs outside
    the sweep, or where the comparison does not look.
    """
    return bool(label) and not label.startswith(".") and set(label) <= _LABEL_CHARS


@dataclass(frozen=True)
class Output:
    """What a run writes and prints (the program's keys: they never change the results).

    Attributes:
        write: Write the run folder.
        summary: Print the summary table at the end of a single run.
    """

    write: bool = True
    summary: bool = True



@dataclass(frozen=True)
class Sim:
    """Run length and scale.

    Attributes:
        days: Simulated days (one Mesa step each).
        sample_fraction: Share of residents simulated; offices keep their counters and the
            unsimulated residents' needs run as their own demand process (background cases,
            :mod:`pilotsim.sim.background`) whose visits queue unrecorded; organisations' staff
            time is split between the two by the fraction.
        start_weekday: Weekday of day 0 (0 = Monday).
    """

    days: int = 365
    sample_fraction: float = 1.0
    start_weekday: int = 0

    def __post_init__(self) -> None:
        check(self.days >= 1, "days", self.days, "an integer >= 1")
        check(0 < self.sample_fraction <= 1, "sample_fraction", self.sample_fraction,
              "a fraction in (0, 1]")
        check(0 <= self.start_weekday <= 6, "start_weekday", self.start_weekday,
              "an integer 0 (Monday) to 6 (Sunday)")


@dataclass(frozen=True)
class RunSpec:
    """Everything one run needs: validated, frozen, pure data.

    Attributes:
        seed: The run's seed; every random stream derives from it.
        arm: Label of the scenario (default: the reforms' names joined by ``+``, or
            ``baseline``).
        sim: Length and scale.
        city: The world.
        services: The service catalogue.
        behaviour: The residents' behaviour.
        reform: The reforms (name → parameters; empty: the baseline), validated against the
            rest of the spec (scopes name existing districts and communities, start days fall
            inside the run, ...).
        pilot: The pilot design: which sites get the reforms when (``as_configured`` keeps
            each reform's own scope and start day).
    """

    seed: int
    sim: Sim
    city: City
    services: Services
    behaviour: Behaviour
    arm: str = "baseline"
    reform: ReformSet = field(default_factory=ReformSet)
    pilot: PilotSpec = field(default_factory=PilotSpec)

    def __post_init__(self) -> None:
        check(self.seed >= 0, "seed", self.seed, "an integer >= 0")
        check(is_safe_label(self.arm), "arm", self.arm, SAFE_LABEL)
        profiles = self.behaviour.profiles
        for cname, c in self.city.communities.items():
            for p in c.profile_mix:
                check(p in profiles, f"city.communities.{cname}.profile_mix.{p}", p,
                      "a profile under behaviour.profiles: " + ", ".join(profiles))
        served = {d for o in self.city.offices.values() for d in o.departments}
        for sname, s in self.services.catalogue.items():
            for p in s.demand_per_year:
                check(p in profiles, f"services.catalogue.{sname}.demand_per_year.{p}", p,
                      "a profile under behaviour.profiles: " + ", ".join(profiles))
            for i, step in enumerate(s.steps):
                check(step.department in served,
                      f"services.catalogue.{sname}.steps[{i}].department", step.department,
                      "a department some office serves: " + ", ".join(sorted(served)))
        for oname, o in self.city.offices.items():
            for i, change in enumerate(o.staffing):
                check(change.day < self.sim.days, f"city.offices.{oname}.staffing[{i}].day",
                      change.day, f"a day before the end of the run (sim.days = {self.sim.days})")
        self.reform.check(self)
        if self.pilot.design != "as_configured":
            check(len(self.reform) > 0, "pilot.design", self.pilot.design,
                  "a reform to pilot (e.g. reform=one_door), or pilot=as_configured")
        self.pilot.validate(self.pilot_units(), self.sim.days)

    def pilot_units(self) -> dict[str, float]:
        """The pilot's sites (communities or districts) → readiness, in the world's order.

        A district's readiness is its communities' population-weighted mean.
        """
        comms = self.city.communities
        if self.pilot.unit == "community":
            return {n: c.readiness for n, c in comms.items()}
        out = {}
        for d in self.city.districts:
            members = [c for c in comms.values() if c.district == d]
            total = sum(c.population for c in members)
            out[d] = sum(c.readiness * c.population for c in members) / total if total else 0.0
        return out

    @classmethod
    def from_config(cls, cfg: Any) -> RunSpec:
        """Validate a Hydra/OmegaConf config (or a plain dict) into a RunSpec.

        Keys that belong to the program rather than the run are checked (``output``, see
        :class:`Output`) or ignored (``hydra``, ``compare``); ``world: K`` applies draw K of the
        ``uncertainty`` section's design (:func:`pilotsim.spec.uncertainty.resolve_world`); any
        other unknown key is an error.

        Raises:
            SpecError: naming the key, the value and what was expected.
        """
        data = plain_config(cfg)
        for k in ("hydra", "compare"):
            data.pop(k, None)
        build(Output, data.pop("output", None) or {}, "output")  # checked, not part of the spec
        # the run's world (pilotsim.spec.uncertainty): its draw applied, then the section dropped
        data, _ = resolve_world(data)
        for k in ("uncertainty", "world"):
            data.pop(k, None)
        if "arm" not in data:
            data["arm"] = arm_label(data.get("reform"), data.get("pilot"))
        return build(cls, data)


def arm_label(reform: Any, pilot: Any = None) -> str:
    """The default arm label: the reforms joined by ``+`` (``baseline`` if none).

    A pilot design other than ``as_configured`` adds ``@design`` (``one_door@readiness``).
    """
    label = "+".join(reform) if isinstance(reform, Mapping) and reform else "baseline"
    design = pilot.get("design") if isinstance(pilot, Mapping) else None
    return f"{label}@{design}" if design and design != "as_configured" else label


def resolver_error(error: BaseException, cfg: Any = None) -> SpecError:
    """The SpecError for a config whose interpolations do not resolve.

    A resolver's own error (district files) as it was raised; a mandatory value left unset
    (``???``, e.g. ``city.path`` of ``city=from_files``) named by its own key, not by the key
    whose interpolation reached it; otherwise OmegaConf's reason under the failing key.

    Args:
        error: What resolving raised.
        cfg: The config being resolved (a DictConfig), to find the unset mandatory values.
    """
    from omegaconf import OmegaConf
    from omegaconf.errors import MissingMandatoryValue

    seen: set[int] = set()
    e: BaseException | None = error
    missing = False
    while e is not None and id(e) not in seen:
        if isinstance(e, SpecError):
            return e
        missing |= isinstance(e, MissingMandatoryValue)
        seen.add(id(e))
        e = e.__cause__ or e.__context__
    unset = _unset_keys(OmegaConf.to_container(cfg, resolve=False)) if missing and cfg else []
    if unset:
        return SpecError(unset[0], "???", "a value: the config leaves it for you to give, "
                         f"e.g. {unset[0]}=...")
    return SpecError(getattr(error, "full_key", "") or "", None,
                     f"a resolvable value ({error})")


def _unset_keys(data: Any, prefix: str = "") -> list[str]:
    # Mandatory values left unset ("???"), found without resolving anything (OmegaConf's
    # missing_keys resolves interpolations, and one of them is what failed). Hydra's own
    # node is left out: the job fills it in later.
    if isinstance(data, Mapping):
        items = ((f"{prefix}{k}", v) for k, v in data.items() if prefix or k != "hydra")
    elif isinstance(data, list):
        items = ((f"{prefix[:-1]}[{i}]", v) for i, v in enumerate(data))
    else:
        return []
    return [key for key, value in items for key in
            ([key] if value == "???" else _unset_keys(value, f"{key}."))]


def plain_config(cfg: Any) -> dict:
    """A config as plain data: a DictConfig resolved to dicts and lists, a mapping copied."""
    try:
        from omegaconf import DictConfig, OmegaConf
    except ImportError:  # pragma: no cover - hydra is a dependency
        DictConfig = ()  # type: ignore[assignment] # noqa: N806
    if isinstance(cfg, DictConfig):
        try:
            return OmegaConf.to_container(cfg, resolve=True)  # type: ignore[return-value]
        except Exception as e:  # an interpolation that does not resolve
            raise resolver_error(e, cfg) from None
    if not isinstance(cfg, Mapping):
        raise SpecError("", cfg, "a mapping (the run's config)")
    return dict(cfg)
