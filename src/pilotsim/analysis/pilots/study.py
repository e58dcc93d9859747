"""A pilot study: pilot designs beside the worlds with the reform nowhere and everywhere.

Each pilot is judged as an evaluator would judge it, and the judgement is held against the
truth the simulator knows.

For every seed the study needs the ``none`` world, the ``everywhere`` world (reform in all sites
from the pilot's start day) and one run per pilot design, all with the same seed (same
residents, same needs). Runs come from a sweep folder (:func:`load_runs`) or are made in-process
(:func:`run_pilot_study`: a seed's worlds are the same run until the pilot's first start day,
so those days are simulated once and each world continues from a copy,
:mod:`pilotsim.plugins.forking`); :func:`evaluate` does the rest:

* **estimates** — per design, seed and outcome: two-way fixed-effects DiD with site-clustered
  SEs, and for staggered designs also Callaway & Sant'Anna (not-yet-treated controls); plus
  event-study curves;
* **truth** — per design and seed: the full-rollout effect (everywhere − none, all sites, post
  periods); the *rollout effect at the pilot's sites* (everywhere − none, the pilot's sites:
  what they would gain if everything rolled out); the pilot's *direct effect* on its sites
  (pilot − none) and its *spillover* on the others; and two named terms that split the gap
  between the direct effect and the full-rollout truth: ``site_selection`` (rollout effect at
  the pilot's sites − full rollout: the pilot's sites are not the average site) and
  ``scale_up`` (direct effect − rollout effect at the same sites: the pilot's conditions —
  its own added counters, a centre others share, congestion at scale — differ from rollout's).
  The estimate's bias against the full-rollout truth is then (estimate − direct effect) +
  scale_up + site_selection, and the first term is where the spillover on the comparison
  sites shows;
* **assessment** — across seeds: bias against each truth with its Monte Carlo error, SD and
  the mean cluster-robust SE beside it, RMSE, coverage of the 95% intervals, and how often the
  pilot points to the wrong decision (held back, or the wrong direction);
* **power** — placebo pilots on the ``none`` world (the same number of sites, the same start)
  give the null distribution; the design's estimates the alternative; minimum detectable effect
  by number of sites and pilot length.
"""

from __future__ import annotations

import logging
import time
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from pilotsim.analysis.evaluation import (
    assess,
    build_panel,
    callaway_santanna,
    event_study,
    mde,
    placebo_pilots,
    predicted_power,
    simulated_power,
    true_effects,
    twfe,
)
from pilotsim.analysis.evaluation.panel import HIGHER_IS_BETTER
from pilotsim.analysis.pilots.folders import pilot_folders
from pilotsim.analysis.pilots.forecast import ForecastSettings, add_forecasts
from pilotsim.analysis.pilots.report import write_study
from pilotsim.plugins import forking
from pilotsim.plugins.pilots.registry import DESIGNS
from pilotsim.spec.compose import compose

log = logging.getLogger("pilotsim.analysis.pilots")

WORLDS = ("none", "everywhere")
STAGGERED = tuple(name for name, design in DESIGNS.items() if design.staggered)
HEADLINE_OUTCOMES = ("trips_per_case", "wait_min", "satisfaction", "abandonment_rate")


@dataclass
class PilotRun:
    """One run of a pilot study: its seed, design and what the evaluator sees.

    Attributes:
        seed: The run seed (common random numbers across designs).
        design: ``none``, ``everywhere`` or a pilot design.
        schedule: Community → first day the reform reached it, or None.
        site_days: The run's community-day table.
        folder: Its run folder, if any.
    """

    seed: int
    design: str
    schedule: dict[str, int | None]
    site_days: pd.DataFrame
    folder: Path | None = None


