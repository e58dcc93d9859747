"""pilotsim's estimators against independent libraries (test-only dependencies, `dev` extra).

TWFE against linearmodels' PanelOLS (two-way effects, clustered by site): the same point
estimate, and the same SE once the small-sample scalings are aligned. Callaway & Sant'Anna
against the ``differences`` package (a port of R's ``did``): the same group-time ATTs. One
convention differs and is pinned here: with no never-treated sites (a stepped wedge) and
not-yet-treated controls, R's ``did`` (and its ports) turns the last cohort into the
comparison group and drops its cells; pilotsim keeps the last cohort's pre-period cells
(compared with the not-yet-treated sites of each period), so pilotsim has pre-trend cells
the reference lacks and agrees on every cell both have.
"""

import numpy as np
import pytest

from pilotsim.analysis.evaluation.did import twfe
from pilotsim.analysis.evaluation.staggered import callaway_santanna
from tests.evaluation.synth import make_panel

linearmodels = pytest.importorskip("linearmodels")
differences = pytest.importorskip("differences")

# differences 0.3 calls pandas' ``inplace=`` methods, deprecated in pandas 3.1: its
# warnings, twelve of a CI run's sixteen, say nothing about pilotsim (by message, not module:
# pytest.warns below re-emits what it does not match from this file)
pytestmark = pytest.mark.filterwarnings(
    "ignore:The inplace keyword:pandas.errors.Pandas4Warning")


def _panel(seed, first_treated, periods):
    return make_panel(np.random.default_rng(seed), first_treated, periods)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_twfe_equals_linearmodels_panelols(seed):
    from linearmodels.panel import PanelOLS

    ft = {f"s{i:02d}": (4.0 if i < 4 else (6.0 if i < 7 else np.inf)) for i in range(12)}
    p = _panel(seed, ft, 10)
    ours = twfe(p, "y")
    d = p.set_index(["site", "period"])
    ref = PanelOLS(d["y"], d[["treated"]], entity_effects=True, time_effects=True).fit(
        cov_type="clustered", cluster_entity=True, debiased=False, group_debias=False)
    assert ours.estimate == pytest.approx(ref.params["treated"], abs=1e-12)
    # linearmodels (without its debias options) scales the clustered covariance by
    # N / (N - absorbed), absorbed = the site and period effects and the intercept; pilotsim
    # (the reghdfe/fixest CRV1 convention) by G/(G-1) * (N-1)/(N-K), K = the slope and the T
    # period effects (site effects are nested in the clusters, not counted). Undo the one,
    # apply the other:
    n, g, t = len(p), p["site"].nunique(), p["period"].nunique()
    absorbed, k = (g - 1) + (t - 1) + 1, 1 + t
    aligned = ref.std_errors["treated"] * np.sqrt(
        (n - absorbed) / n * g / (g - 1) * (n - 1) / (n - k))
    assert ours.se == pytest.approx(aligned, rel=1e-10)


def _reference_cells(p, control):
    from differences import ATTgt

    d = p.assign(cohort=p["first_treated_period"].replace(np.inf, np.nan),
                 sid=p["site"].str[1:].astype(int)).set_index(["sid", "period"])
    att = ATTgt(data=d, cohort_column="cohort")
    att.fit("y", control_group=control, progress_bar=False)
    r = att.results()
    r.columns = [c[-1] for c in r.columns]
    out = r.reset_index().set_index(["cohort", "time"])["ATT"].dropna()
    out.index = out.index.set_names(["group", "period"])
    return out


@pytest.mark.parametrize("control", ["never", "not_yet"])
def test_callaway_santanna_equals_the_differences_package(control):
    ft = {f"s{i:02d}": (3.0 if i < 4 else (5.0 if i < 8 else np.inf)) for i in range(12)}
    p = _panel(4, ft, 8)
    ours = callaway_santanna(p, "y", control=control).group_time.set_index(
        ["group", "period"])["att"]
    ref = _reference_cells(p, "never_treated" if control == "never" else "not_yet_treated")
    common = ours.index.intersection(ref.index)
    assert len(common) == len(ref) == len(ours)
    np.testing.assert_allclose(ours.loc[common], ref.loc[common], atol=1e-12)


def test_stepped_wedge_keeps_the_last_cohorts_pre_period_cells_r_drops():
    ft = {f"s{i:02d}": float(2 + 2 * (i // 3)) for i in range(12)}  # waves at 2, 4, 6, 8
    p = _panel(5, ft, 10)
    ours = callaway_santanna(p, "y", control="not_yet").group_time.set_index(
        ["group", "period"])["att"]
    # the reference says what it does with no never-treated sites
    with pytest.warns(UserWarning, match="Using the last treated group as comparison group"):
        ref = _reference_cells(p, "not_yet_treated")
    common = ours.index.intersection(ref.index)
    np.testing.assert_allclose(ours.loc[common], ref.loc[common], atol=1e-12)
    extra = ours.index.difference(ref.index)
    # what differs: the last wave's cells (R makes it the comparison group and keeps only
    # the periods before it starts), pre-periods only: pilotsim has more pre-trend cells
    assert len(extra) > 0
    assert set(extra.get_level_values("group")) == {8}
    assert (extra.get_level_values("period") < 8).all()
    assert 8 not in set(ref.index.get_level_values("group"))
