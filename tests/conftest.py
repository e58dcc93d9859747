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


# Seconds per file in one full run (-n 2 on 2 cores at load ~10, so for their shares only: 3,199
# test-seconds in all), summed from --junitxml; files under 9 s are left out. xdist hands the
# files to its workers in collection order (addopts: --no-loadscope-reorder), and
# pytest_collection_modifyitems puts the costliest first, so the small ones fill in behind and
# the two workers end together. xdist's own order, most tests first, started the pilot
# evaluation (6 tests, a fifth of the suite) at 86% of the run, and one worker ran it alone
# for its last minutes. The Ray tests skipped in that run (no `ray` extra; CI installs it) are
# counted in their two files at 3.5 times their -n 0 seconds at load ~3 (the ratio of
# test_world_sweep's other tests): the Ray cluster test 32 s, the world sweep on Ray 17 s.
FILE_SECONDS = {
    "tests/pilots/test_pilot_evaluation.py": 680,
    "tests/dashboard/test_browser.py": 292,
    "tests/calibration/test_fit.py": 243,
    "tests/test_bad_input_table.py": 209,
    "tests/sweeps/test_interruptions.py": 163,
    "tests/sweeps/test_sweep_cli.py": 161,
    "tests/sweeps/test_world_sweep.py": 79 + 60,
    "tests/sweeps/test_cluster_launchers.py": 110,
    "tests/pilots/test_forecast.py": 98,
    "tests/sweeps/test_sweep_parts.py": 87,
    "tests/test_engine_hashes.py": 86,
    "tests/reforms/test_reform_effects.py": 78,
    "tests/pilots/test_pilot_study_report.py": 75,
    "tests/test_sampling.py": 69,
    "tests/sweeps/test_job_configs.py": 58,
    "tests/reforms/test_reform_config.py": 49,
    "tests/dashboard/test_worlds.py": 47,
    "tests/dashboard/test_teaching.py": 44,
    "tests/comparison/test_comparison_cli.py": 42,
    "tests/test_sampling_reform.py": 40,
    "tests/test_spec_errors.py": 40,
    "tests/dashboard/test_app.py": 34,
    "tests/test_district_files.py": 34,
    "tests/test_defaults.py": 31,
    "tests/dashboard/test_cli.py": 25,
    "tests/reforms/test_one_door_pilot_centre.py": 24,
    "tests/calibration/test_measures_and_likelihood.py": 24,
    "tests/test_default_run.py": 22,
    "tests/test_service_files.py": 21,
    "tests/test_startup_imports.py": 20,
    "tests/reforms/test_reform_costs.py": 19,
    "tests/test_properties.py": 17,
    "tests/pilots/test_designs.py": 15,
    "tests/comparison/test_comparison_report_text.py": 15,
    "tests/sweeps/test_plan_validation.py": 14,
    "tests/evaluation/test_power.py": 14,
    "tests/robustness/test_robustness_sweep.py": 13,
    "tests/test_visit_stream.py": 13,
    "tests/test_reproducibility.py": 11,
    "tests/reforms/test_office_closure.py": 11,
    "tests/evaluation/test_staggered.py": 11,
    "tests/comparison/test_comparison_costs.py": 11,
    "tests/comparison/test_comparison_statistics.py": 10,
    "tests/test_uncertainty.py": 10,
    "tests/test_takeup.py": 10,
}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Order the files costliest first (:data:`FILE_SECONDS`; then most tests first, as xdist
    would), each file's tests in their own order (the sort is stable)."""
    def file_of(item: pytest.Item) -> str:
        return item.nodeid.split("::", 1)[0]

    tests = collections.Counter(file_of(item) for item in items)
    items.sort(key=lambda item: (-FILE_SECONDS.get(file_of(item), 0), -tests[file_of(item)]))
