"""The chart widget: the server alone writes a chart's structure and rows."""

from pilotsim.dashboard.vega import VegaChart, split


def test_split_takes_the_rows_out_of_the_structure():
    rest, rows = split({"mark": "text", "datasets": {"stamp": [{"t": "day 1"}]}})
    assert rest == {"mark": "text"} and rows == {"stamp": [{"t": "day 1"}]}


def test_rows_sent_back_by_the_browser_do_not_replace_newer_ones():
    # what the browser did: echo the rows it had while the server had set the next day's
    chart = VegaChart(spec={"mark": "text"}, rows={"stamp": [{"t": "day 1"}]})
    chart.rows = {"stamp": [{"t": "day 2"}]}
    chart.set_state({"rows": {"stamp": [{"t": "day 1"}]}, "spec": {"mark": "rule"}})
    assert chart.rows == {"stamp": [{"t": "day 2"}]}
    assert chart.spec == {"mark": "text"}


def test_the_browser_still_sets_the_widgets_other_state():
    chart = VegaChart(spec={}, rows={})
    chart.set_state({"tooltip": "a map"})
    assert chart.tooltip == "a map"
