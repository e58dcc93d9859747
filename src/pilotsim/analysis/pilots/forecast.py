"""From a pilot's data to a forecast of the full rollout, with an interval.

A difference-in-differences answers "what did the pilot do at its sites". A planner asks
"what will rollout do everywhere" — and the two differ by the pilot's spillover, its scale-up
(a small new centre is not the city's pooled one) and its site selection. The simulator knows
how those terms depend on what we do not know about the world (the ``uncertainty:``
declarations, the same priors the calibration uses), so it can turn the pilot's data into a
forecast of the rollout:

1. **Ensemble** (:func:`simulate_ensemble`): ``members`` worlds drawn from the prior by a
   Latin hypercube (:class:`~pilotsim.spec.uncertainty.Uncertainty`, design ``lhs``), each run
   with its own seed as the world without the reform (``pilot=none``), with full rollout
   (``pilot=everywhere``) and as the pilot (its design, or the real pilot's sites and start
   day: ``pilot=fixed``). Each member gives the pilot's *summaries* (below) and its
   full-rollout effect (everywhere − none, all sites, post periods: the study's truth).
2. **Summaries** (:func:`pilot_summaries`): what an evaluator computes from the pilot's
   ``site_days`` — the TWFE DiD estimate and the pre-pilot level of trips per case, mean
   wait and wasted trips per case (28-day periods after a 28-day warm-up, as the study).
3. **Forecast** (:func:`forecast`): ABC with local-linear regression adjustment (Beaumont,
   Zhang & Balding 2002): the members whose summaries are nearest the observed ones (all of
   them by default, ``accept = 1``) are kept, the rollout effect is regressed on their
   standardised summaries (statsmodels OLS), and the forecast is the regression's prediction
   at the observed summaries. Its interval is the jackknife interval (Barber et al. 2021):
   ± the members' leave-one-out residuals' level quantile — the rollout uncertainty the
   pilot does not resolve, seed noise included, and the regression's own error, measured
   out of sample. The regression learns, across worlds, how the pilot's numbers map to the
   rollout's, scale-up and site selection included.

One ensemble serves every replicate pilot of a design (and every pilot with the same sites),
so a study's forecasts cost ``members × (2 + designs)`` runs, not a calibration per pilot.
:func:`forecast_pilot` is the whole path for a real pilot's CSV (validated by
:func:`read_site_days`); :func:`forecast_study` adds forecasts to a pilot study and scores them
against the simulated truth beside the DiD estimators. docs/pilots.md argues the method.
"""

from __future__ import annotations

import copy
import logging
import math
import os
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from pilotsim.analysis.evaluation import build_panel, true_effects, twfe
from pilotsim.analysis.evaluation.panel import SITE_DAYS_COLUMNS
from pilotsim.plugins import forking
from pilotsim.spec import RunSpec
from pilotsim.spec.compose import compose
from pilotsim.spec.schema import SpecError
from pilotsim.spec.uncertainty import Uncertainty

log = logging.getLogger("pilotsim.analysis.pilots")

FORECAST_OUTCOMES: tuple[str, ...] = ("trips_per_case", "wait_min")
"""The rollout effects forecast (outcome columns of the evaluation panel)."""
SUMMARY_OUTCOMES: tuple[str, ...] = ("trips_per_case", "wait_min", "wasted_trips_per_case")
"""Outcomes whose DiD estimate and pre-pilot level summarise a pilot's data."""
MEMBER_SEED = 1_000_000
"""Members run with seeds ``MEMBER_SEED + k``: never a study's replicate seeds (0, 1, …)."""
_COUNTS = ("cases_opened", "cases_closed", "cases_completed", "cases_abandoned",
           "one_trip_cases", "trips", "wasted_trips")


