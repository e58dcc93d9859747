"""Pilot designs are plug-ins: the registry is the list, and one class, one registry line and one
YAML option are all a new design needs."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pytest
import yaml

from pilotsim.app import api
from pilotsim.plugins.pilots.design_base import Design, Schedule
from pilotsim.plugins.pilots.registry import DESIGNS
from pilotsim.plugins.pilots.schedule import pilot_schedule
from pilotsim.spec import RunSpec
from pilotsim.spec.schema import SpecError, check

ROOT = Path(__file__).parent.parent.parent


def test_every_registered_design_has_its_option_and_nothing_else_does():
    options = {p.stem: yaml.safe_load(p.read_text())["design"]
               for p in (ROOT / "conf" / "pilot").glob("*.yaml")}
    assert options == {name: name for name in DESIGNS}


def test_the_documented_designs_are_the_registry():
    table = (ROOT / "docs" / "pilots.md").read_text().split("| `pilot=` |")[1].split("\n\n")[0]
    assert re.findall(r"^\| `(\w+)`", table, flags=re.M) == list(DESIGNS)


def test_an_unknown_design_is_refused_with_the_known_ones_listed():
    with pytest.raises(SpecError) as err:
        RunSpec.from_config(api.compose(["reform=one_door", "pilot.design=lottery"]))
    assert err.value.key == "pilot.design" and err.value.value == "lottery"
    assert all(name in err.value.expected for name in DESIGNS)


class EveryOther(Design):
    """A toy design: every other site in the world's order, from start_day (``sites``: the
    first of them to take; it checks its own parameter)."""

    def validate(self, units: Mapping[str, float], days: int) -> None:
        check(self.pilot.sites <= (len(units) + 1) // 2, "pilot.sites", self.pilot.sites,
              "at most every other site")

    def assign(self, units: Mapping[str, float], gen: np.random.Generator) -> Schedule:
        chosen = list(units)[::2][: self.pilot.sites]
        return {n: (self.pilot.start_day if n in chosen else None) for n in units}


def test_a_design_needs_one_class_one_registry_line_and_one_yaml(monkeypatch, tmp_path):
    monkeypatch.setitem(DESIGNS, "every_other", EveryOther)            # the registry line
    (tmp_path / "pilot").mkdir()                                       # the YAML option
    (tmp_path / "pilot" / "every_other.yaml").write_text(
        "defaults:\n  - _base\n  - _self_\n\ndesign: every_other\n")
    search = f"hydra.searchpath=[file://{tmp_path}]"

    spec = RunSpec.from_config(api.compose(
        [search, "reform=one_door", "pilot=every_other", "pilot.sites=4", "pilot.start_day=30"]))
    sites, communities = pilot_schedule(spec)
    assert {c for c, day in communities.items() if day is not None} == {
        "east_01", "east_03", "east_05", "west_01"}
    assert set(sites.values()) == {30, None}

    with pytest.raises(SpecError) as err:  # its own parameter check runs with the others
        RunSpec.from_config(api.compose(
            [search, "reform=one_door", "pilot=every_other", "pilot.sites=7"]))
    assert (err.value.key, err.value.expected) == ("pilot.sites", "at most every other site")
