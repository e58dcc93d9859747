import collections
import copy
import functools
import gc
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
    handlers that ``main()`` installs are put back afterwards, the cyclic collector is turned
    back on (a single run leaves it off), and the root logger is put back: Hydra points it at
    this test's captured stderr, which is closed once the test ends, and a later test's threads
    (the dashboard's) would log into the closed stream.
    """
    saved = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    collecting = gc.isenabled()  # a single run leaves the collector off (its process ends)
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
    if collecting:
        gc.enable()
    for sig, handler in saved.items():
        signal.signal(sig, handler)
    root.setLevel(saved_level)
    root.handlers[:] = saved_handlers


def pytest_configure(config) -> None:
    """Register the ``slow`` marker (tests of minutes, e.g. the engine hash matrix)."""
    config.addinivalue_line("markers", "slow: runs for minutes (the engine hash matrix)")


# Seconds per file in one full run (-n 2 on an idle 2-core host, 788 test-seconds in all, pytest
# 6 min 52 s; for their shares only), summed from --junitxml; files under 5 s are left out.
# xdist hands the files to its workers in collection order (addopts: --no-loadscope-reorder),
# and pytest_collection_modifyitems puts the costliest first, so the small ones fill in behind
# and the two workers end together. xdist's own order, most tests first, started the pilot
# evaluation (a fifth of the suite) at 86% of the run, and one worker ran it alone for its last
# minutes. The Ray tests skipped in that run (no `ray` extra; CI installs it) are counted in
# their two files at about half of session 12's estimate on a host at load ~10: the Ray cluster
# test 15 s, the world sweep on Ray 8 s.
FILE_SECONDS = {
    "tests/pilots/test_pilot_evaluation.py": 142,
    "tests/dashboard/test_browser.py": 116,
    "tests/calibration/test_fit.py": 52,
    "tests/sweeps/test_interruptions.py": 49,
    "tests/pilots/test_forking.py": 41,
    "tests/sweeps/test_sweep_cli.py": 38,
    "tests/test_bad_input_table.py": 36,
    "tests/sweeps/test_world_sweep.py": 20 + 8,
    "tests/test_engine_hashes.py": 19,
    "tests/test_sampling.py": 19,
    "tests/reforms/test_reform_effects.py": 16,
    "tests/pilots/test_forecast.py": 15,
    "tests/pilots/test_pilot_study_report.py": 15,
    "tests/pilots/test_pilot_study_jobs.py": 8,
    "tests/sweeps/test_sweep_parts.py": 15,
    "tests/sweeps/test_cluster_launchers.py": 15,
    "tests/reforms/test_reform_config.py": 14,
    "tests/sweeps/test_job_configs.py": 13,
    "tests/dashboard/test_teaching.py": 11,
    "tests/dashboard/test_worlds.py": 10,
    "tests/comparison/test_comparison_cli.py": 10,
    "tests/test_sampling_reform.py": 10,
    "tests/dashboard/test_app.py": 9,
    "tests/test_spec_errors.py": 9,
    "tests/test_district_files.py": 9,
    "tests/dashboard/test_cli.py": 7,
    "tests/test_defaults.py": 7,
    "tests/test_service_files.py": 7,
}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Order the files costliest first (:data:`FILE_SECONDS`; then most tests first, as xdist
    would), each file's tests in their own order (the sort is stable)."""
    def file_of(item: pytest.Item) -> str:
        return item.nodeid.split("::", 1)[0]

    tests = collections.Counter(file_of(item) for item in items)
    items.sort(key=lambda item: (-FILE_SECONDS.get(file_of(item), 0), -tests[file_of(item)]))