@dataclass
class PilotStudy:
    """What a pilot study found (tidy tables; see :func:`evaluate`).

    Attributes:
        estimates: design, method, outcome, seed, estimate, se, ci_low, ci_high, p_value,
            n_sites, n_treated_sites.
        truth: design, outcome, seed, full_rollout, treated_sites (the rollout effect at the
            pilot's sites), pilot_att (the direct effect), control_spillover, site_selection,
            scale_up (see the module docstring).
        assessment: design, method, outcome, :func:`pilotsim.analysis.evaluation.assess`'s columns
            (bias against each truth, Monte Carlo errors, coverage, held back, wrong
            direction, ...), and the means over seeds of ``spillover``, ``site_selection``
            and ``scale_up`` with their Monte Carlo errors (``mcse_*``).
        event_studies: design, outcome, event_time, estimate (mean over seeds), ci_low,
            ci_high (2.5% and 97.5% over seeds' estimates), n_seeds.
        power: design, outcome, n_sites, post_periods, mde, truth_full, power_at_truth,
            simulated_power (the design's own estimates against its placebo null, where the
            design matches the row).
        period_days: Days per evaluation period.
        start_period: The pilots' first treated period.
        out_dir: Where the tables and report were written (if anywhere).
        paths: Written files by name.
        forecasts: The rollout forecast of every replicate pilot
            (:func:`pilotsim.analysis.pilots.forecast.forecast_study`; empty if none was made):
            design, outcome, seed, forecast, ci_low, ci_high, level, r2, loo_sd, truth.
        forecast_assessment: Per design, outcome and method (``forecast`` or a DiD
            estimator): bias and interval coverage on the full-rollout truth with their
            Monte Carlo errors (:func:`pilotsim.analysis.pilots.forecast.assess_forecasts`).
    """

    estimates: pd.DataFrame
    truth: pd.DataFrame
    assessment: pd.DataFrame
    event_studies: pd.DataFrame
    power: pd.DataFrame
    period_days: int
    start_period: int
    out_dir: Path | None = None
    paths: dict[str, Path] = field(default_factory=dict)
    forecasts: pd.DataFrame = field(default_factory=pd.DataFrame)
    forecast_assessment: pd.DataFrame = field(default_factory=pd.DataFrame)


def load_runs(sweep_dir: str | Path) -> list[PilotRun]:
    """The complete pilot-design runs under ``sweep_dir`` (any depth).

    A run belongs to a pilot study if its metadata carries a ``pilot`` block whose design is
    not ``as_configured``.
    """
    return [PilotRun(int(meta["seed"]), meta["pilot"]["design"], dict(meta["treatment"]),
                     pd.read_parquet(folder / "site_days.parquet"), folder)
            for folder, meta in pilot_folders(sweep_dir)]


def _panel(run: PilotRun, period_days: int, warmup_days: int) -> pd.DataFrame:
    origin = int(run.site_days["day"].min()) + warmup_days
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # partly treated periods are reported in the notes
        return build_panel(run.site_days, run.schedule, period_days, origin_day=origin).data


def _first_period(schedule: dict[str, int | None], period_days: int, origin: int) -> int:
    days = [d for d in schedule.values() if d is not None]
    return (min(days) - origin) // period_days if days else 0