@dataclass(frozen=True)
class ForecastSettings:
    """How the forecast is made.

    Attributes:
        members: Worlds in the ensemble (each is 2 + designs runs).
        seed: Seed of the Latin hypercube over the prior.
        level: Level of the forecast interval (0.9: a 90% interval).
        accept: Share of members nearest the observed summaries kept for the regression
            (1: all; the regression does the conditioning).
        period_days: Days per evaluation period.
        warmup_days: Days dropped at the start of every run (the start-up transient).
        processes: Worker processes for the members' runs.
        summaries: The summary columns the regression uses (None: all of
            :func:`pilot_summaries`'); fewer suit a small ensemble (each costs a degree of
            freedom).
    """

    members: int = 40
    seed: int = 0
    level: float = 0.9
    accept: float = 1.0
    period_days: int = 28
    warmup_days: int = 28
    processes: int = 1
    summaries: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        known = [f"{k}_{o}" for o in SUMMARY_OUTCOMES for k in ("did", "pre")]
        for name in self.summaries or ():
            if name not in known:
                raise SpecError("forecast.summaries", name, "one of " + ", ".join(known))
        if self.summaries is not None and not self.summaries:
            raise SpecError("forecast.summaries", self.summaries, "at least one summary")
        n_summaries = len(self.summaries or known)
        for key, low in (("members", n_summaries + 4), ("seed", 0),
                         ("period_days", 1), ("warmup_days", 0), ("processes", 1)):
            v = getattr(self, key)
            if isinstance(v, bool) or not isinstance(v, int) or v < low:
                raise SpecError(f"forecast.{key}", v, f"an integer >= {low}")
        if not (isinstance(self.level, float) and 0 < self.level < 1):
            raise SpecError("forecast.level", self.level, "a number in (0, 1), e.g. 0.9")
        if not (isinstance(self.accept, int | float) and 0 < self.accept <= 1):
            raise SpecError("forecast.accept", self.accept, "a share in (0, 1]")


# --- observed data -------------------------------------------------------------------------

def read_site_days(source: str | Path | pd.DataFrame, *,
                   communities: Sequence[str] | None = None,
                   name: str | None = None) -> pd.DataFrame:
    """A pilot's ``site_days`` table (a CSV path or a frame), checked before anything runs.

    The columns are the run folder's ``site_days`` (one row per community and day; see
    docs/pilots.md): ``day, community, district``, the day's counts (``cases_opened``,
    ``cases_closed``, ``cases_completed``, ``cases_abandoned``, ``one_trip_cases``,
    ``trips``, ``wasted_trips``), ``wait_min_mean`` (empty on days without a visit) and
    ``satisfaction_mean`` (empty on days without a closed case).

    Args:
        source: The CSV file, or a DataFrame with those columns.
        communities: The world's communities; if given, the table must have exactly these.
        name: How errors name the table (default: the file, or ``site_days``).

    Returns:
        The table with ``day`` and the counts as integers and ``community`` as strings.

    Raises:
        SpecError: naming the file, row (1 = header) and column, the value and what was
            expected: a missing column, a non-integer or negative day or count, a
            non-numeric wait, a duplicate (community, day), a community that is not in the
            world, or a community without every day.
    """
    if isinstance(source, pd.DataFrame):
        df, where = source.copy(), name or "site_days"
    else:
        path = Path(source)
        where = name or str(path)
        if not path.is_file():
            raise SpecError(where, str(path), "a CSV file of the pilot's site_days")
        try:
            df = pd.read_csv(path, dtype={"community": str, "district": str})
        except (OSError, ValueError, pd.errors.ParserError) as e:
            raise SpecError(where, str(path), f"a readable CSV ({e})") from None
    missing = [c for c in SITE_DAYS_COLUMNS if c not in df.columns]
    if missing:
        raise SpecError(f"{where}: column {missing[0]}", None,
                        "the site_days columns " + ", ".join(SITE_DAYS_COLUMNS))
    if df.empty:
        raise SpecError(where, "no rows", "one row per community and day")
    df = df.reset_index(drop=True)

    def bad(col: str, mask: np.ndarray, expected: str) -> None:
        i = int(np.flatnonzero(mask)[0])
        raise SpecError(f"{where}: row {i + 2}, column {col}", df[col].iloc[i], expected)

    for col in ("day", *_COUNTS):
        x = pd.to_numeric(df[col], errors="coerce").to_numpy(float)
        ok = np.isfinite(x) & (x >= 0) & (x == np.round(x))
        if not ok.all():
            bad(col, ~ok, "a whole number >= 0")
        df[col] = x.astype("int64")
    for col, low, high in (("wait_min_mean", 0.0, math.inf), ("satisfaction_mean", 0.0, 100.0)):
        x = pd.to_numeric(df[col], errors="coerce").to_numpy(float)
        text = df[col].notna().to_numpy() & ~np.isfinite(x)  # a value that is not a number
        if text.any():
            bad(col, text, "a number (or empty on a day without one)")
        out_of = np.isfinite(x) & ((x < low) | (x > high))
        if out_of.any():
            bad(col, out_of, f"a number in [{low:g}, {high:g}]")
        df[col] = x
    for col in ("community", "district"):
        empty = df[col].isna().to_numpy() | (df[col].astype(str).str.strip() == "").to_numpy()
        if empty.any():
            bad(col, empty, "a name")
        df[col] = df[col].astype(str)
    dup = df.duplicated(["community", "day"]).to_numpy()
    if dup.any():
        bad("day", dup, "one row per community and day (this pair appears twice)")
    if communities is not None:
        known = set(communities)
        unknown = ~df["community"].isin(known).to_numpy()
        if unknown.any():
            bad("community", unknown, "a community of the world: " + ", ".join(sorted(known)))
        absent = sorted(known - set(df["community"]))
        if absent:
            raise SpecError(f"{where}: column community", absent[0],
                            "rows for every community of the world (this one has none)")
    days = df.groupby("community")["day"].nunique()
    span = int(df["day"].max() - df["day"].min() + 1)
    short = days[days < span]
    if len(short):
        raise SpecError(f"{where}: community {short.index[0]}", f"{int(short.iloc[0])} days",
                        f"every day from {int(df['day'].min())} to {int(df['day'].max())} "
                        f"({span} days)")
    return df


