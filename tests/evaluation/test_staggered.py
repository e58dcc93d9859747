import numpy as np
import pytest

from pilotsim.analysis.evaluation.did import twfe
from pilotsim.analysis.evaluation.staggered import callaway_santanna

from .synth import make_panel, random_assignment

SITES = [f"s{i:03d}" for i in range(60)]
# Goodman-Bacon's setting: an early group, a late group, never-treated sites, and effects that
# grow with time since adoption (tau = e + 1), so early adopters are bad controls for late ones.
BACON = {s: (2.0 if i < 20 else 6.0 if i < 40 else np.nan) for i, s in enumerate(SITES)}


def growing(e):
    return e + 1.0


def truth_by_site(df):
    post = df[df["treated"] == 1]
    return post.groupby("site")["tau"].mean().mean()


@pytest.mark.parametrize("control", ["never", "not_yet"])
def test_cs_recovers_group_time_effects_where_twfe_is_biased(control):
    df = make_panel(np.random.default_rng(3), BACON, 10, growing, noise=0.0)
    cs = callaway_santanna(df, "y", control=control)
    gt = cs.group_time
    post = gt[gt["period"] >= gt["group"]]
    assert len(post) == 8 + 4  # g=2: periods 2..9; g=6: periods 6..9
    np.testing.assert_allclose(post["att"], post["event_time"] + 1.0, atol=1e-9)
    pre = gt[gt["period"] < gt["group"]]
    np.testing.assert_allclose(pre["att"], 0.0, atol=1e-9)
    truth = truth_by_site(df)  # 3.5: mean over treated sites of their mean post effect
    assert cs.overall.estimate == pytest.approx(truth, abs=1e-9)
    simple = callaway_santanna(df, "y", control=control, aggregate="simple").overall
    assert simple.estimate == pytest.approx(df.loc[df["treated"] == 1, "tau"].mean(), abs=1e-9)
    es = cs.event_time.set_index("event_time")
    np.testing.assert_allclose(es.loc[0:7, "estimate"], np.arange(8) + 1.0, atol=1e-9)
    # Noise-free, so this is TWFE's estimand: it understates the average effect by more than 1
    # (about 40%), because late-vs-early comparisons subtract the early group's growing effect.
    bias = twfe(df, "y").estimate - truth
    assert bias < -1.0


def test_cs_noisy_estimate_is_close_and_its_interval_covers():
    rng = np.random.default_rng(5)
    reps, covered, ests = 200, [], []
    truth = truth_by_site(make_panel(rng, BACON, 8, growing))  # the same for every draw
    for _ in range(reps):
        df = make_panel(rng, BACON, 8, growing, noise=1.0)
        o = callaway_santanna(df, "y").overall
        ests.append(o.estimate)
        covered.append(o.ci_low <= truth <= o.ci_high)
    ests = np.array(ests)
    assert abs(ests.mean() - truth) < 3 * ests.std(ddof=1) / np.sqrt(reps)
    band = 3 * np.sqrt(0.95 * 0.05 / reps)  # binomial SD of 200 coverage indicators, x3
    assert 0.95 - band <= np.mean(covered) <= 0.95 + band


def test_cs_single_cohort_is_the_2x2_did_against_the_last_pre_period_with_welch_se():
    rng = np.random.default_rng(9)
    df = make_panel(rng, random_assignment(rng, 20, 8, 3), 6)
    wide = df.pivot(index="site", columns="period", values="y")
    treated = df.groupby("site")["first_treated_period"].first().notna()
    post = [
        (wide.loc[treated, t] - wide.loc[treated, 2]).mean()
        - (wide.loc[~treated, t] - wide.loc[~treated, 2]).mean()
        for t in (3, 4, 5)
    ]
    cs = callaway_santanna(df, "y")
    assert cs.overall.estimate == pytest.approx(np.mean(post), abs=1e-12)
    # one cell: its SE is the Welch two-sample SE of the change from the base period
    cell = cs.group_time.query("period == 3").iloc[0]
    dt = wide.loc[treated, 3] - wide.loc[treated, 2]
    dc = wide.loc[~treated, 3] - wide.loc[~treated, 2]
    welch = np.sqrt(dt.var(ddof=1) / len(dt) + dc.var(ddof=1) / len(dc))
    assert cell["se"] == pytest.approx(welch, rel=1e-12)
    assert (cell["n_treated"], cell["n_control"]) == (8, 12)


def test_cs_bad_input():
    df = make_panel(np.random.default_rng(1), BACON, 8, growing)
    all_treated = df[df["first_treated_period"].notna()]
    with pytest.raises(ValueError, match=r"no estimable post-treatment cell with control='never'"):
        callaway_santanna(all_treated, "y", control="never")
    assert np.isfinite(callaway_santanna(all_treated, "y", control="not_yet").overall.estimate)
    with pytest.raises(ValueError, match=r"control='both': expected one of"):
        callaway_santanna(df, "y", control="both")
    with pytest.raises(ValueError, match=r"periods \[0, 1, 3, 4, 5, 6, 7\] have gaps"):
        callaway_santanna(df[df["period"] != 2], "y")
    with pytest.raises(ValueError, match=r"panel: empty table"):
        callaway_santanna(df.iloc[0:0], "y")


def test_cs_records_groups_outside_the_window():
    df = make_panel(np.random.default_rng(1), BACON, 6, growing)  # g=6 starts after period 5
    cs = callaway_santanna(df, "y")
    assert any("after the last period: never" in n for n in cs.notes)
    assert set(cs.group_time["group"]) == {2}
    df = make_panel(np.random.default_rng(1), BACON, 8, growing)
    early = df.assign(first_treated_period=df["first_treated_period"].replace(2.0, 0.0))
    cs = callaway_santanna(early, "y")
    assert any("20 site(s) treated from the first period: dropped" in n for n in cs.notes)
    assert set(cs.group_time["group"]) == {6} and cs.overall.n_sites == 40
