import logging

import pytest

from pilotsim import api

logging.getLogger("MESA").setLevel(logging.WARNING)


@pytest.fixture(scope="session")
def default_run():
    """The default scenario, full size, one year: the run the quickstart makes."""
    return api.run(api.compose([]))


def run(*overrides: str, out_dir=None):
    return api.run(api.compose(list(overrides)), out_dir=out_dir)