def _check_schedule(schedule: Mapping[str, int | None], site_days: pd.DataFrame,
                    settings: ForecastSettings) -> dict[str, int | None]:
    sites = set(site_days["community"])
    first, last = int(site_days["day"].min()), int(site_days["day"].max())
    origin = first + settings.warmup_days
    out: dict[str, int | None] = {}
    if not isinstance(schedule, Mapping):
        raise SpecError("schedule", schedule, "a mapping {community: first treated day}")
    for site, day in schedule.items():
        if site not in sites:
            raise SpecError(f"schedule.{site}", day, "a community of the site_days table: "
                            + ", ".join(sorted(sites)))
        if day is None:
            out[site] = None
            continue
        if isinstance(day, bool) or not isinstance(day, int | np.integer) or \
                not origin + settings.period_days <= day <= last:
            raise SpecError(f"schedule.{site}", day,
                            f"a day from {origin + settings.period_days} (one "
                            f"{settings.period_days}-day period after the {settings.warmup_days}"
                            f"-day warm-up) to {last}, or null")
        if (day - origin) % settings.period_days:
            raise SpecError(f"schedule.{site}", day,
                            f"a period boundary: {origin} + a multiple of "
                            f"{settings.period_days} (periods after the warm-up)")
        out[site] = int(day)
    if not any(d is not None for d in out.values()):
        raise SpecError("schedule", dict(schedule), "at least one pilot site with a start day")
    if all(out.get(s) is not None for s in sites) and len(set(out.values())) == 1:
        raise SpecError("schedule", dict(schedule),
                        "comparison sites: sites never treated, or treated later")
    return out


# --- summaries -----------------------------------------------------------------------------

def _panel(site_days: pd.DataFrame, schedule: Mapping[str, int | None],
           settings: ForecastSettings) -> pd.DataFrame:
    import warnings

    origin = int(site_days["day"].min()) + settings.warmup_days
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a trailing incomplete period is dropped, as in study
        return build_panel(site_days, schedule, settings.period_days, origin_day=origin).data


def pilot_summaries(site_days: pd.DataFrame, schedule: Mapping[str, int | None],
                    settings: ForecastSettings = ForecastSettings()) -> dict[str, float]:
    """What an evaluator computes from a pilot's ``site_days``: the numbers it is judged by.

    For each of :data:`SUMMARY_OUTCOMES`: ``did_<outcome>``, the two-way fixed-effects DiD
    estimate (site and period effects, sites unweighted, as the study's), and
    ``pre_<outcome>``, the mean over sites and pre-pilot periods (how the world runs without
    the reform: what tells worlds with more wrong offices or forgotten documents apart).
    """
    panel = _panel(site_days, schedule, settings)
    first = panel["first_treated_period"].min()
    pre = panel[panel["period"] < first]
    out = {}
    for o in SUMMARY_OUTCOMES:
        out[f"did_{o}"] = float(twfe(panel, o).estimate)
        out[f"pre_{o}"] = float(pre[o].mean())
    return out


