from pathlib import Path

import pytest

from pilotsim.app import api
from pilotsim.spec import RunSpec

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "riverside"
KPIS = EXAMPLE / "kpis.csv"
# The run examples/riverside/kpis.csv was generated from (examples/riverside/README.md)
GENERATING = ["city=from_files", f"city.path={EXAMPLE}", "seed=1",
              "behaviour.knowledge.wrong_office=0.2"]


@pytest.fixture(scope="session")
def riverside_spec() -> RunSpec:
    return RunSpec.from_config(api.compose(GENERATING))


@pytest.fixture(scope="session")
def generating_run(tmp_path_factory):
    """The generating run of the example KPIs, written to a run folder."""
    folder = tmp_path_factory.mktemp("riverside") / "run"
    result = api.run(api.compose(GENERATING), out_dir=folder)
    return result, folder