def evaluate(runs: Iterable[PilotRun], period_days: int = 28, warmup_days: int = 28,
             outcomes: Sequence[str] = HEADLINE_OUTCOMES, placebo_reps: int = 20,
             alpha: float = 0.05, seed: int = 0) -> PilotStudy:
    """Estimates, truth, assessment, event studies and power for a set of pilot runs.

    Args:
        runs: Runs of the worlds ``none`` and ``everywhere`` and of pilot designs.
        period_days: Days per evaluation period (pilot start days should fall on period
            boundaries, counted from the end of the warm-up).
        warmup_days: Days dropped at the start of every run: the model starts with no cases
            open, so the first weeks' per-case ratios are a start-up transient, not a steady
            state an evaluator would see.
        outcomes: Outcomes to evaluate (see :data:`pilotsim.analysis.evaluation.OUTCOMES`).
        placebo_reps: Placebo pilots per seed and setting for the power analysis (0: none).
        alpha: Significance level (0.05: 95% intervals).
        seed: Seed of the placebo draws.

    Raises:
        ValueError: if a seed lacks the ``none`` or ``everywhere`` world, or no pilot design
            was run.
    """
    by_seed: dict[int, dict[str, PilotRun]] = {}
    for run in runs:
        by_seed.setdefault(run.seed, {})[run.design] = run
    if not by_seed:
        raise ValueError("runs: none found; expected runs of pilot designs (pilot=...)")
    for s, worlds in sorted(by_seed.items()):
        missing = [w for w in WORLDS if w not in worlds]
        if missing:
            raise ValueError(f"seed {s}: no {missing} world(s) (found {sorted(worlds)}); "
                             "expected pilot=none and pilot=everywhere runs for every seed")
    designs = sorted({d for w in by_seed.values() for d in w} - set(WORLDS))
    if not designs:
        raise ValueError("runs: only the none/everywhere worlds; expected pilot designs too")
    est_rows, truth_rows, es_rows = [], [], []
    panels: dict[tuple[int, str], pd.DataFrame] = {}
    started = time.perf_counter()
    log.info("pilot evaluation: %d seeds × %d designs × %d outcomes", len(by_seed),
             len(designs), len(outcomes))
    for i_seed, (s, worlds) in enumerate(sorted(by_seed.items())):
        for w, run in worlds.items():
            panels[s, w] = _panel(run, period_days, warmup_days)
        for d in designs:
            if d not in worlds:
                continue
            pilot = panels[s, d]
            n_treated = int(pilot.loc[pilot["first_treated_period"].notna(), "site"].nunique())
            for outcome in outcomes:
                te = true_effects(panels[s, "none"], panels[s, "everywhere"], outcome,
                                  pilot=pilot)
                truth_rows.append({"design": d, "outcome": outcome, "seed": s,
                                   **te.to_dict(),
                                   "site_selection": te.treated_sites - te.full_rollout,
                                   "scale_up": te.pilot_att - te.treated_sites})
                # unweighted: each site counts once, as in the truth (a site-average effect)
                fits = [twfe(pilot, outcome, alpha=alpha)]
                if d in STAGGERED:
                    fits.append(callaway_santanna(pilot, outcome, control="not_yet",
                                                  alpha=alpha).overall)
                for e in fits:
                    est_rows.append({"design": d, "method": e.method, "outcome": outcome,
                                     "seed": s, "estimate": e.estimate, "se": e.se,
                                     "ci_low": e.ci_low, "ci_high": e.ci_high,
                                     "p_value": e.p_value, "n_sites": e.n_sites,
                                     "n_treated_sites": n_treated})
                g = int(pilot["first_treated_period"].min())
                n_per = int(pilot["period"].nunique())
                try:  # as many leads and lags as the earliest adopters have periods for
                    es = event_study(pilot, outcome, leads=max(1, min(3, g)),
                                     lags=max(0, min(6, n_per - g - 1)))
                except ValueError:
                    continue  # too few periods or sites for the curve
                es_rows.append(es.table.assign(design=d, outcome=outcome, seed=s))
        log.info("pilot evaluation: seed %d estimated (%d/%d), %.0fs", s, i_seed + 1,
                 len(by_seed), time.perf_counter() - started)
    estimates, truth = pd.DataFrame(est_rows), pd.DataFrame(truth_rows)
    assessment = pd.concat([
        assess(estimates[estimates["outcome"] == o], truth[truth["outcome"] == o]
               .drop(columns="outcome"),
               better="higher" if HIGHER_IS_BETTER[o] else "lower",
               by=("design", "method"), truth_direct="pilot_att").assign(outcome=o)
        for o in outcomes], ignore_index=True)
    assessment = assessment.merge(_terms(truth), on=["design", "outcome"], how="left")
    origin = int(next(iter(by_seed.values()))["none"].site_days["day"].min()) + warmup_days
    first = min(_first_period(r.schedule, period_days, origin)
                for w in by_seed.values() for d, r in w.items() if d != "none")
    power = _power(by_seed, panels, designs, estimates, truth, outcomes, first,
                   placebo_reps, alpha, seed) if placebo_reps > 0 else pd.DataFrame(
        columns=["outcome", "n_sites", "post_periods", "mde", "sd", "mcse_mde", "truth_full",
                 "power_at_truth", "design", "simulated_power"])
    return PilotStudy(estimates, truth, assessment, _event_curves(es_rows), power,
                      period_days, first)