def rollout_effects(none: pd.DataFrame, everywhere: pd.DataFrame,
                    schedule_everywhere: Mapping[str, int | None],
                    settings: ForecastSettings = ForecastSettings()) -> dict[str, float]:
    """The full-rollout effect per forecast outcome (everywhere − none; the study's truth)."""
    p_none = _panel(none, {}, settings)
    p_every = _panel(everywhere, schedule_everywhere, settings)
    return {o: float(true_effects(p_none, p_every, o, pilot_first_treated={}).full_rollout)
            for o in FORECAST_OUTCOMES}


# --- the ensemble --------------------------------------------------------------------------

def prior_section(config: Mapping[str, Any], members: int, seed: int) -> dict[str, Any]:
    """The ``uncertainty:`` section the members are drawn from: the config's priors, LHS.

    Raises:
        SpecError: if the config declares no uncertain parameters.
    """
    section = dict(config.get("uncertainty") or {})
    unc = Uncertainty.from_config(section)
    if not unc.parameters:
        raise SpecError("uncertainty.parameters", None,
                        "at least one uncertain parameter: the priors the pilot updates "
                        "(e.g. uncertainty=default_district)")
    out = {"design": "lhs", "samples": members, "seed": seed,
           "parameters": copy.deepcopy(dict(section["parameters"]))}
    if unc.design == "ensemble":  # a calibrated world: its posterior is the prior here
        out = {"design": "ensemble", "ensemble": unc.ensemble, "samples": members,
               "seed": seed, "parameters": copy.deepcopy(dict(section.get("parameters") or
                                                             {}))}
    Uncertainty.from_config(out)
    return out


def _member(job: tuple[dict[str, Any], int, dict[str, dict[str, Any]], ForecastSettings]
            ) -> list[dict[str, Any]]:
    """Run one member's worlds and pilots; its rollout effects and each pilot's summaries.

    The worlds share their days before the first start of any (a pilot's, the rollout's):
    those days are simulated once (:mod:`pilotsim.plugins.forking`).
    """
    logging.getLogger("MESA").setLevel(logging.WARNING)

    base, k, pilots, settings = job

    def config(pilot: Mapping[str, Any]) -> dict[str, Any]:
        cfg = copy.deepcopy(base)
        cfg["pilot"] = {**cfg.get("pilot", {}), **pilot}
        cfg["world"] = k
        cfg["seed"] = MEMBER_SEED + k
        cfg["output"] = {**cfg.get("output", {}), "write": False, "summary": False}
        return cfg

    # the member's worlds share their days before the first pilot starts: run those once
    worlds = [{"design": "none"}, {"design": "everywhere"}, *pilots.values()]
    none, every, *runs = forking.run_worlds([config(p) for p in worlds])
    values = none.metadata["world"]["values"]
    truth = rollout_effects(none.site_days, every.site_days,
                            dict(every.metadata["treatment"]), settings)
    rows = []
    for label, r in zip(pilots, runs, strict=True):
        site_days, schedule = r.site_days, dict(r.metadata["treatment"])
        rows.append({"member": k, "design": label, "seed": MEMBER_SEED + k,
                     **{f"param:{key}": v for key, v in values.items()},
                     **pilot_summaries(site_days, schedule, settings),
                     **{f"rollout_{o}": v for o, v in truth.items()}})
    return rows


