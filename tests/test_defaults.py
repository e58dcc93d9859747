"""One source of defaults: the spec dataclasses, which the YAML options and the docs agree with.

A default is a dataclass field's default. A group whose options extend the dataclass (``pilot``)
restates none of it; a reform's YAML extends its ``Params`` the same way (under its own key)
and sets only the shipped district's examples that docs/reforms.md's parameter reference names;
a default the docs state (README's configuration reference, docs/reforms.md, docs/pilots.md) is
the dataclass's.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from omegaconf import OmegaConf

from pilotsim import conf
from pilotsim.app import api
from pilotsim.plugins.reforms.registry import REFORMS
from pilotsim.spec import defaults
from pilotsim.spec.pilot_designs import PilotSpec
from pilotsim.spec.reform_params import ReformParams

ROOT = Path(__file__).parent.parent
CONF = ROOT / "conf"


def _flat(data: Any, prefix: str = "") -> dict[str, Any]:
    """Dotted key → leaf value (mappings are walked; lists are leaves)."""
    if not isinstance(data, dict) or not data:
        return {prefix: data}
    out: dict[str, Any] = {}
    for k, v in data.items():
        out.update(_flat(v, f"{prefix}.{k}" if prefix else str(k)))
    return out


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, int | float) and isinstance(b, int | float) and \
            not isinstance(a, bool) and not isinstance(b, bool):
        return float(a) == float(b)
    return a == b


def _differing(yaml_values: dict[str, Any], cls: type) -> dict[str, tuple[Any, Any]]:
    """Keys whose YAML value differs from the dataclass default: key → (YAML, default)."""
    base = _flat(defaults.plain_defaults(cls))
    flat = _flat(yaml_values)
    return {k: (v, base.get(k)) for k, v in flat.items()
            if k in base and not _same(v, base[k])}


def _table_defaults(text: str) -> dict[str, str]:
    """``| `key` | default | ... |`` rows → key: default cell."""
    return dict(re.findall(r"^\| `([\w.]+)` \| ([^|]+?) \|", text, flags=re.M))


def _parenthesised_defaults(text: str) -> dict[str, str]:
    """```key` (value)`` and ```key` (value: why)`` → key: value (examples are left out)."""
    out = {}
    for key, inside in re.findall(r"`(\w+)` \(([^()]*)\)", text):
        value = re.split(r"[:;]", inside, maxsplit=1)[0].strip().strip("`")
        if "example" not in inside:
            out[key] = value
    return out


def _parse(cell: str) -> Any:
    return yaml.safe_load(cell.strip().strip("`"))


@pytest.mark.parametrize("group", sorted(conf.GROUPS))
def test_group_options_extend_the_dataclass_and_restate_no_default(group):
    cls = conf.GROUPS[group]
    options = sorted((CONF / group).glob("*.yaml"))
    assert options
    for path in options:
        data = yaml.safe_load(path.read_text())
        assert data.pop("defaults") == [defaults.BASE, "_self_"], path.name
        # an option names what it selects (`design: as_configured`), even if that is the default
        restated = {k for k in set(_flat(data)) - set(_differing(data, cls))
                    if data[k.split(".")[0]] != path.stem}
        assert not restated, f"{path.name} restates the defaults of {sorted(restated)}"


@pytest.mark.parametrize("design", sorted(p.stem for p in (CONF / "pilot").glob("*.yaml")))
def test_composed_pilot_options_have_every_key_and_build(design):
    composed = OmegaConf.to_container(api.compose([f"pilot={design}"]).pilot)
    assert set(_flat(composed)) == set(_flat(defaults.plain_defaults(PilotSpec)))
    assert composed["design"] == design


def _reference(name: str) -> dict[str, str]:
    """docs/reforms.md's parameter reference table of one reform: key → its row's cells."""
    text = (ROOT / "docs" / "reforms.md").read_text().split("### Parameter reference")[1]
    section = text.split(f"#### `{name}`\n")[1].split("\n#")[0]
    return {key: cells for key, cells in
            re.findall(r"^\| `([\w.]+)` \| (.+) \|$", section, flags=re.M)}


def _own_keys(cls: type) -> set[str]:
    """A reform's keys the reference lists: those not common to every reform with the common
    default, and its cost (whose figures are each reform's own)."""
    own = _flat(defaults.plain_defaults(cls))
    common = _flat(defaults.plain_defaults(ReformParams))
    return {k for k, v in own.items()
            if k.startswith("cost.") or k not in common or not _same(v, common[k])}


def _yaml_example(cells: str) -> Any:
    """The value after "example in the YAML:" in a reference row (None: no example)."""
    found = re.search(r"example in the YAML: `([^`]+)`", cells)
    return yaml.safe_load(found[1]) if found else None


@pytest.mark.parametrize("name", sorted(REFORMS))
def test_reform_reference_lists_every_own_parameter_with_the_dataclass_default(name):
    rows = _reference(name)
    cls = REFORMS[name].Params
    assert set(rows) == _own_keys(cls), f"docs/reforms.md, Parameter reference: {name}"
    own = _flat(defaults.plain_defaults(cls))
    for key, cells in rows.items():
        default = cells.split(" | ")[0]
        assert _same(_parse(default), own[key]), f"docs/reforms.md: {name}.{key}"


@pytest.mark.parametrize("name", sorted(REFORMS))
def test_reform_yaml_extends_its_dataclass_and_sets_only_documented_examples(name):
    data = yaml.safe_load((CONF / "reform" / f"{name}.yaml").read_text())
    assert data.pop("defaults") == [{f"{defaults.BASE}@{name}": name}, "_self_"]
    assert set(data) <= {name}, f"conf/reform/{name}.yaml: only `{name}:` besides defaults"
    body = data.get(name) or {}
    cls = REFORMS[name].Params
    base = defaults.plain_defaults(cls)
    assert set(body) <= set(base), sorted(body)
    restated = {k for k, v in body.items() if _same(v, base[k])}
    assert not restated, f"conf/reform/{name}.yaml restates the defaults of {sorted(restated)}"
    rows = _reference(name)
    for key, value in body.items():
        assert key in rows and _yaml_example(rows[key]) == value, (
            f"conf/reform/{name}.yaml sets {key}: change the dataclass default, or document "
            f"the example in docs/reforms.md's parameter reference")


@pytest.mark.parametrize("name", sorted(REFORMS))
def test_composed_reform_is_its_dataclass_defaults_with_the_yaml_examples(name):
    composed = OmegaConf.to_container(api.compose([f"reform={name}"]).reform)
    body = yaml.safe_load((CONF / "reform" / f"{name}.yaml").read_text()).get(name) or {}
    expected = {**defaults.plain_defaults(REFORMS[name].Params), **body}
    assert composed == {name: expected}


def test_reforms_compose_under_their_own_keys_in_the_order_listed():
    names = list(REFORMS)[::-1]
    composed = api.compose([f"reform=[{','.join(names)}]"]).reform
    assert list(composed) == names
    assert OmegaConf.to_container(composed["one_door"]) == OmegaConf.to_container(
        api.compose(["reform=one_door"]).reform.one_door)


def test_documented_reform_defaults_are_the_dataclasses():
    text = (ROOT / "docs" / "reforms.md").read_text()
    common = _table_defaults(text.split("**Common parameters**")[1].split("\n\n", 2)[1])
    base = defaults.plain_defaults(ReformParams)
    for key, cell in common.items():
        if cell.strip() != "per reform":
            assert _same(_parse(cell), _flat(base)[key]), key
    checked = 0
    for name, cls in REFORMS.items():
        row = next(line for line in text.splitlines() if line.startswith(f"| `{name}` |"))
        own = _flat(defaults.plain_defaults(cls.Params))
        for key, value in _parenthesised_defaults(row.split(" | ")[2]).items():
            assert key in own, f"docs/reforms.md: {name} has no parameter {key}"
            assert _same(_parse(value), own[key]), f"docs/reforms.md: {name}.{key}"
            checked += 1
    assert checked >= 20  # the parser still finds the table


def test_documented_pilot_and_run_defaults_are_the_dataclasses():
    pilots = (ROOT / "docs" / "pilots.md").read_text()
    start = re.search(r"`start_day` \(default\s+(\d+)", pilots)
    assert start and int(start[1]) == PilotSpec().start_day
    reference = (ROOT / "README.md").read_text().split("## Configuration reference")[1]
    readme = _table_defaults(reference)
    owners = conf.SECTIONS
    checked = 0
    for key, cell in readme.items():
        section, _, field = key.partition(".")
        if section in owners:
            assert _same(_parse(cell), getattr(owners[section](), field)), f"README: {key}"
            checked += 1
    assert checked == sum(len(defaults.plain_defaults(cls)) for cls in owners.values())


def test_config_yaml_places_the_run_sections_defaults_and_restates_none():
    config = yaml.safe_load((CONF / "config.yaml").read_text())
    for section in conf.SECTIONS:
        assert section not in config, f"conf/config.yaml restates {section}"
        assert {f"{defaults.BASE}@{section}": section} in config["defaults"]
    composed = api.compose([])
    for section, cls in conf.SECTIONS.items():
        assert OmegaConf.to_container(composed[section]) == defaults.plain_defaults(cls)


def test_behaviour_yaml_sections_agree_with_their_dataclasses():
    # behaviour keeps its full YAML (README: "Where a default lives"); its values must still be
    # the dataclasses' defaults, numbers compared as numbers
    from pilotsim.spec import Behaviour

    shipped = yaml.safe_load((CONF / "behaviour" / "default.yaml").read_text())
    checked = 0
    for f in dataclasses.fields(Behaviour):
        if f.name == "profiles":  # no defaults: the district's residents
            continue
        assert not _differing(shipped[f.name], type(f.default)), f.name
        checked += 1
    assert checked == 7