def _terms(truth: pd.DataFrame) -> pd.DataFrame:
    """Per design and outcome: mean spillover, site-selection and scale-up terms ± MC error."""
    g = truth.rename(columns={"control_spillover": "spillover"}).groupby(
        ["design", "outcome"])[["spillover", "site_selection", "scale_up"]]
    mean, n = g.mean(), g.count()
    mcse = (g.std(ddof=1) / np.sqrt(n)).add_prefix("mcse_")
    return pd.concat([mean, mcse], axis=1).reset_index()


def _event_curves(rows: list[pd.DataFrame]) -> pd.DataFrame:
    if not rows:
        return pd.DataFrame(columns=["design", "outcome", "event_time", "estimate", "ci_low",
                                     "ci_high", "n_seeds"])
    es = pd.concat(rows, ignore_index=True)
    g = es.groupby(["design", "outcome", "event_time"])["estimate"]
    return pd.DataFrame({"estimate": g.mean(), "ci_low": g.quantile(0.025),
                         "ci_high": g.quantile(0.975), "n_seeds": g.size()}).reset_index()


def _power(by_seed, panels, designs, estimates, truth, outcomes, first, reps, alpha, seed
           ) -> pd.DataFrame:
    """Placebo pilots on the ``none`` world: MDE by sites and pilot length, and power.

    Pilot sizes go up to half the sites: beyond that the controls run out and the placebo SD
    grows again (its variance goes as 1/k + 1/(n − k)), so the MDE curve is read up to n/2,
    where it falls with k up to Monte Carlo error (``mcse_mde``: the SD's standard error,
    SD/√(2(m − 1)) for m placebo estimates, times 2.8). Each design's own size is added.
    """
    rng = np.random.default_rng(seed)
    seeds = sorted(by_seed)
    n_sites = int(panels[seeds[0], "none"]["site"].nunique())
    n_periods = int(panels[seeds[0], "none"]["period"].nunique())
    rows = []
    own = {int(k) for k in estimates.loc[~estimates["design"].isin(STAGGERED),
                                         "n_treated_sites"]}
    sizes = sorted({k for k in (1, 2, 3, 4, 6, 8) if k <= n_sites // 2} |
                   {k for k in own if 0 < k < n_sites})
    started = time.perf_counter()
    lengths = sorted({p for p in (3, 6, n_periods - first) if 1 <= p <= n_periods - first})
    for outcome in outcomes:
        full = truth.loc[truth["outcome"] == outcome, "full_rollout"].mean()
        for k in sizes:
            for length in lengths:
                null = pd.concat([
                    placebo_pilots(
                        panels[s, "none"][panels[s, "none"]["period"] < first + length],
                        outcome, n_treated=k, start_period=first, n_reps=reps, seed=rng)
                    for s in seeds], ignore_index=True)
                m = mde(null, alpha=alpha)
                m_reps = int(null["estimate"].notna().sum()) if "estimate" in null else 0
                row = {"outcome": outcome, "n_sites": k, "post_periods": length,
                       "mde": m.mde, "sd": m.sd,
                       "mcse_mde": m.mde / np.sqrt(2 * (m_reps - 1)) if m_reps > 1 else np.nan,
                       "truth_full": full,
                       "power_at_truth": predicted_power(abs(full), m.sd, alpha=alpha),
                       "design": "placebo", "simulated_power": np.nan}
                rows.append(row)
                if length != n_periods - first:
                    continue
                for d in designs:
                    mine = estimates[(estimates["design"] == d) & (estimates["outcome"] ==
                                      outcome) & (estimates["method"] == "twfe")]
                    if mine.empty or int(mine["n_treated_sites"].iloc[0]) != k or \
                            d in STAGGERED:
                        continue
                    sp = simulated_power(null, mine, alpha=alpha)
                    rows.append({**row, "design": d, "simulated_power": sp.power})
        log.info("pilot evaluation: power for %s done (placebo pilots of %s sites), %.0fs",
                 outcome, "/".join(map(str, sizes)), time.perf_counter() - started)
    return pd.DataFrame(rows)


def run_pilot_study(overrides: Sequence[str] = ("reform=one_door",),
                    designs: Sequence[str] = ("random", "readiness", "stepped_wedge"),
                    seeds: Iterable[int] = range(10), out_dir: str | Path | None = None,
                    period_days: int = 28, processes: int = 1, forecast_members: int = 0,
                    **evaluate_kwargs) -> PilotStudy:
    """Run the worlds and designs in-process, then :func:`evaluate` them.

    Args:
        overrides: Hydra overrides shared by every run (the reform, its parameters, the
            pilot's start day and sites, ``sim.*``).
        designs: Pilot designs (config group ``pilot``) to compare.
        seeds: Seeds (replicate pilots).
        out_dir: If given, each run's folder is written under it, and the study's tables and
            report too.
        period_days: Days per evaluation period.
        processes: Worker processes for the runs (one job a seed: its worlds share their
            days before the pilot starts, :mod:`pilotsim.plugins.forking`; with fewer seeds
            than processes, each seed's worlds are split between jobs: :func:`seed_jobs`).
        forecast_members: If > 0, forecast every pilot's full rollout from its data with an
            ensemble of this many worlds from the overrides' ``uncertainty:`` priors
            (:func:`pilotsim.analysis.pilots.forecast.forecast_study`).
        **evaluate_kwargs: Passed to :func:`evaluate`.
    """
    jobs = seed_jobs(overrides, seeds, (*WORLDS, *designs),
                     None if out_dir is None else Path(out_dir) / "runs", processes)
    if processes > 1:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        # spawn, not fork: the parent may hold threads (Arrow, DuckDB) a fork would copy
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(processes, mp_context=context) as pool:
            runs = [r for seed_runs in pool.map(_run_seed, jobs) for r in seed_runs]
    else:
        runs = [r for j in jobs for r in _run_seed(j)]
    study = evaluate(runs, period_days=period_days, **evaluate_kwargs)
    if forecast_members > 0:
        from omegaconf import OmegaConf

        config = OmegaConf.to_container(compose(list(overrides)), resolve=True)
        add_forecasts(study, runs, config, ForecastSettings(
            members=forecast_members, period_days=period_days, processes=processes,
            warmup_days=evaluate_kwargs.get("warmup_days", 28)))
    if out_dir is not None:
        write_study(study, Path(out_dir))
    return study


def seed_jobs(overrides: Sequence[str], seeds: Iterable[int], worlds: Sequence[str],
              runs_dir: Path | None, processes: int = 1
              ) -> list[tuple[list[str], int, tuple[str, ...], Path | None]]:
    """The study's jobs: each seed's worlds, in order, split so that every process has one.

    A job's worlds simulate the days they share once (:func:`_run_seed`), so a seed is one job
    while there are at least as many seeds as processes. With fewer (one seed on two
    processes), each seed's worlds are split into that many contiguous parts, as even as they
    go: each part simulates the shared days again, but the processes are not left idle. A
    world's tables are the same in any part (the forking proof, ``tests/pilots``).

    Returns:
        ``(overrides, seed, worlds, runs_dir)`` for :func:`_run_seed`, seed by seed and the
        worlds in ``worlds`` order, so the runs come back in the order of one job a seed.
    """
    seeds = list(seeds)
    parts = max(1, min(len(worlds), -(-processes // max(len(seeds), 1))))
    return [(list(overrides), s, tuple(worlds[i] for i in part.tolist()), runs_dir)
            for s in seeds for part in np.array_split(np.arange(len(worlds)), parts)]


def _run_seed(job: tuple[list[str], int, Sequence[str], Path | None]) -> list[PilotRun]:
    """One seed's worlds (``none``, ``everywhere``, designs), the days they share run once.

    ``job``: the study's overrides, the seed, the worlds (values of ``pilot``) and the folder
    the runs' folders go under (``<world>_seed<seed>``), or None
    (:func:`pilotsim.plugins.forking.run_worlds`).
    """
    logging.getLogger("MESA").setLevel(logging.WARNING)
    overrides, s, worlds, runs_dir = job
    folders = [None if runs_dir is None else runs_dir / f"{d}_seed{s}" for d in worlds]
    results = forking.run_worlds([compose([*overrides, f"pilot={d}", f"seed={s}"])
                                  for d in worlds], folders)
    return [PilotRun(s, d, dict(r.metadata["treatment"]), r.site_days, f)
            for d, r, f in zip(worlds, results, folders, strict=True)]
