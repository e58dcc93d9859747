"""The calibration fit: ABC-SMC (pyabc) over the parameters declared uncertain.

The priors are the ``uncertainty:`` declarations (:mod:`pilotsim.spec.uncertainty`): pyabc samples
each parameter's coordinate in the unit interval, uniformly, and the declaration's quantile
function maps it to the value (:meth:`~pilotsim.spec.uncertainty.Uncertainty.values`), so the prior
is exactly the declared distribution — uniform, triangular, truncated normal or discrete — and
the worlds a robustness study draws and the particles the calibration weighs are the same
objects.

Each particle is one run of the configured world with the particle's values and **its own
seed** (a hash of its coordinates): the simulator is stochastic and ABC keeps it so. A
particle is accepted when the *deviance* of the targets (:mod:`~pilotsim.analysis.calibration
.likelihood`: each figure's distance scaled by the sample size or standard error the targets
file states) is below the generation's tolerance ε. Because every particle draws fresh seed
noise, a parameter set is kept in proportion to how often *its* runs reproduce the figures —
seed noise and measurement noise both widen the posterior, instead of one lucky seed narrowing
it (which is what fitting a single seed's likelihood would do). The tolerance falls from
generation to generation (the median of the previous generation's distances, pyabc's
default) until ``min_epsilon`` or ``generations`` is reached; ABC's posterior at a tolerance
above zero is wider than the exact one, so its intervals err on the side of covering.

Why pyabc rather than Optuna with an importance-weighted ensemble: ABC-SMC's output *is* a
weighted sample of the posterior (the weights are the prior over the proposal density), with
no optimiser's sampling bias to undo; it handles stochastic simulators by design; its SQLite
history makes a run resumable and inspectable; and it parallelises over local cores (its
multicore sampler) or any ``map`` (Ray's pool). Optuna's samplers concentrate on the optimum
and would need a second importance-sampling pass to give posterior weights.
"""

from __future__ import annotations

import hashlib
import logging
import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pilotsim.analysis.calibration.likelihood import log_likelihood
from pilotsim.analysis.calibration.measures import COLUMNS, simulated_measures
from pilotsim.analysis.calibration.targets import Target
from pilotsim.plugins.runner import build_model
from pilotsim.sim import records
from pilotsim.spec import RunSpec
from pilotsim.spec.ensemble import UNIT_PREFIX
from pilotsim.spec.schema import SpecError
from pilotsim.spec.uncertainty import Uncertainty, apply_values

log = logging.getLogger("pilotsim.analysis.calibration")

SAMPLERS = ("local", "ray")
SEED_SPACE = 2**31 - 1
PREDICTIVE_COLUMNS = ("particle", "row", "simulated", "se_used", "deviance")
"""Columns of :attr:`FitResult.predictive` (``predictive.csv``)."""


@dataclass(frozen=True)
class FitSettings:
    """How hard the fit works.

    Attributes:
        population: Accepted particles per generation.
        generations: Most SMC generations (each with a lower tolerance).
        min_epsilon: Stop once the tolerance (total deviance) is at or below this; None: the
            number of targets (a model that is right scores a deviance of about one per
            figure from measurement noise alone).
        min_acceptance: Stop when a generation accepts fewer than this share of proposals.
        workers: Parallel simulations (processes; Ray: pool size).
        sampler: ``local`` (pyabc's multicore sampler on this machine) or ``ray`` (a Ray
            pool's ``map``; needs the ``ray`` extra).
    """

    population: int = 100
    generations: int = 6
    min_epsilon: float | None = None
    min_acceptance: float = 0.02
    workers: int = 2
    sampler: str = "local"

    def check(self) -> None:
        """Raise :class:`SpecError` naming the bad setting."""
        for key, value, low in (("population", self.population, 2),
                                ("generations", self.generations, 1),
                                ("workers", self.workers, 1)):
            if isinstance(value, bool) or not isinstance(value, int) or value < low:
                raise SpecError(f"calibrate.{key}", value, f"an integer >= {low}")
        if self.min_epsilon is not None and not (self.min_epsilon >= 0):
            raise SpecError("calibrate.min_epsilon", self.min_epsilon, "a number >= 0")
        if not 0 <= self.min_acceptance < 1:
            raise SpecError("calibrate.min_acceptance", self.min_acceptance,
                            "a share in [0, 1)")
        if self.sampler not in SAMPLERS:
            raise SpecError("calibrate.sampler", self.sampler, "one of " + ", ".join(SAMPLERS))