def simulate_ensemble(config: Mapping[str, Any], pilots: Mapping[str, Mapping[str, Any]],
                      settings: ForecastSettings = ForecastSettings()) -> pd.DataFrame:
    """Run the ensemble: ``settings.members`` worlds from the config's priors.

    Args:
        config: The plain config of the pilot's world (the reform and its parameters, the
            pilot's start day, ``sim.*``) with an ``uncertainty:`` section (the priors).
        pilots: Label → ``pilot:`` settings of each pilot the members run, e.g.
            ``{"random": {"design": "random"}}`` or, for a real pilot's sites,
            ``{"fixed": {"design": "fixed", "site_names": [...], "start_day": 84}}``.
        settings: Members, seed, periods, processes.

    Returns:
        One row per member and pilot: ``member, design, seed``, the member's parameter
        values (``param:KEY``), the pilot's summaries (:func:`pilot_summaries`) and its
        rollout effects (``rollout_<outcome>``).
    """
    base = copy.deepcopy(dict(config))
    base["uncertainty"] = prior_section(base, settings.members, settings.seed)
    base.pop("hydra", None)
    jobs = [(base, k, {str(n): dict(p) for n, p in pilots.items()}, settings)
            for k in range(settings.members)]
    started = time.perf_counter()
    rows: list[dict[str, Any]] = []
    log.info("pilot forecast: ensemble of %d worlds × %d runs", settings.members,
             2 + len(pilots))
    if settings.processes > 1:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        # spawn, not fork: the parent may hold threads (Arrow, DuckDB) a fork would copy
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(settings.processes, mp_context=context) as pool:
            results = pool.map(_member, jobs)
            for i, r in enumerate(results):
                rows.extend(r)
                _progress(i + 1, settings.members, started)
    else:
        for i, job in enumerate(jobs):
            rows.extend(_member(job))
            _progress(i + 1, settings.members, started)
    return pd.DataFrame(rows)


