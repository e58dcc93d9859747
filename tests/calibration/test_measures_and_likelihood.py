"""The targets' measures from a run equal hand computations on its tables; the likelihood is
largest at the generating run's own figures; the shipped example KPIs are that run's."""

import csv
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from pilotsim.analysis.calibration import cli as targets_cli
from pilotsim.analysis.calibration.likelihood import log_likelihood, total
from pilotsim.analysis.calibration.measures import run_measures, simulated_measures
from pilotsim.analysis.calibration.targets import read_targets
from pilotsim.app import api

from .conftest import GENERATING, KPIS


def _hand(cases: pd.DataFrame, visits: pd.DataFrame, first: int, last: int) -> dict:
    """The example's figures computed by hand, another way than the module does."""
    c = cases.astype({"profile": str, "district": str, "community": str, "status": str,
                      "channel": str})
    closed = c[c["day_closed"].notna() & (c["day_closed"] >= first) & (c["day_closed"] <= last)]
    v = visits[(visits["day"] >= first) & (visits["day"] <= last)]
    v = v.merge(c[["case_id", "profile"]], on="case_id")
    months = (last - first + 1) / (365.25 / 12)
    done = closed[closed["status"] == "completed"]
    elderly_done = done[done["profile"] == "elderly"]
    migrants = closed[closed["profile"] == "migrant_worker"]
    disabled = closed[closed["profile"] == "disabled"]
    opened = c[(c["day_opened"] >= first) & (c["day_opened"] <= last)]
    return {
        ("wait_mean_min", "all"): v["wait_min"].sum() / len(v),
        ("wait_mean_min", "office:north_service_hall"):
            v.loc[v["office"].astype(str) == "north_service_hall", "wait_min"].mean(),
        ("wait_mean_min", "office:market_bureau"):
            v.loc[v["office"].astype(str) == "market_bureau", "wait_min"].mean(),
        ("trips_per_case", "all"): closed["trips"].sum() / len(closed),
        ("trips_per_case", "community:harbour"):
            closed.loc[closed["community"] == "harbour", "trips"].mean(),
        ("one_trip_share", "all"): (done["trips"] <= 1).sum() / len(done),
        ("one_trip_share", "profile:elderly"): (elderly_done["trips"] <= 1).sum()
        / len(elderly_done),
        ("share_satisfied", "all"): (closed["satisfaction"] >= 60).sum() / len(closed),
        ("share_satisfied", "profile:migrant_worker"): (migrants["satisfaction"] >= 60).sum()
        / len(migrants),
        ("online_share", "all"): (closed["channel"] == "online").sum() / len(closed),
        ("abandonment_rate", "all"): (closed["status"] == "abandoned").sum() / len(closed),
        ("abandonment_rate", "profile:disabled"): (disabled["status"] == "abandoned").sum()
        / len(disabled),
        ("cases_per_month", "all"): len(opened) / months,
        ("cases_per_month", "district:south"): (opened["district"] == "south").sum() / months,
        ("visits_per_month", "office:south_police_station"):
            (v["office"].astype(str) == "south_police_station").sum() / months,
    }


def test_simulated_measures_equal_hand_computations(riverside_spec, generating_run):
    result, folder = generating_run
    targets = read_targets(KPIS, riverside_spec)
    table = run_measures(targets, folder, riverside_spec)
    hand = _hand(result.cases, result.visits, 60, 364)
    got = {(r.measure, r.group): r.simulated for r in table.itertuples()}
    assert set(got) == set(hand)
    for key, value in hand.items():
        assert got[key] == pytest.approx(value, rel=1e-12), key
    # a sample fraction scales counts back up to the district; shares are left alone
    half = result.cases[result.cases["resident_id"] % 2 == 0]
    spec = riverside_spec.__class__.from_config(api.compose([*GENERATING,
                                                             "sim.sample_fraction=0.5"]))
    scaled = simulated_measures(targets, half, result.visits, spec).set_index("row")
    plain = simulated_measures(targets, half, result.visits, riverside_spec).set_index("row")
    assert scaled.loc[14, "simulated"] == pytest.approx(2 * plain.loc[14, "simulated"])
    assert scaled.loc[7, "simulated"] == plain.loc[7, "simulated"]


