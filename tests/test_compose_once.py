"""A single run composes its config once, and writes what Hydra's two compositions wrote."""

import shutil

import pytest
from hydra._internal.config_loader_impl import ConfigLoaderImpl

from pilotsim.app import compose_once

TINY = ("sim.days=3", "sim.sample_fraction=0.02", "output.summary=false")


@pytest.fixture
def compositions(monkeypatch):
    """How many times Hydra composed a config (its loader's one entry point), in a list."""
    count = [0]
    original = ConfigLoaderImpl._load_configuration_impl

    def counted(self, *args, **kwargs):
        count[0] += 1
        return original(self, *args, **kwargs)

    monkeypatch.setattr(ConfigLoaderImpl, "_load_configuration_impl", counted)
    return count


def _run_folder(pilotsim_main, out, *args):
    assert pilotsim_main(*TINY, *args, f"hydra.run.dir={out}") == 0
    files = {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*")
             if p.is_file() and p.name != "metadata.json"}  # metadata holds times and pid
    shutil.rmtree(out)
    return files


@pytest.mark.parametrize("args", [(), ("hydra.mode=RUN",)], ids=["no mode", "mode RUN"])
def test_a_run_composes_once_and_its_folder_is_hydras(tmp_path, pilotsim_main, compositions,
                                                     monkeypatch, args):
    monkeypatch.chdir(tmp_path)
    once = _run_folder(pilotsim_main, tmp_path / "run", *args)
    assert compositions[0] == 1
    install = compose_once.install  # Hydra's own way: get_mode composes, then run again
    monkeypatch.setattr(compose_once, "install", lambda single_run: install(False))
    twice = _run_folder(pilotsim_main, tmp_path / "run", *args)
    assert compositions[0] == 1 + 2
    assert set(once) == set(twice) >= {".hydra/hydra.yaml", ".hydra/config.yaml",
                                       "config.yaml", "cases.parquet"}
    assert once == twice  # the .hydra/ record (mode, overrides) byte for byte
    assert b"mode: RUN" in once[".hydra/hydra.yaml"]


def test_a_sweep_override_without_m_is_still_hydras_error(tmp_path, pilotsim_main, capsys,
                                                          monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert pilotsim_main(*TINY, "seed=1,2", f"hydra.run.dir={tmp_path / 'run'}") == 2
    assert "Ambiguous value for argument 'seed=1,2'" in capsys.readouterr().err