def _progress(done: int, total: int, started: float) -> None:
    step = max(1, total // 8)
    if done % step == 0 or done == total:
        log.info("pilot forecast: %d/%d worlds simulated, %.0fs", done, total,
                 time.perf_counter() - started)


# --- the forecast --------------------------------------------------------------------------

def summary_columns(ensemble: pd.DataFrame, only: Sequence[str] | None = None) -> list[str]:
    """The summary columns of an ensemble table (``did_*``, ``pre_*``; or those in ``only``)."""
    return [c for c in ensemble.columns if c.startswith(("did_", "pre_"))
            and (only is None or c in only)]


def forecast(observed: Mapping[str, float], ensemble: pd.DataFrame,
             settings: ForecastSettings = ForecastSettings(),
             outcomes: Sequence[str] = FORECAST_OUTCOMES) -> pd.DataFrame:
    """Forecast the rollout effects from a pilot's summaries and one pilot's ensemble.

    ABC with local-linear regression adjustment (Beaumont et al. 2002): summaries are
    standardised by their SD across members; the ``accept`` share of members nearest the
    observed summaries (Euclidean) is kept; the rollout effect is regressed on their
    summaries (OLS, statsmodels); the forecast is the prediction at the observed summaries and
    the interval is the jackknife interval (Barber et al. 2021): the forecast ± the
    ⌈level·(n + 1)⌉-th smallest of the members' absolute leave-one-out residuals.

    Args:
        observed: The pilot's summaries (:func:`pilot_summaries`).
        ensemble: The members of one pilot (rows of :func:`simulate_ensemble` with one
            ``design``).
        settings: Level and accept share.
        outcomes: The rollout effects to forecast.

    Returns:
        One row per outcome: ``outcome, forecast, ci_low, ci_high, level, members,
        accepted, r2, loo_sd`` (the root mean square leave-one-out residual: what the pilot
        leaves unexplained, as a forecast error).

    Raises:
        SpecError: if a summary is missing or not finite, or the ensemble is too small.
    """
    import statsmodels.api as sm

    cols = summary_columns(ensemble, settings.summaries)
    for c in cols:
        v = observed.get(c)
        if v is None or not np.isfinite(v):
            raise SpecError(f"observed.{c}", v, "a finite summary of the pilot's data")
    ens = ensemble.dropna(subset=cols)
    x = ens[cols].to_numpy(float)
    scale = x.std(axis=0, ddof=1)
    keep = scale > 0  # a summary constant across members carries no information
    x_obs = np.array([observed[c] for c in cols], float)
    z = (x[:, keep] - x_obs[keep]) / scale[keep]
    n_acc = max(math.ceil(settings.accept * len(ens)), int(keep.sum()) + 3)
    if len(ens) < n_acc:
        raise SpecError("forecast.members", len(ens),
                        f"at least {n_acc} members with finite summaries")
    nearest = np.argsort(np.sqrt((z**2).sum(axis=1)), kind="stable")[:n_acc]
    design = sm.add_constant(z[nearest], has_constant="add")
    point = np.zeros((1, design.shape[1]))
    point[0, 0] = 1.0  # the observed summaries are the origin of z
    rows = []
    for o in outcomes:
        y = ens[f"rollout_{o}"].to_numpy(float)[nearest]
        ok = np.isfinite(y)
        fit = sm.OLS(y[ok], design[ok]).fit()
        center = float(fit.predict(point)[0])
        # leave-one-out residuals: each member's error when the regression is fitted without
        # it, so an over-fitted regression (few members, several summaries) widens the
        # interval instead of hiding in a small in-sample residual
        press = np.abs(fit.get_influence().resid_press)
        half = _conformal_quantile(press, settings.level)
        rows.append({"outcome": o, "forecast": center, "ci_low": center - half,
                     "ci_high": center + half, "level": settings.level,
                     "members": len(ensemble), "accepted": int(ok.sum()),
                     "r2": float(fit.rsquared), "loo_sd": float(np.sqrt(np.mean(press**2)))})
    return pd.DataFrame(rows)


def _conformal_quantile(residuals: np.ndarray, level: float) -> float:
    """The jackknife interval's half-width: the ⌈level·(n + 1)⌉-th smallest |residual|.

    The finite-sample rank of split conformal prediction (Barber et al. 2021, "jackknife"):
    with n exchangeable residuals it covers a new one with probability at least ``level``;
    too few residuals for that rank give an unbounded interval rather than a false one.
    """
    r = np.sort(residuals[np.isfinite(residuals)])
    k = math.ceil(level * (len(r) + 1))
    return float(r[k - 1]) if k <= len(r) else math.inf


@dataclass
class PilotForecast:
    """A real pilot's forecast (:func:`forecast_pilot`).

    Attributes:
        table: One row per outcome (:func:`forecast`'s columns) and the pilot's DiD
            estimate beside it (``did``).
        summaries: The pilot's summaries.
        ensemble: The ensemble it was read against.
        config: The plain config the members ran (before each member's world, seed and
            pilot design were set).
    """

    table: pd.DataFrame
    summaries: dict[str, float]
    ensemble: pd.DataFrame
    config: dict[str, Any]


def _plain(overrides: Sequence[str]) -> dict[str, Any]:
    from omegaconf import OmegaConf

    cfg = OmegaConf.to_container(compose(list(overrides)), resolve=True)
    cfg.pop("hydra", None)
    RunSpec.from_config(cfg)
    return cfg


def fixed_pilot(schedule: Mapping[str, int | None]) -> dict[str, Any]:
    """The ``pilot:`` settings that put the reform where and when a real pilot did.

    Raises:
        SpecError: if the pilot sites started on different days (a staggered pilot: give
            :func:`simulate_ensemble` its design instead).
    """
    started = {s: d for s, d in schedule.items() if d is not None}
    days = sorted(set(started.values()))
    if len(days) != 1:
        raise SpecError("schedule", dict(schedule),
                        "one start day for every pilot site (for a staggered pilot, simulate "
                        "the ensemble with its design: simulate_ensemble)")
    return {"design": "fixed", "site_names": sorted(started), "start_day": days[0]}


def forecast_pilot(site_days: str | Path | pd.DataFrame, schedule: Mapping[str, int | None],
                   world: Sequence[str] | Mapping[str, Any] = ("reform=one_door",
                                                               "uncertainty=default_district"),
                   settings: ForecastSettings = ForecastSettings()) -> PilotForecast:
    """Forecast the full rollout from a (real or simulated) pilot's ``site_days``.

    Args:
        site_days: The pilot's table: a CSV (validated by :func:`read_site_days`) or a frame,
            pilot and comparison communities, every day of the pilot's weeks from before it
            started (warm-up and at least one pre-period).
        schedule: Community → the day the reform reached it (null or absent: a comparison
            site).
        world: The pilotsim overrides of the world the pilot ran in (or its plain config):
            the reform and its parameters, ``city=…``, ``sim.sample_fraction``, and the priors
            (``uncertainty=default_district``, or a calibration's ``uncertainty=calibrated
            uncertainty.ensemble=…``). ``sim.days`` is set to the table's days.
        settings: Members, seed, level, processes.

    Returns:
        The forecast per outcome beside the pilot's DiD estimate.

    Raises:
        SpecError: naming the bad input (file row and column, schedule entry, config key)
            before any simulation.
    """
    config = copy.deepcopy(dict(world)) if isinstance(world, Mapping) else _plain([*world])

    spec = RunSpec.from_config(config)
    communities = list(spec.city.communities)
    observed = read_site_days(site_days, communities=communities)
    if int(observed["day"].min()) != 0:
        raise SpecError("site_days: column day", int(observed["day"].min()),
                        "the first day of the pilot's table to be day 0 (the day the world "
                        "starts; the first warm-up days are dropped)")
    sched = _check_schedule({str(k): v for k, v in schedule.items()}, observed, settings)
    pilot = fixed_pilot(sched)
    config["sim"] = {**config["sim"], "days": int(observed["day"].max()) + 1}
    # full rollout from the day the pilot started: the rollout effect over the pilot's weeks
    config["pilot"] = {**config.get("pilot", {}), "start_day": pilot["start_day"]}
    prior_section(config, settings.members, settings.seed)  # the priors exist, before runs
    summaries = pilot_summaries(observed, sched, settings)
    ensemble = simulate_ensemble(config, {"fixed": pilot}, settings)
    table = forecast(summaries, ensemble, settings)
    table["did"] = [summaries[f"did_{o}"] for o in table["outcome"]]
    return PilotForecast(table, summaries, ensemble, config)


# --- forecasts in a pilot study ------------------------------------------------------------

def forecast_study(study: Any, runs: Sequence[Any], config: Mapping[str, Any],
                   settings: ForecastSettings = ForecastSettings(),
                   cache: Path | None = None
                   ) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Forecast every replicate pilot of a study and score the forecasts on the truth.

    One ensemble per study: every member runs the worlds and each design the study ran
    (with the design's own site choice, from the member's seed), so a design's forecasts
    condition on that design's pilot data.

    Args:
        study: The :class:`~pilotsim.analysis.pilots.study.PilotStudy` of ``runs``.
        runs: The study's runs (:class:`~pilotsim.analysis.pilots.study.PilotRun`).
        config: The plain config the study's runs used (with the priors under
            ``uncertainty:``; ``pilot`` and ``seed`` are set per run).
        settings: Members, seed, level, processes.
        cache: A CSV to keep the ensemble in: reused when it was made from the same config,
            designs and settings (a rewritten report, a resumed sweep), rewritten otherwise.

    Returns:
        ``forecasts`` (design, outcome, seed, forecast, ci_low, ci_high, level, r2,
        loo_sd, truth), ``assessment`` (:func:`assess_forecasts`) and the ensemble.
    """
    designs = sorted(study.estimates["design"].unique())
    pilots = {d: {"design": d} for d in designs}
    ensemble = _cached_ensemble(cache, config, pilots, settings)
    rows = []
    truth = study.truth.set_index(["design", "outcome", "seed"])["full_rollout"]
    for run in runs:
        if run.design not in designs:
            continue
        s = pilot_summaries(run.site_days, run.schedule, settings)
        f = forecast(s, ensemble[ensemble["design"] == run.design], settings)
        for r in f.itertuples():
            rows.append({"design": run.design, "outcome": r.outcome, "seed": run.seed,
                         "forecast": r.forecast, "ci_low": r.ci_low, "ci_high": r.ci_high,
                         "level": r.level, "r2": r.r2, "loo_sd": r.loo_sd,
                         "truth": truth.get((run.design, r.outcome, run.seed), np.nan)})
    forecasts = pd.DataFrame(rows).sort_values(["design", "outcome", "seed"],
                                               ignore_index=True)
    return forecasts, assess_forecasts(forecasts, study.estimates, settings.level), ensemble


def _cached_ensemble(cache: Path | None, config: Mapping[str, Any],
                     pilots: Mapping[str, Mapping[str, Any]],
                     settings: ForecastSettings) -> pd.DataFrame:
    """The ensemble from ``cache`` if it was made from the same inputs, else simulated."""
    import hashlib
    import json

    key = {k: v for k, v in config.items() if k not in ("seed", "world", "arm", "output",
                                                        "compare", "hydra")}
    key["pilot"] = {k: v for k, v in (config.get("pilot") or {}).items() if k != "design"}
    digest = hashlib.sha256(json.dumps(
        [key, {n: dict(p) for n, p in pilots.items()}, settings.members, settings.seed,
         settings.period_days, settings.warmup_days], sort_keys=True, default=str
    ).encode()).hexdigest()[:16]
    if cache is not None and cache.is_file():
        old = pd.read_csv(cache)
        if "inputs" in old and (old["inputs"] == digest).all():
            log.info("pilot forecast: ensemble reused from %s", cache)
            return old.drop(columns="inputs")
    ensemble = simulate_ensemble(config, pilots, settings)
    if cache is not None:
        cache.parent.mkdir(parents=True, exist_ok=True)
        ensemble.assign(inputs=digest).to_csv(cache, index=False)
    return ensemble


def add_forecasts(study: Any, runs: Sequence[Any], config: Mapping[str, Any],
                  settings: ForecastSettings = ForecastSettings(),
                  cache: Path | None = None) -> None:
    """Run :func:`forecast_study` and keep its tables on the study.

    They go to ``study.forecasts`` and ``study.forecast_assessment``, where
    :func:`pilotsim.analysis.pilots.report.write_study` reports them.
    """
    forecasts, assessment, _ = forecast_study(study, runs, config, settings, cache)
    study.forecasts, study.forecast_assessment = forecasts, assessment


def _mcse(x: pd.Series) -> float:
    return float(x.std(ddof=1) / np.sqrt(len(x))) if len(x) > 1 else float("nan")


def assess_forecasts(forecasts: pd.DataFrame, estimates: pd.DataFrame,
                     level: float = 0.9) -> pd.DataFrame:
    """Bias and interval coverage of the forecasts and of each DiD estimator, on the truth.

    The DiD estimate is read as the evaluator's extrapolation (the pilot's effect, taken for
    the rollout's); its ``level`` interval is estimate ± t(sites − 1) × its cluster-robust SE,
    the interval the study's evaluator reports, at the forecast's level.

    Returns:
        One row per design, outcome and method (``forecast`` or the DiD estimator):
        ``n_reps, mean_estimate, truth, bias, mcse_bias, rmse, coverage, mcse_coverage,
        mean_width``, and ``best_did`` (True on the DiD estimator with the smallest |bias|
        for that design and outcome).
    """
    truth = forecasts.set_index(["design", "outcome", "seed"])["truth"]
    did = estimates[estimates["outcome"].isin(forecasts["outcome"].unique())].copy()
    did["truth"] = [truth.get(k, np.nan) for k in
                    zip(did["design"], did["outcome"], did["seed"], strict=True)]
    t = stats.t.ppf(0.5 + level / 2, np.maximum(did["n_sites"].to_numpy(float) - 1, 1))
    did["ci_low"] = did["estimate"] - t * did["se"]
    did["ci_high"] = did["estimate"] + t * did["se"]
    both = pd.concat([forecasts.rename(columns={"forecast": "estimate"})
                      .assign(method="forecast"), did], ignore_index=True)
    both = both[both["truth"].notna() & both["estimate"].notna()]
    rows = []
    for (d, o, m), g in both.groupby(["design", "outcome", "method"], sort=True):
        err = g["estimate"] - g["truth"]
        cov = ((g["ci_low"] <= g["truth"]) & (g["truth"] <= g["ci_high"])).astype(float)
        n = len(g)
        rows.append({"design": d, "outcome": o, "method": m, "n_reps": n,
                     "mean_estimate": g["estimate"].mean(), "truth": g["truth"].mean(),
                     "bias": err.mean(), "mcse_bias": _mcse(err),
                     "rmse": float(np.sqrt((err**2).mean())), "coverage": cov.mean(),
                     "mcse_coverage": float(np.sqrt(cov.mean() * (1 - cov.mean()) / n)),
                     "mean_width": (g["ci_high"] - g["ci_low"]).mean()})
    out = pd.DataFrame(rows)
    out["best_did"] = False
    dids = out[out["method"] != "forecast"]
    if len(dids):
        best = dids.assign(_a=dids["bias"].abs()).sort_values("_a").groupby(
            ["design", "outcome"]).head(1).index
        out.loc[best, "best_did"] = True
    return out


def default_processes() -> int:
    """The cores this process may use (the members' worker processes)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not on Linux
        return max(1, os.cpu_count() or 1)
