"""Start-up: what a run imports, and that what it leaves out still loads when used."""

from __future__ import annotations

import subprocess
import sys


def _python(code: str) -> str:
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    return out.stdout.strip()


def test_the_model_imports_mesa_without_its_grids_networks_and_scipy():
    # scipy.special alone cost a run 0.26 s of start-up (take-up's logistic no longer needs it)
    code = ("import sys; from pilotsim.sim.model import PilotModel; import mesa\n"
            "assert issubclass(PilotModel, mesa.Model)\n"
            "print(sorted(m for m in ('scipy.spatial', 'scipy.special', 'networkx',"
            " 'mesa.discrete_space.grid') if m in sys.modules))")
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


def test_mesa_logs_a_model_start_as_before():
    # lean_mesa names the decorated method's class from the caller's frame, not
    # inspect.getouterframes (0.1 s of start-up): the debug line must read as Mesa's own
    code = ("import logging, sys\n"
            "{first}\n"
            "import mesa\n"
            "logging.basicConfig(stream=sys.stdout, format='%(name)s %(message)s')\n"
            "logging.getLogger('MESA').setLevel(logging.DEBUG)\n"
            "mesa.Model(rng=3)")
    ours = _python(code.format(first="import pilotsim.sim.model"))
    mesas = _python(code.format(first="pass"))
    assert ours == mesas == "MESA.mesa.model calling Model.__init__ with () and {'rng': 3}"


def test_mesa_loads_tqdm_only_when_batch_run_draws_its_progress_bar():
    # tqdm.auto (its notebook check, asyncio) was ~0.035 s of every run's start-up
    code = ("import sys, io, pilotsim.sim.model, mesa\n"
            "print(sorted(m for m in ('tqdm', 'tqdm.auto', 'asyncio') if m in sys.modules))\n"
            "class M(mesa.Model):\n"
            "    def __init__(self, x=1, rng=None):\n"
            "        super().__init__(rng=rng)\n"
            "        self.x = x\n"
            "        self.datacollector = mesa.DataCollector(model_reporters={'x': 'x'})\n"
            "    def step(self):\n"
            "        self.datacollector.collect(self)\n"
            "        self.running = False\n"
            "sys.stderr = io.StringIO()\n"
            "runs = mesa.batch_run(M, {'x': [1, 2]}, number_processes=1, rng=[1])\n"
            "import tqdm.auto\n"
            "print([r['x'] for r in runs], '2/2' in sys.stderr.getvalue(),"
            " type(tqdm.auto).__name__, 'tqdm.asyncio' in sys.modules)")
    assert _python(code).splitlines() == ["[]", "[1, 2] True module True"]