def test_shipped_kpis_are_the_generating_runs_figures(tmp_path, generating_run):
    """The command in examples/riverside/README.md reproduces kpis.csv."""
    _, folder = generating_run
    out = tmp_path / "kpis.csv"
    proc = subprocess.run([sys.executable, "-m", "pilotsim.analysis.calibration.cli", str(KPIS),
                           str(folder), "--write", str(out)], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert out.read_text() == KPIS.read_text()


def test_likelihood_is_largest_at_the_generating_runs_figures(riverside_spec, generating_run):
    _, folder = generating_run
    targets = read_targets(KPIS, riverside_spec)
    own = log_likelihood(run_measures(targets, folder, riverside_spec))
    # the shipped figures are rounded to 6 significant digits: deviance ~0, z ~0
    assert own["deviance"].max() < 1e-6
    assert set(own["model"]) == {"normal", "binomial", "poisson"}
    # a row's log-likelihood at the simulated value = its maximum; moving the simulated
    # figure either way lowers it, for every kind of row
    for step in (0.98, 1.02):
        moved = own.copy()
        moved["simulated"] = own["simulated"] * step
        worse = log_likelihood(moved)
        assert (worse["loglik"] < own["loglik"]).all(), step
        assert (worse["deviance"] > 0).all()
    # the same world with the default wrong-office rate (0.3, not 0.2) fits worse
    other = api.run(api.compose([*GENERATING[:-1]]))
    default = log_likelihood(simulated_measures(targets, other.cases, other.visits,
                                                riverside_spec))
    assert total(default)["loglik"] < total(own)["loglik"]
    assert total(default)["deviance"] > 1.0


def test_likelihood_terms_match_scipy_at_whole_numbers():
    table = pd.DataFrame({
        "row": [2, 3, 4, 5], "measure": ["one_trip_share", "wait_mean_min", "cases_per_month",
                                         "trips_per_case"],
        "group": "all", "period": "all",
        "observed": [0.6, 20.0, 100.0, 1.5], "n": [50, 400, np.nan, np.nan],
        "se": [np.nan, np.nan, np.nan, 0.1], "simulated": [0.55, 22.0, 90.0, 1.4],
        "sim_n": [1000, 5000, 3000, 1000], "sim_sd": [np.nan, 30.0, np.nan, 0.8],
        "months": [12.0, 12.0, 12.0, 12.0]})
    got = log_likelihood(table).set_index("row")
    assert got.loc[2, "loglik"] == pytest.approx(stats.binom.logpmf(30, 50, 0.55))
    assert got.loc[3, "loglik"] == pytest.approx(stats.norm.logpdf(20, 22, 30 / 20))
    assert got.loc[4, "loglik"] == pytest.approx(stats.poisson.logpmf(1200, 1080))
    assert got.loc[5, "loglik"] == pytest.approx(stats.norm.logpdf(1.5, 1.4, 0.1))
    assert got.loc[5, "z"] == pytest.approx(-1.0)  # model 1 SE below the observation
    assert got.loc[3, "z"] == pytest.approx(2 / 1.5)
    # a group the run never produced: impossible, not silently skipped
    empty = table.assign(simulated=[np.nan, 22.0, 90.0, 1.4])
    assert log_likelihood(empty).loc[0, "loglik"] == -np.inf


def test_cli_prints_the_fit(generating_run, capsys):
    # the command's entry point in this process (test_shipped_kpis_are_the_generating_runs_
    # figures runs it as a real process)
    _, folder = generating_run
    code = targets_cli.main([str(KPIS), str(folder)])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "15 targets:" in out and "deviance 0.00" in out
    rows = list(csv.DictReader(KPIS.open()))
    assert rows[0]["measure"] in out
