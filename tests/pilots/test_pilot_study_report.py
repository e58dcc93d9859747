import pandas as pd

from pilotsim.pilots.study import load_runs, run_pilot_study


def test_pilot_study_writes_tables_figures_and_a_report(tmp_path):
    s = run_pilot_study(["reform=one_door", "reform.one_door.level=community", "sim.days=168",
                         "sim.sample_fraction=0.1", "pilot.waves=2", "pilot.wave_interval_days=28"],
                        designs=["random", "stepped_wedge"],
                        seeds=range(3), out_dir=tmp_path, processes=2, placebo_reps=3)
    html = (tmp_path / "pilot_report.html").read_text()
    assert html.count('<img src="data:image/png;base64,') == 3
    assert "Pilot evaluation" in html and "wrong decision" in html
    a = pd.read_csv(tmp_path / "pilot_assessment.csv")
    # stepped wedge is judged by TWFE and by Callaway & Sant'Anna, random by TWFE
    assert set(a.loc[a["design"] == "stepped_wedge", "method"].str[:4]) == {"twfe", "call"}
    assert set(a.loc[a["design"] == "random", "method"]) == {"twfe"}
    power = pd.read_csv(tmp_path / "pilot_power.csv")
    assert (power["mde"] > 0).all()
    # more pilot sites never need a larger effect to be detected (same length, same seeds)
    trips = power[(power["design"] == "placebo") & (power["outcome"] == "trips_per_case")]
    longest = trips[trips["post_periods"] == trips["post_periods"].max()]
    assert longest.sort_values("n_sites")["mde"].iloc[-1] < longest["mde"].iloc[0]
    # the run folders it wrote are read back as the same study input
    runs = load_runs(tmp_path / "runs")
    assert len(runs) == 3 * 4
    assert {r.design for r in runs} == {"none", "everywhere", "random", "stepped_wedge"}
    assert len(s.truth) == 3 * 2 * 4  # seeds × designs × outcomes
