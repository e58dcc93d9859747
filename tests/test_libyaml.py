"""libyaml reads the configs and writes the YAML exactly as PyYAML's pure-Python code did."""

from pathlib import Path

import omegaconf._utils as utils
import pytest
import yaml
from omegaconf import OmegaConf

from pilotsim.app import libyaml
from pilotsim.sim import runfolder

pytestmark = pytest.mark.skipif(not yaml.__with_libyaml__, reason="PyYAML without libyaml")
CONF = Path(__file__).resolve().parents[1] / "conf"
PLAIN = {"quoted": ["1", "1.5", "1e3", "true", "off", "null", "~", "01", ".inf"],
         "text": "a long line, with: colons # and hashes " * 5, "nested": {"a": [1, None]},
         "numbers": [0.1, 1e-7, 1e300, float("inf"), -0.0, 10**20], "empty": [], "e": {},
         "key: colon": True, "list_of_dicts": [{"x": "y", "z": [1, 2]}]}
ODD = {"quoted": ["1", "1.5", "1e3", "true", "off", "null", "~", "01", ".inf"],
       "text": "ä long line " * 12, "nested": {"a": [1, 2.5, None, True], "b": {}},
       "numbers": [0.1, 1e-7, 1e300, float("inf"), -0.0, 10**20], "empty": [], "key: colon": 1}


def _pure_loader():
    return getattr(utils.get_yaml_loader, "pure", utils.get_yaml_loader)()


@pytest.fixture(scope="module")
def installed():
    libyaml.install()
    assert utils.get_yaml_loader().__name__ == "CLoader"


@pytest.mark.parametrize("path", sorted(CONF.rglob("*.yaml")), ids=lambda p: p.name)
def test_every_config_file_loads_to_the_same_values(installed, path):
    text = path.read_text()
    fast = yaml.load(text, Loader=utils.get_yaml_loader())
    assert repr(fast) == repr(yaml.load(text, Loader=_pure_loader()))  # types too (1.0 vs 1)


@pytest.mark.parametrize("text", ["a: 1\nb: 2\na: 3\n", "a: [1, 2\nb: 3\n", "a: b: c\n"],
                         ids=["duplicate key", "unclosed list", "nested plain"])
def test_a_bad_file_fails_with_omegaconfs_own_message(installed, text, tmp_path):
    with pytest.raises(yaml.YAMLError) as pure:
        yaml.load(text, Loader=_pure_loader())
    with pytest.raises(yaml.YAMLError) as fast:
        OmegaConf.create(text)
    assert str(fast.value) == str(pure.value)
    (tmp_path / "bad.yaml").write_text(text)
    with open(tmp_path / "bad.yaml") as f, pytest.raises(yaml.YAMLError) as pure_file:
        yaml.load(f, Loader=_pure_loader())
    with pytest.raises(yaml.YAMLError) as from_file:
        OmegaConf.load(tmp_path / "bad.yaml")
    assert str(from_file.value) == str(pure_file.value)


@pytest.mark.parametrize("data", [PLAIN, ODD, {"a": "ä long line " * 12}, {"a": "b\n" * 40}],
                         ids=["plain", "odd", "long non-ASCII", "long multi-line"])
def test_omegaconf_writes_the_same_yaml(installed, data):
    pure = OmegaConf.to_yaml.pure  # type: ignore[attr-defined]
    assert OmegaConf.to_yaml(OmegaConf.create(data)) == pure(OmegaConf.create(data))


@pytest.mark.parametrize("data", [PLAIN, ODD], ids=["plain", "odd"])
def test_config_yaml_is_safe_dumps_text(tmp_path, data):
    runfolder.write_config(tmp_path, data)
    assert (tmp_path / "config.yaml").read_text() == yaml.safe_dump(data, sort_keys=False)


def test_libyaml_emits_only_what_it_emits_alike():
    assert runfolder.libyaml_emits_alike(PLAIN)
    assert "'1.5'" in yaml.dump(PLAIN, Dumper=yaml.CSafeDumper)  # quoted as PyYAML does
    assert not runfolder.libyaml_emits_alike(ODD)
    for data in ({"a": "ä"}, {"ä": 1}, ["a\nb"], {"a": ("x\t",)}, {"a": b"x"}):
        assert not runfolder.libyaml_emits_alike(data)
    odd = {"a": "ä long line " * 12}  # why: libyaml folds this line elsewhere
    assert yaml.dump(odd, Dumper=yaml.CSafeDumper) != yaml.safe_dump(odd)
