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

from pilotsim.spec import ORGANISATION_FUNCTIONS
from pilotsim.spec.schema import SpecError, build, check

REFORM_GROUP = "reform"
PILOT_GROUP = "pilot"
WORLD_GROUPS = (REFORM_GROUP, PILOT_GROUP)  # overridden in the reform world only
BASELINE = "baseline"
NO_PILOT = "as_configured"
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
        pilot: A pilot design (an option of the ``pilot`` config group) that chooses which
            sites the reforms reach and when, replacing ``scope``: ``as_configured`` (no
            design: the reforms' own scope), ``everywhere``, ``random``, ``readiness`` (the
            best-run sites), ``matched_pairs`` or ``stepped_wedge``. It starts on
            ``start_day``; its other settings (unit, boost, waves) are the config's.
        pilot_sites: Pilot sites (pairs, for ``matched_pairs``).
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
        days = cfg["sim"]["days"]  # named before start_day is judged against it
        check(isinstance(days, int) and not isinstance(days, bool) and days >= 1, "sim.days",
              days, "an integer >= 1")
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


def has_pilot_group() -> bool:
    """Whether the shipped config tree has a ``pilot`` group (pilot designs in the run)."""
    return (resources.files("pilotsim.conf") / PILOT_GROUP / f"{NO_PILOT}.yaml").is_file()


def _key(override: str) -> str:
    """The key or group an override string sets (``+a.b=1`` → ``a.b``; ``~a`` → ``a``)."""
    from hydra.core.override_parser.overrides_parser import OverridesParser

    parsed = OverridesParser.create().parse_overrides([override])[0]
    return parsed.key_or_group


def _root(key: str) -> str:
    return key.split(".")[0].split("@")[0]


def is_reform_override(override: str) -> bool:
    """True for overrides of the reform world only: the ``reform`` and ``pilot`` groups.

    That is, selections (``reform=one_door``, ``pilot=random``) and values inside them
    (``reform.one_door.counters=4``, ``pilot.sites=5``).
    """
    return _root(_key(override)) in WORLD_GROUPS


def pilot_selection(overrides: Sequence[str]) -> str | None:
    """The pilot design the user's overrides select (``pilot=random``), or None."""
    from hydra.core.override_parser.overrides_parser import OverridesParser

    chosen = None
    for o in OverridesParser.create().parse_overrides(list(overrides)):
        if o.key_or_group == PILOT_GROUP and not o.is_delete():
            chosen = str(o.value())
    return chosen


def split_overrides(overrides: Sequence[str]
                    ) -> tuple[list[str], tuple[str, ...], str | None, list[str]]:
    """Split the user's overrides: (shared, reforms, pilot design, values inside those groups)."""
    shared, inside = [], []
    for o in overrides:
        key = _key(o)
        if _root(key) not in WORLD_GROUPS:
            shared.append(o)
        elif key not in WORLD_GROUPS:
            inside.append(o)
    return shared, reform_selection(overrides), pilot_selection(overrides), inside


def _inside(override: str) -> tuple[str, str | None]:
    """(group, reform) an override sets a value in.

    ``reform.one_door.x=1`` → (reform, one_door); ``pilot.sites=4`` → (pilot, None); any other
    → ("", None).
    """
    key = _key(override)
    root = _root(key)
    if root == REFORM_GROUP and "." in key:
        return root, key.split(".")[1]
    if root == PILOT_GROUP and "." in key:
        return root, None
    return "", None


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


def reform_override(reforms: Sequence[str]) -> str:
    """The override selecting ``reforms`` (``baseline`` if none)."""
    if not reforms:
        return f"{REFORM_GROUP}={BASELINE}"
    if len(reforms) == 1:
        return f"{REFORM_GROUP}={reforms[0]}"
    return f"{REFORM_GROUP}=[{','.join(reforms)}]"


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
    """The two worlds' override lists, ready for :func:`pilotsim.app.api.compose`."""

    baseline: list[str]
    reform: list[str]


def world_overrides(shared: Sequence[str], changes: Changes, compose) -> WorldOverrides:
    """Build both worlds' overrides.

    The baseline world gets ``reform=baseline`` (and ``pilot=as_configured``); the reform world
    gets the chosen reforms, their scope and start day or the pilot design, and
    ``changes.reform_overrides`` (those inside a reform that is not chosen, or inside the pilot
    group without a design, are left out). The other changes go to the reform world, or to both
    if ``changes.apply_to`` is ``both``.

    Args:
        shared: The user's overrides other than the reform and pilot groups'.
        changes: The trainer's changes.
        compose: ``pilotsim.app.api.compose`` (or a stand-in): overrides → config, to read the
            current values that the changes scale.

    Returns:
        The baseline world's and the reform world's overrides.

    Raises:
        SpecError: if a change names an office or a reform that does not exist, or a pilot
            design where the config tree has no pilot group.
    """
    shared = [o for o in shared if not is_reform_override(o)]
    base_sel: list[str] = []
    reform_sel: list[str] = []
    if has_reform_group():
        base_sel.append(reform_override(()))
        reform_sel.append(reform_override(changes.reforms))
    if has_pilot_group():
        # The pilot's start day is the dashboard's start-day control in both worlds: as_configured
        # ignores it, but the spec checks it against sim.days (the shipped 84 would stop a short
        # run in either world).
        base_sel += [f"{PILOT_GROUP}={NO_PILOT}", f"++{PILOT_GROUP}.start_day=0"]
        reform_sel += [f"{PILOT_GROUP}={changes.pilot}",
                       f"++{PILOT_GROUP}.start_day={changes.start_day}"]
    else:
        check(changes.pilot == NO_PILOT, "pilot", changes.pilot,
              f"{NO_PILOT}: this config tree has no pilot group")
    cfg = compose([*shared, *base_sel])
    changes.check_against(cfg, available_reforms())
    made = change_overrides(changes, cfg)
    both = changes.apply_to == "both"
    chosen = set(changes.reforms)
    piloted = changes.pilot != NO_PILOT
    only_reform = []
    for o in changes.reform_overrides:
        group, name = _inside(o)
        if (group == REFORM_GROUP and name not in chosen) or (group == PILOT_GROUP and
                                                            not piloted):
            continue
        only_reform.append(o)
    if piloted:
        only_reform.append(f"++{PILOT_GROUP}.sites={changes.pilot_sites}")
    else:
        for r in changes.reforms:
            if changes.scope != "all":
                only_reform.append(f"{REFORM_GROUP}.{r}.scope={scope_value(changes.scope)}")
            if changes.start_day:
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
    "has_pilot_group",
    "has_reform_group",
    "is_reform_override",
    "pilot_selection",
    "reform_override",
    "reform_selection",
    "scope_value",
    "split_overrides",
    "with_sample_fraction",
    "world_overrides",
]
