import pandas as pd
import pytest

from pilotsim.analysis.pilots.report import write_study
from pilotsim.analysis.pilots.study import load_runs, run_pilot_study


def test_pilot_study_writes_tables_figures_and_a_report(tmp_path):
    s = run_pilot_study(["reform=one_door", "reform.one_door.level=community", "sim.days=168",
                         "sim.sample_fraction=0.1", "pilot.waves=2", "pilot.wave_interval_days=28"],
                        designs=["random", "stepped_wedge"],
                        seeds=range(3), out_dir=tmp_path, processes=2, placebo_reps=3)
    html = (tmp_path / "pilot_report.html").read_text()
    # docs/pilots.md: write_study(study, folder) with a folder given as a name, as a user would
    again = write_study(s, str(tmp_path / "again"))
    assert again["report_html"].read_text() == html
    assert html.count('<img src="data:image/png;base64,') == 3
    assert "Pilot evaluation" in html
    # each number says what it is: the four truths, the terms of the bias, the decisions
    for words in ("direct effect", "spillover", "rollout effect at pilot",
                  "full-rollout truth", "scale-up", "site selection", "held back",
                  "wrong direction", "mean cluster-robust SE", "± MC error"):
        assert words in html, words
    a = pd.read_csv(tmp_path / "pilot_assessment.csv")
    # the bias against the full rollout is the sum of its three named terms
    rows = a.dropna(subset=["scale_up", "site_selection"])
    assert len(rows) > 0
    assert (rows["bias_direct"] + rows["scale_up"] + rows["site_selection"]).to_numpy() == \
        pytest.approx(rows["bias_full"].to_numpy())
    # stepped wedge is judged by TWFE and by Callaway & Sant'Anna, random by TWFE
    assert set(a.loc[a["design"] == "stepped_wedge", "method"].str[:4]) == {"twfe", "call"}
    assert set(a.loc[a["design"] == "random", "method"]) == {"twfe"}
    power = pd.read_csv(tmp_path / "pilot_power.csv")
    assert (power["mde"] > 0).all()
    # more pilot sites never need a larger effect to be detected (same length, same seeds);
    # the curve is read up to half the sites, where the controls start to run out
    trips = power[(power["design"] == "placebo") & (power["outcome"] == "trips_per_case")]
    assert trips["n_sites"].max() <= 6 and (trips["mcse_mde"] > 0).all()
    longest = trips[trips["post_periods"] == trips["post_periods"].max()]
    assert longest.sort_values("n_sites")["mde"].iloc[-1] < longest["mde"].iloc[0]
    # event studies for every measure, not trips only
    es = pd.read_csv(tmp_path / "pilot_event_studies.csv")
    assert set(es["outcome"]) == set(a["outcome"])
    # the run folders it wrote are read back as the same study input
    runs = load_runs(tmp_path / "runs")
    assert len(runs) == 3 * 4
    assert {r.design for r in runs} == {"none", "everywhere", "random", "stepped_wedge"}
    assert len(s.truth) == 3 * 2 * 4  # seeds × designs × outcomes
