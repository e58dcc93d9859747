"""One source of defaults: the spec dataclasses, which the YAML options and the docs agree with.

A default is a dataclass field's default. A group whose options extend the dataclass (``pilot``)
restates none of it; a reform's YAML may differ from its dataclass only where the docs say the
value is the reform's own (``cost``, "per reform") or an example of the shipped district; a
default the docs state (README's configuration reference, docs/reforms.md, docs/pilots.md) is
the dataclass's.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from omegaconf import OmegaConf

from pilotsim.analysis.comparison.settings import CompareSettings
from pilotsim.app import api
from pilotsim.plugins.reforms.registry import REFORMS
from pilotsim.spec import Output, Sim, defaults
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


@pytest.mark.parametrize("group", sorted(defaults.groups()))
def test_group_options_extend_the_dataclass_and_restate_no_default(group):
    cls = defaults.groups()[group]
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


@pytest.mark.parametrize("name", sorted(REFORMS))
def test_reform_yaml_differs_from_its_dataclass_only_where_the_docs_say_so(name):
    data = yaml.safe_load((CONF / "reform" / f"{name}.yaml").read_text())[name]
    differing = {k for k in _differing(data, REFORMS[name].Params) if not k.startswith("cost.")}
    row = next(line for line in (ROOT / "docs" / "reforms.md").read_text().splitlines()
               if line.startswith(f"| `{name}` |"))
    examples = {k for k, inside in re.findall(r"`(\w+)` \(([^()]*)\)", row) if "example" in inside}
    assert differing <= examples, (
        f"conf/reform/{name}.yaml differs from {REFORMS[name].Params.__name__} at "
        f"{sorted(differing - examples)}: change the dataclass default, or document an example")


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
    owners = {"sim": Sim, "output": Output, "compare": CompareSettings}
    checked = 0
    for key, cell in readme.items():
        section, _, field = key.partition(".")
        if section in owners:
            assert _same(_parse(cell), getattr(owners[section](), field)), f"README: {key}"
            checked += 1
    assert checked == sum(len(defaults.plain_defaults(cls)) for cls in owners.values())


def test_shipped_yaml_restating_run_defaults_agrees():
    config = yaml.safe_load((CONF / "config.yaml").read_text())
    for section, cls in (("sim", Sim), ("output", Output), ("compare", CompareSettings)):
        assert not _differing(config[section], cls), section
