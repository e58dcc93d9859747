"""What the trainer changes, and how that becomes the two worlds' Hydra overrides.

The dashboard shows two worlds built from the same config, seed and residents:

* the **reform world**: the user's overrides, the chosen reforms, and the trainer's
  :class:`Changes` (counters, committee staff and functions, residents' knowledge);
* the **baseline world**: the same overrides with the ``reform`` selection replaced by
  ``baseline`` (and, only if the trainer asks for it, the same non-reform changes).

Everything here is pure: config in, override strings out, so it is tested without a browser.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from importlib import resources
from typing import Any, Literal

from pilotsim.schema import SpecError, build, check
from pilotsim.spec import ORGANISATION_FUNCTIONS

REFORM_GROUP = "reform"
BASELINE = "baseline"
DEFAULT_SAMPLE_FRACTION = 0.2  # a day steps in milliseconds; the shape of the story survives


@dataclass(frozen=True)
class Changes:
    """The trainer's changes to a world (the dashboard's controls, or a teaching preset's).

    Attributes:
        reforms: Options of the ``reform`` config group to switch on in the reform world
            (empty: none; the two worlds then differ only by the other changes).
        counters: Office name → counters open from day 0 (offices not named keep the config's).
        staff_scale: Multiplier of every community organisation's daily staff minutes.
        functions: Functions every community organisation offers in addition to its own
            (``information``, ``precheck``, ``proxy``, ``relay``).
        knowledge_shift: Residents' knowledge of procedures, every profile: ``s > 0`` closes the
            share ``s`` of the gap to full knowledge, ``s < 0`` removes the share ``-s``.
        apply_to: ``reform`` (the changes other than reforms make the reform world only) or
            ``both`` (they are made in both worlds; only the reforms differ).
        scope: Where the reforms apply: ``all``, ``district:NAME`` or ``community:NAME``
            (sets each chosen reform's ``scope``; ``all`` leaves the reform's own).
        start_day: The day the reforms start (sets each chosen reform's ``start_day``; 0
            leaves the reform's own), so the worlds run identical until then.
        reform_overrides: Further Hydra overrides for the reform world only, e.g.
            ``reform.one_door.counters=3`` (overrides inside a reform that is not chosen are
            left out).
        pilot: A pilot design (:mod:`pilotsim.pilots.designs`) that chooses which communities
            the reforms reach and when, replacing ``scope``: ``as_configured`` (no design: the
            reforms' own scope), ``everywhere``, ``random``, ``readiness`` (the best-run
            sites), ``matched_pairs`` or ``stepped_wedge``. It starts on ``start_day``.
        pilot_sites: Pilot communities (pairs, for ``matched_pairs``).
    """

    reforms: tuple[str, ...] = ()
    counters: Mapping[str, int] = field(default_factory=dict)
    staff_scale: float = 1.0
    functions: tuple[str, ...] = ()
    knowledge_shift: float = 0.0
    apply_to: Literal["reform", "both"] = "reform"
    scope: str = "all"
    start_day: int = 0
    reform_overrides: tuple[str, ...] = ()
    pilot: Literal["as_configured", "everywhere", "random", "readiness", "matched_pairs",
                   "stepped_wedge"] = "as_configured"
    pilot_sites: int = 3

    def __post_init__(self) -> None:
        for office, n in self.counters.items():
            check(n >= 1, f"counters.{office}", n, "an integer >= 1")
        check(self.staff_scale >= 0, "staff_scale", self.staff_scale, "a number >= 0")
        for i, f in enumerate(self.functions):
            check(f in ORGANISATION_FUNCTIONS, f"functions[{i}]", f,
                  "one of " + ", ".join(ORGANISATION_FUNCTIONS))
        check(-1 <= self.knowledge_shift <= 1, "knowledge_shift", self.knowledge_shift,
              "a number in [-1, 1]")
        kind, _, name = self.scope.partition(":")
        check(self.scope == "all" or (kind in ("district", "community") and bool(name)),
              "scope", self.scope, "all, district:NAME or community:NAME")
        check(self.start_day >= 0, "start_day", self.start_day, "an integer >= 0")
        check(self.pilot_sites >= 1, "pilot_sites", self.pilot_sites, "an integer >= 1")
        check(self.pilot == "as_configured" or bool(self.reforms), "pilot", self.pilot,
              "a reform to pilot (choose one), or as_configured")
        for i, o in enumerate(self.reform_overrides):
            try:
                _key(o)
            except Exception as e:
                raise SpecError(f"reform_overrides[{i}]", o, f"a Hydra override ({e})") from None

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any] | None, key: str = "changes") -> Changes:
        """Validate plain data (e.g. a teaching preset's ``changes``) into Changes."""
        return build(cls, dict(data or {}), key)

    def with_(self, **kw: Any) -> Changes:
        """A copy with some fields replaced (validated again)."""
        return replace(self, **kw)

    def check_against(self, cfg: Any, reforms_available: Sequence[str]) -> None:
        """Raise SpecError if the changes name offices or reforms the config does not have."""
        offices = list(cfg["city"]["offices"])
        for office in self.counters:
            check(office in offices, f"counters.{office}", office,
                  "an office of the city: " + ", ".join(offices))
        for i, r in enumerate(self.reforms):
            check(r in reforms_available and r != BASELINE, f"reforms[{i}]", r,
                  "a reform of the `reform` config group: " + (
                      ", ".join(reforms_available) or "(none installed)"))
        kind, _, name = self.scope.partition(":")
        if kind == "district":
            districts = list(cfg["city"]["districts"])
            check(name in districts, "scope", self.scope,
                  "district:NAME with NAME one of " + ", ".join(districts))
        elif kind == "community":
            communities = list(cfg["city"]["communities"])
            check(name in communities, "scope", self.scope,
                  "community:NAME with NAME one of " + ", ".join(communities))
        days = int(cfg["sim"]["days"])
        check(self.start_day < days, "start_day", self.start_day,
              f"a day before the end of the run (sim.days = {days})")


def available_reforms() -> list[str]:
    """Options of the shipped ``reform`` config group, without ``baseline`` (may be empty)."""
    folder = resources.files("pilotsim.conf") / REFORM_GROUP
    if not folder.is_dir():
        return []
    names = sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".yaml"))
    return [n for n in names if n != BASELINE]


def has_reform_group() -> bool:
    """Whether the shipped config tree has a ``reform`` group with a ``baseline`` option."""
    return (resources.files("pilotsim.conf") / REFORM_GROUP / f"{BASELINE}.yaml").is_file()


def _key(override: str) -> str:
    """The key or group an override string sets (``+a.b=1`` → ``a.b``; ``~a`` → ``a``)."""
    from hydra.core.override_parser.overrides_parser import OverridesParser

    parsed = OverridesParser.create().parse_overrides([override])[0]
    return parsed.key_or_group


def is_reform_override(override: str) -> bool:
    """True for overrides that select reforms or set values inside them (``reform…``)."""
    key = _key(override)
    return key == REFORM_GROUP or key.startswith(REFORM_GROUP + ".") or \
        key.startswith(REFORM_GROUP + "@")


def split_overrides(overrides: Sequence[str]) -> tuple[list[str], tuple[str, ...], list[str]]:
    """Split the user's overrides into (shared, reform selection, values inside reforms)."""
    shared, inside = [], []
    for o in overrides:
        key = _key(o)
        if key.startswith(REFORM_GROUP + "."):
            inside.append(o)
        elif not is_reform_override(o):
            shared.append(o)
    return shared, reform_selection(overrides), inside


def _reform_of(override: str) -> str | None:
    """The reform an override sets a value in (``reform.one_door.x=1`` → ``one_door``)."""
    key = _key(override)
    if key.startswith(REFORM_GROUP + "."):
        return key.split(".")[1]
    return None


def scope_value(scope: str) -> str:
    """A reform's ``scope`` as a Hydra value (``district:east`` → ``{districts:[east]}``)."""
    if scope == "all":
        return "all"
    kind, _, name = scope.partition(":")
    key = {"district": "districts", "community": "communities"}[kind]
    return f"{{{key}:[{name}]}}"


def reform_selection(overrides: Sequence[str]) -> tuple[str, ...]:
    """The reforms that the user's overrides select (``reform=a`` or ``reform=[a,b]``)."""
    from hydra.core.override_parser.overrides_parser import OverridesParser

    chosen: tuple[str, ...] = ()
    for o in OverridesParser.create().parse_overrides(list(overrides)):
        if o.key_or_group == REFORM_GROUP and not o.is_delete():
            value = o.value()
            names = value if isinstance(value, list) else [value]
            chosen = tuple(str(n) for n in names if str(n) != BASELINE)
    return chosen


def reform_override(reforms: Sequence[str], add: bool = False) -> str:
    """The override selecting ``reforms`` (``baseline`` if none)."""
    plus = "+" if add else ""
    if not reforms:
        return f"{plus}{REFORM_GROUP}={BASELINE}"
    if len(reforms) == 1:
        return f"{plus}{REFORM_GROUP}={reforms[0]}"
    return f"{plus}{REFORM_GROUP}=[{','.join(reforms)}]"


def change_overrides(changes: Changes, cfg: Any) -> list[str]:
    """Overrides that make ``changes`` (other than reforms) in the world composed as ``cfg``.

    Args:
        changes: The trainer's changes.
        cfg: The world's composed config (before the changes), for the current values.
    """
    out = []
    offices = cfg["city"]["offices"]
    for office, n in changes.counters.items():
        if int(offices[office]["counters"]) != n:
            out.append(f"city.offices.{office}.counters={int(n)}")
    for name, org in cfg["city"]["organisations"].items():
        if changes.staff_scale != 1.0:
            staff = float(org["staff_min_per_day"]) * changes.staff_scale
            out.append(f"city.organisations.{name}.staff_min_per_day={staff:.6g}")
        own = list(org.get("functions", ()) or ())
        extra = [f for f in changes.functions if f not in own]
        if extra:
            funcs = [f for f in ORGANISATION_FUNCTIONS if f in own or f in extra]
            out.append(f"city.organisations.{name}.functions=[{','.join(funcs)}]")
    s = changes.knowledge_shift
    if s:
        for name, profile in cfg["behaviour"]["profiles"].items():
            m = float(profile["knowledge"]["mean"])
            new = m + s * (1 - m) if s > 0 else m * (1 + s)
            out.append(f"behaviour.profiles.{name}.knowledge.mean={new:.6g}")
    return out


def with_sample_fraction(overrides: Sequence[str], fraction: float) -> list[str]:
    """``overrides`` plus ``sim.sample_fraction=fraction`` unless they already set it."""
    if any(_key(o) == "sim.sample_fraction" for o in overrides):
        return list(overrides)
    return [f"sim.sample_fraction={fraction}", *overrides]


@dataclass(frozen=True)
class WorldOverrides:
    """The two worlds' override lists, ready for :func:`pilotsim.api.compose`."""

    baseline: list[str]
    reform: list[str]


def world_overrides(shared: Sequence[str], changes: Changes, compose) -> WorldOverrides:
    """Build both worlds' overrides.

    Args:
        shared: The user's overrides without reform selections (see :func:`is_reform_override`).
        changes: The trainer's changes.
        compose: ``pilotsim.api.compose`` (or a stand-in): overrides → config. Used to read the
            current values the changes scale, and to find whether the ``reform`` group is in the
            config's defaults list (``reform=…``) or has to be added (``+reform=…``).

    Returns:
        The baseline world's and the reform world's overrides.

    Raises:
        SpecError: if a change names an office or a reform that does not exist.
    """
    from hydra.errors import ConfigCompositionException

    shared = [o for o in shared if not is_reform_override(o)]
    reform_sel: list[str] = []
    base_sel: list[str] = []
    if has_reform_group():
        base_sel = [reform_override(())]
        try:
            cfg = compose([*shared, *base_sel])
        except ConfigCompositionException:  # the group is not in the defaults list
            base_sel = [reform_override((), add=True)]
            cfg = compose([*shared, *base_sel])
        add = base_sel[0].startswith("+")
        reform_sel = [reform_override(changes.reforms, add=add)]
    else:
        cfg = compose(shared)
    changes.check_against(cfg, available_reforms())
    made = change_overrides(changes, cfg)
    both = changes.apply_to == "both"
    chosen = set(changes.reforms)
    only_reform = [o for o in changes.reform_overrides
                   if _reform_of(o) is None or _reform_of(o) in chosen]
    for r in changes.reforms:
        if changes.scope != "all" and changes.pilot == "as_configured":
            only_reform.append(f"{REFORM_GROUP}.{r}.scope={scope_value(changes.scope)}")
        if changes.start_day and changes.pilot == "as_configured":
            only_reform.append(f"{REFORM_GROUP}.{r}.start_day={changes.start_day}")
    return WorldOverrides(
        baseline=[*shared, *base_sel, *(made if both else [])],
        reform=[*shared, *reform_sel, *only_reform, *made],
    )


__all__ = [
    "BASELINE",
    "DEFAULT_SAMPLE_FRACTION",
    "Changes",
    "SpecError",
    "WorldOverrides",
    "available_reforms",
    "change_overrides",
    "has_reform_group",
    "is_reform_override",
    "reform_override",
    "reform_selection",
    "scope_value",
    "split_overrides",
    "with_sample_fraction",
    "world_overrides",
]
