"""Start-up: what a run imports, and that what it leaves out still loads when used."""

from __future__ import annotations

import subprocess
import sys


def _python(code: str) -> str:
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    return out.stdout.strip()


def test_the_model_imports_mesa_without_its_grids_networks_and_scipy_spatial():
    code = ("import sys; from pilotsim.sim.model import PilotModel; import mesa\n"
            "assert issubclass(PilotModel, mesa.Model)\n"
            "print(sorted(m for m in ('scipy.spatial', 'networkx', 'mesa.discrete_space.grid')"
            " if m in sys.modules))")
    assert _python(code) == "[]"


def test_the_deferred_mesa_subpackages_load_on_first_use():
    code = ("import pilotsim.sim.model, mesa\n"
            "from mesa.discrete_space import OrthogonalMooreGrid\n"
            "print(mesa.discrete_space.OrthogonalMooreGrid is OrthogonalMooreGrid,"
            " mesa.space.MultiGrid.__module__, mesa.experimental.devs.__name__)")
    assert _python(code) == "True mesa.space mesa.experimental.devs"


def test_mesa_names_its_model_logger_as_before():
    code = "import pilotsim.sim.model, mesa.model; print(mesa.model._mesa_logger.name)"
    assert _python(code) == "MESA.mesa.model"


def test_composing_a_config_imports_neither_pandas_nor_the_model():
    # `pilotsim --cfg job` and every sweep point compose; pandas alone costs ~0.4 s
    code = ("import sys; from pilotsim.spec.compose import compose\n"
            "compose(['reform=one_door'])\n"
            "print(sorted(m for m in ('pandas', 'pyarrow', 'mesa', 'pilotsim.sim.model')"
            " if m in sys.modules))")
    assert _python(code) == "[]"
