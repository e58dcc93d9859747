import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf

from pilotsim.analysis.evaluation.did import event_study, twfe

from .synth import make_panel, random_assignment

REPS = 200


def test_twfe_matches_full_dummy_regression_unbalanced_and_weighted():
    rng = np.random.default_rng(7)
    df = make_panel(rng, random_assignment(rng, 25, 10, 4), 8)
    df["w"] = rng.uniform(1, 5, len(df))
    df.loc[[3, 40, 41], "y"] = np.nan  # unbalanced after dropping
    est = twfe(df, "y", weight="w")
    assert est.n_dropped == 3 and est.n_obs == len(df) - 3
    d = df.dropna(subset=["y"])
    fit = smf.wls("y ~ treated + C(site) + C(period)", d, weights=d["w"]).fit(
        cov_type="cluster", cov_kwds={"groups": pd.factorize(d["site"])[0], "use_correction": False}
    )
    g, n, k = 25, len(d), 1 + 8  # CRV1 with site effects nested in clusters
    se = np.sqrt(fit.cov_params().loc["treated", "treated"] * g / (g - 1) * (n - 1) / (n - k))
    assert est.estimate == pytest.approx(fit.params["treated"], rel=1e-9)
    assert est.se == pytest.approx(se, rel=1e-9)


def test_twfe_unbiased_and_covers_at_nominal_rate():
    rng = np.random.default_rng(2024)
    true = 0.5
    ests, covered = [], []
    for _ in range(REPS):
        df = make_panel(
            rng, random_assignment(rng, 30, 15, 5), 10, lambda e: np.full(e.shape, true)
        )
        e = twfe(df, "y")
        ests.append(e.estimate)
        covered.append(e.ci_low <= true <= e.ci_high)
    ests = np.array(ests)
    mcse = ests.std(ddof=1) / np.sqrt(REPS)
    assert abs(ests.mean() - true) < 3 * mcse
    # Coverage of 200 independent 95% CIs is Binomial(200, .95)/200 with SD
    # sqrt(.95 * .05 / 200) = 0.0154; +-3 SD gives [0.904, 0.996].
    band = 3 * np.sqrt(0.95 * 0.05 / REPS)
    assert 0.95 - band <= np.mean(covered) <= 0.95 + band


def test_event_study_recovers_dynamic_path_with_staggered_adoption():
    rng = np.random.default_rng(11)
    path = {0: 0.5, 1: 1.0, 2: 1.5}  # constant 2.0 from e = 3 on: the lag bin is homogeneous

    def tau(e):
        return np.where(e >= 3, 2.0, np.vectorize(lambda x: path.get(int(x), 0.0))(e))

    sites = [f"s{i:03d}" for i in range(60)]
    g = {s: (4.0 if i < 20 else 7.0 if i < 40 else np.nan) for i, s in enumerate(sites)}
    df = make_panel(rng, g, 12, tau, noise=0.3)
    es = event_study(df, "y", leads=3, lags=3).table.set_index("event_time")
    for e, truth in {-3: 0.0, -2: 0.0, 0: 0.5, 1: 1.0, 2: 1.5, 3: 2.0}.items():
        row = es.loc[e]
        assert abs(row["estimate"] - truth) < 4 * row["se"], (e, row["estimate"], truth)
        assert row["se"] < 0.15  # the check above is informative, not vacuous
    assert es.loc[-1, "estimate"] == 0 and es.loc[3, "binned"] and es.loc[-3, "binned"]
    # the path rises: effects are not constant across event time
    assert es.loc[2, "estimate"] - es.loc[0, "estimate"] > 0.7


def test_twfe_errors_name_the_problem():
    rng = np.random.default_rng(0)
    df = make_panel(rng, random_assignment(rng, 6, 3, 2), 4)
    with pytest.raises(ValueError, match=r"panel: empty table"):
        twfe(df.iloc[0:0], "y")
    with pytest.raises(ValueError, match=r"missing column\(s\) \['nope'\]"):
        twfe(df, "nope")
    none = df.assign(treated=0)
    with pytest.raises(ValueError, match=r"no variation left"):
        twfe(none, "y")
    with pytest.raises(ValueError, match=r"lags=-1: expected an integer >= 0"):
        event_study(df, "y", lags=-1)