def select(unc: Uncertainty, keys: Sequence[str] | None) -> Uncertainty:
    """The declarations to calibrate: all of ``unc``'s, or those named by ``keys``.

    Raises:
        SpecError: no declarations, or a key that is not declared (named).
    """
    if not unc.parameters:
        raise SpecError("uncertainty.parameters", None,
                        "at least one uncertain parameter to calibrate (e.g. "
                        "uncertainty=default_district)")
    if not keys:
        return unc
    by_key = {p.key: p for p in unc.parameters}
    for k in keys:
        if k not in by_key:
            raise SpecError("calibrate.parameters", k, "a key declared under "
                            "uncertainty.parameters: " + ", ".join(by_key))
    return Uncertainty(tuple(by_key[k] for k in keys), "lhs", 2, unc.seed)


def particle_seed(unit: Sequence[float]) -> int:
    """The run seed of a particle: a hash of its coordinates.

    Distinct particles get distinct seeds; the same particle, the same run.
    """
    digest = hashlib.sha256(np.asarray(unit, dtype=float).tobytes()).digest()
    return int.from_bytes(digest[:8], "little") % SEED_SPACE


@dataclass
class Simulator:
    """One particle → one run → the targets' simulated figures (picklable for workers).

    Attributes:
        base: The plain config of the world being calibrated (uncertainty section removed).
        unc: The calibrated parameters' declarations.
        targets: The validated targets.
    """

    base: dict[str, Any]
    unc: Uncertainty
    targets: list[Target]
    _names: list[str] = field(init=False)

    def __post_init__(self) -> None:
        self._names = [f"u{i}" for i in range(len(self.unc.parameters))]

    def config(self, unit: Sequence[float], seed: int | None = None) -> dict[str, Any]:
        """The run config of a particle: its values applied, its own seed (or ``seed``)."""
        cfg = apply_values(self.base, self.unc, self.unc.values(unit))
        cfg["seed"] = particle_seed(unit) if seed is None else seed
        return cfg

    def measures(self, unit: Sequence[float], seed: int | None = None) -> pd.DataFrame:
        """Run the particle's world (with ``seed`` if given) and compute each measure."""
        cfg = self.config(unit, seed)
        spec = RunSpec.from_config(cfg)
        model = build_model(spec)
        model.run()
        cases = records.cases_table(model)
        visits = records.visits_table(model)
        return simulated_measures(self.targets, cases, visits, spec)

    def __call__(self, par: Mapping[str, float]) -> dict[str, np.ndarray]:
        """The model pyabc calls: parameters ``u0 … uD-1`` → summary statistics."""
        m = self.measures([float(par[n]) for n in self._names])
        return {"simulated": m["simulated"].to_numpy(float),
                "sim_sd": m["sim_sd"].to_numpy(float)}


@dataclass
class Deviance:
    """The distance pyabc calls: the targets' total deviance (:func:`log_likelihood`)."""

    targets: list[Target]

    def table(self, stats: Mapping[str, np.ndarray]) -> pd.DataFrame:
        """The likelihood table of one particle's summary statistics."""
        t = self.targets
        frame = pd.DataFrame({
            "row": [x.row for x in t], "measure": [x.measure for x in t],
            "group": [x.group for x in t], "period": [x.period for x in t],
            "observed": [x.value for x in t],
            "n": [np.nan if x.n is None else x.n for x in t],
            "se": [np.nan if x.se is None else x.se for x in t],
            "simulated": np.asarray(stats["simulated"], float), "sim_n": np.nan,
            "sim_sd": np.asarray(stats["sim_sd"], float), "months": [x.months for x in t]})
        return log_likelihood(frame[list(COLUMNS)])

    def __call__(self, x: Mapping[str, np.ndarray], x0: Mapping[str, np.ndarray]) -> float:
        """Total deviance of simulated ``x`` (``x0``, the observed side, is in the targets)."""
        del x0
        d = float(self.table(x)["deviance"].sum())
        return d if math.isfinite(d) else math.inf


def _sampler(settings: FitSettings) -> Any:
    from pyabc import sampler as samplers

    if settings.sampler == "ray":
        try:
            import ray
            from ray.util.multiprocessing import Pool
        except ImportError as e:
            raise SpecError("calibrate.sampler", "ray",
                            "the ray extra installed (pip install 'pilotsim[ray]')") from e
        if not ray.is_initialized():
            ray.init(num_cpus=settings.workers, include_dashboard=False)
        return samplers.MappingSampler(map_=Pool(settings.workers).map)
    if settings.workers == 1:
        return samplers.SingleCoreSampler()
    return samplers.MulticoreEvalParallelSampler(n_procs=settings.workers)


