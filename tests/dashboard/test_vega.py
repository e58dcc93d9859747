"""The chart widget: structure and rows as JSON text, written by the server alone."""

import json
import math

import pytest

from pilotsim.app.dashboard.vega import Chart, VegaChart, split


def test_split_takes_the_rows_out_of_the_structure():
    rest, rows = split({"mark": "text", "datasets": {"stamp": [{"t": "day 1"}]}})
    assert rest == {"mark": "text"} and rows == {"stamp": [{"t": "day 1"}]}


def test_a_chart_sends_its_structure_and_rows_as_json():
    el = Chart({"mark": "text", "datasets": {"stamp": [{"t": "day 1", "v": None}]}})
    assert json.loads(el.kwargs["spec"]) == {"mark": "text"}
    assert json.loads(el.kwargs["rows"]) == {"stamp": [{"t": "day 1", "v": None}]}


def test_a_nan_is_refused_on_the_server_not_left_to_break_the_browser():
    with pytest.raises(ValueError):
        Chart({"mark": "text", "datasets": {"stamp": [{"v": math.nan}]}})


def test_rows_sent_back_by_the_browser_do_not_replace_newer_ones():
    # what the browser did: echo the rows it had while the server had set the next day's
    chart = VegaChart(spec='{"mark": "text"}', rows='{"stamp": [{"t": "day 1"}]}')
    chart.rows = '{"stamp": [{"t": "day 2"}]}'
    chart.set_state({"rows": '{"stamp": [{"t": "day 1"}]}', "spec": '{"mark": "rule"}'})
    assert chart.rows == '{"stamp": [{"t": "day 2"}]}'
    assert chart.spec == '{"mark": "text"}'


def test_the_browser_still_sets_the_widgets_other_state():
    chart = VegaChart()
    chart.set_state({"tooltip": "a map"})
    assert chart.tooltip == "a map"
