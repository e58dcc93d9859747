"""A group option set at its package without Hydra's copy composes the same config."""

import pytest
from hydra import compose, initialize_config_dir
from hydra._internal.config_loader_impl import ConfigLoaderImpl
from omegaconf import OmegaConf

from pilotsim.app import api, embed_once


@pytest.fixture
def hydras_embedding(monkeypatch):
    """A function that makes Hydra embed loaded configs its own way (a copy each time)."""
    embed_once.install()
    patched = ConfigLoaderImpl._embed_result_config
    return lambda: monkeypatch.setattr(ConfigLoaderImpl, "_embed_result_config",
                                       staticmethod(patched.original))


@pytest.mark.parametrize("overrides", [
    ["city=city_million"], [], ["reform=[one_door,data_sharing]", "pilot=stepped_wedge"],
    ["+experiment=default"], ["+scenario=erlang_c", "reform=staffing"],
], ids=["city", "default", "reforms", "experiment", "erlang_c"])
def test_the_composed_config_is_hydras(hydras_embedding, overrides) -> None:
    ours = OmegaConf.to_yaml(api.compose(overrides))
    hydras_embedding()
    assert ours == OmegaConf.to_yaml(api.compose(overrides))


def test_one_file_under_two_packages_is_two_configs(tmp_path, hydras_embedding) -> None:
    (tmp_path / "g").mkdir()
    (tmp_path / "g" / "a.yaml").write_text("x: 1\ny: [1, 2]\n")
    (tmp_path / "config.yaml").write_text("defaults:\n  - g@p: a\n  - g@q: a\n  - _self_\n")
    with initialize_config_dir(config_dir=str(tmp_path), version_base="1.3"):
        cfg = compose("config", overrides=["p.x=2"])
        cfg.p.y.append(3)
        assert OmegaConf.to_container(cfg) == {"p": {"x": 2, "y": [1, 2, 3]},
                                               "q": {"x": 1, "y": [1, 2]}}
        assert ConfigLoaderImpl._embed_result_config.pilotsim