@dataclass
class FitResult:
    """What the fit produced.

    Attributes:
        particles: The last generation: ``weight``, ``distance``, the values and ``unit:KEY``.
        predictive: Per particle of the last generation and target, the simulated figure,
            the observed figure's standard error under the likelihood at it, and the
            deviance (:data:`PREDICTIVE_COLUMNS`): the posterior predictive sample.
        epsilons: Tolerance per generation.
        simulations: Runs made: every generation's, and the prior sample pyabc draws
            first (one population's worth) to set the first tolerance.
        wall_seconds: Time of this call (a resumed fit counts only its own part).
        db: The pyabc history (SQLite).
        run_id: pyabc's id of the run in ``db``.
    """

    particles: pd.DataFrame
    predictive: pd.DataFrame
    epsilons: list[float]
    simulations: int
    wall_seconds: float
    db: Path
    run_id: int


def fit(simulator: Simulator, settings: FitSettings, db: Path, *, resume: bool = True,
        seed: int = 0) -> FitResult:
    """Run ABC-SMC; continue the history in ``db`` if it has one and ``resume``.

    Args:
        simulator: The particle → figures map.
        settings: Population, generations, stopping rules, parallelism.
        db: SQLite file of pyabc's history (created; a resumed fit adds generations to it).
        resume: Continue the last run in ``db`` instead of starting anew.
        seed: Seed of pyabc's proposals (pyabc draws from NumPy's global generator; it is set
            in this process only, so particle proposals are reproducible with one worker; with
            several, pyabc's workers interleave and the particles differ from run to run).

    Returns:
        The last generation with its weights and posterior predictive figures.
    """
    import pyabc

    settings.check()
    d = len(simulator.unc.parameters)
    prior = pyabc.Distribution(**{f"u{i}": pyabc.RV("uniform", 0.0, 1.0) for i in range(d)})
    distance = Deviance(simulator.targets)
    min_eps = float(len(simulator.targets)) if settings.min_epsilon is None else \
        settings.min_epsilon
    np.random.seed(seed)  # pyabc's proposals draw from NumPy's global generator
    abc = pyabc.ABCSMC(simulator, prior, distance, population_size=settings.population,
                       sampler=_sampler(settings))
    url = f"sqlite:///{db}"
    history = None
    if resume and db.exists():
        old = pyabc.History(url)
        if old.n_populations > 0 and old.id is not None:
            run_id = old.id
            abc.load(url, run_id)
            history = abc.history
            log.info("resuming %s (run %d) after generation %d", db, run_id,
                     old.max_t)
    if history is None:
        db.parent.mkdir(parents=True, exist_ok=True)
        if db.exists():
            db.unlink()
        abc.new(url, {"simulated": np.array([t.value for t in simulator.targets]),
                      "sim_sd": np.zeros(len(simulator.targets))})
    t0 = time.perf_counter()
    done = abc.history.max_t + 1 if abc.history.n_populations else 0
    left = max(settings.generations - done, 0)
    if left:
        abc.run(minimum_epsilon=min_eps, max_nr_populations=left,
                min_acceptance_rate=settings.min_acceptance)
    wall = time.perf_counter() - t0
    return _result(abc.history, simulator, db, wall)


def _result(history: Any, simulator: Simulator, db: Path, wall: float) -> FitResult:
    names = [f"u{i}" for i in range(len(simulator.unc.parameters))]
    dev = Deviance(simulator.targets)
    particles = history.get_population().particles
    rows, pred = [], []
    for i, p in enumerate(particles):
        unit = [float(p.parameter[n]) for n in names]
        rows.append({"particle": i, "weight": float(p.weight), "distance": float(p.distance),
                     **simulator.unc.values(unit),
                     **{f"{UNIT_PREFIX}{k}": u for k, u in
                        zip(simulator.unc.names, unit, strict=True)}})
        lik = dev.table(p.sum_stat)
        pred.extend((i, r.row, r.simulated, r.se_used, r.deviance)
                    for r in lik.itertuples())
    table = pd.DataFrame(rows)
    table["weight"] /= table["weight"].sum()
    pops = history.get_all_populations()  # t = -1: the prior sample, before generation 0
    gens = pops[pops["t"] >= 0]
    return FitResult(table, pd.DataFrame(pred, columns=list(PREDICTIVE_COLUMNS)),
                     [float(e) for e in gens["epsilon"]], int(pops["samples"].sum()), wall,
                     db, int(history.id))
