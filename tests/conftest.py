import copy
import functools
import logging
import signal
import sys

import pytest
from omegaconf import OmegaConf

from pilotsim.app import api, cli

logging.getLogger("MESA").setLevel(logging.WARNING)


@pytest.fixture(scope="session")
def default_run():
    """The default scenario, full size, one year: the run the quickstart makes."""
    return api.run(api.compose([]))


def run(*overrides: str, out_dir=None):
    return api.run(api.compose(list(overrides)), out_dir=out_dir)


@functools.cache
def _composed(overrides: tuple[str, ...]) -> dict:
    return OmegaConf.to_container(api.compose(list(overrides)), resolve=True)


def compose_once(overrides) -> dict:
    """compose(overrides) as the run reads it (resolved to plain data), with the config of the
    overrides other than ``seed=`` composed and resolved once per worker, then copied with the
    seed set: for tests that run one config over many seeds (a compose takes ~0.25 s, a
    deep copy of the plain data ~1 ms). No config interpolates the seed outside ``hydra.``,
    which a run drops, so the copy is the config compose() gives with the seed
    (tests/pilots/test_pilot_evaluation.py checks it). Not for configs that read files a test
    edits (``city=from_files``): the files are read once, when the config is first resolved."""
    rest = tuple(o for o in overrides if not o.startswith("seed="))
    cfg = copy.deepcopy(_composed(rest))
    for o in overrides:
        if o.startswith("seed="):
            cfg["seed"] = int(o.removeprefix("seed="))
    return cfg


def run_composed_once(*overrides: str):
    """:func:`run` with the config from :func:`compose_once`: the same run."""
    return api.run(compose_once(overrides))


@pytest.fixture
def pilotsim_main(monkeypatch: pytest.MonkeyPatch):
    """The ``pilotsim`` command run in this process: a function of its arguments that returns
    its exit code (what it prints is in ``capsys``).

    The installed command is ``pilotsim.app.cli:main``, so this is the same code from parsing the
    arguments to the exit, without the seconds a new interpreter takes to import Hydra, Mesa
    and pandas; a few tests run the real command for what only a process shows. The signal
    handlers that ``main()`` installs are put back afterwards, and so is the root logger:
    Hydra points it at this test's captured stderr, which is closed once the test ends, and a
    later test's threads (the dashboard's) would log into the closed stream.
    """
    saved = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    root = logging.getLogger()
    saved_level, saved_handlers = root.level, list(root.handlers)

    def main(*args: str) -> int:
        monkeypatch.setattr(sys, "argv", ["pilotsim", *args])
        try:
            cli.main()
        except SystemExit as e:
            return int(e.code or 0)
        return 0

    yield main
    for sig, handler in saved.items():
        signal.signal(sig, handler)
    root.setLevel(saved_level)
    root.handlers[:] = saved_handlers


def pytest_configure(config) -> None:
    """Register the ``slow`` marker (tests of minutes, e.g. the engine hash matrix)."""
    config.addinivalue_line("markers", "slow: runs for minutes (the engine hash matrix)")
