"""The Solara components, rendered without a browser (solara.render)."""

import json
import threading
import time

import ipyvuetify as v
import ipywidgets as w
import numpy as np
import pytest
import solara

from pilotsim.app.dashboard import app, figures
from pilotsim.app.dashboard.snapshot import take
from pilotsim.app.dashboard.tracker import MEASURES
from pilotsim.app.dashboard.vega import VegaChart
from pilotsim.app.dashboard.worlds import TwinWorlds

OVERRIDES = ["sim.days=20", "seed=1"]


@pytest.fixture
def twins():
    return TwinWorlds(OVERRIDES)


def with_class(root, name):
    """The widgets under ``root`` (inclusive) whose CSS classes include ``name``."""
    found, todo = [], [root]
    while todo:
        x = todo.pop()
        if name in (getattr(x, "class_", None) or "").split():
            found.append(x)
        todo.extend(c for c in getattr(x, "children", []) or [] if isinstance(c, w.Widget))
    return found


def charts(root):
    """The Vega-Lite specs drawn under ``root``."""
    found, todo = [], [root]
    while todo:
        x = todo.pop(0)
        if isinstance(x, VegaChart):
            found.append({**json.loads(x.spec), "datasets": json.loads(x.rows)})
        todo.extend(c for c in getattr(x, "children", []) or [] if isinstance(c, w.Widget))
    return found


def wait_until(cond, timeout=30.0):
    """Step and Reset run as tasks in a thread: wait for their effect."""
    deadline = time.monotonic() + timeout
    while not cond():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def texts(root):
    out, todo = [], [root]
    while todo:
        x = todo.pop()
        for c in getattr(x, "children", []) or []:
            (todo.append(c) if isinstance(c, w.Widget) else out.append(str(c)))
        for attr in ("value", "template", "unsafe_innerHTML"):  # text fields; HTML
            if isinstance(getattr(x, attr, None), str):
                out.append(getattr(x, attr))
    return out


def tables(root):
    found, todo = [], [root]
    while todo:
        x = todo.pop(0)
        if type(x).__name__ == "DataTableWidget":
            found.append(x)
        todo.extend(c for c in getattr(x, "children", []) or [] if isinstance(c, w.Widget))
    return found


def render(twins, present=False):
    """The sidebar's controls and the main view, as the page lays them out."""
    params = app.model_params(twins, OVERRIDES, 0.2)
    state = {}

    @solara.component
    def Harness():  # noqa: N802 - a Solara component
        model = solara.use_reactive(twins)
        mp = solara.use_reactive({})
        frame, notice, busy = (solara.use_reactive(0), solara.use_reactive(None),
                               solara.use_reactive(False))
        state.update(model=model, parameters=mp, notice=notice, busy=busy)
        with solara.Column():
            play = app.use_play(model, frame, notice)
            app.RunControls(model, mp, frame, notice, busy, play, present)
            app.Controls(params, mp)
            app.MainView(model.value, frame, notice, busy, present)

    box, rc = solara.render(Harness(), handle_error=False)
    state["box"] = box
    return rc, state


def step(rc, state, times=1):
    for _ in range(times):
        day = state["model"].value.day
        rc.find(v.Btn, children=["Step"]).widget.click()
        wait_until(lambda d=day: state["model"].value.day == d + 1 and not state["busy"].value)


def day_text(state):
    wait_until(lambda: with_class(state["box"], "pilotsim-day"))
    return with_class(state["box"], "pilotsim-day")[0].children


def test_step_advances_both_worlds_and_the_day_counter(twins):
    rc, state = render(twins)
    assert day_text(state) == ["Day 0"]
    step(rc, state, 3)
    assert twins.day == 3 and twins.baseline.model.day == twins.reform.model.day == 3
    wait_until(lambda: day_text(state) == ["Day 3"])
    def stamps():
        return [m["datasets"]["stamp"] for m in charts(with_class(state["box"], "pilotsim-map")[0])]

    wait_until(lambda: stamps() == [[{"t": "day 2 (wed)"}]] * 2)  # the page draws after
    shown = " ".join(texts(with_class(state["box"], "pilotsim-map")[0]))
    assert all(app.SHORT_LABELS[w.name] in shown for w in twins.worlds)


def test_a_failing_step_is_a_one_line_notice_and_the_worlds_stay_usable(twins, monkeypatch):
    rc, state = render(twins)
    real = twins.step
    calls = []

    def flaky():
        calls.append(1)
        if len(calls) == 1:
            raise ValueError("Length of values (3) does not match length of index (4)\nmore")
        real()

    monkeypatch.setattr(twins, "step", flaky)  # Mesa wraps step per instance
    rc.find(v.Btn, children=["Step"]).widget.click()
    wait_until(lambda: state["notice"].value is not None and not state["busy"].value)
    assert state["notice"].value == ("Step failed: ValueError: Length of values (3) does not "
                                     "match length of index (4)")
    wait_until(lambda: any("Step failed" in t for t in texts(state["box"])))
    step(rc, state)
    assert twins.day == 1 and state["notice"].value is None


def test_controls_show_values_and_reset_rebuilds_with_them(twins):
    rc, state = render(twins)
    step(rc, state)
    slider = rc.find(v.Slider, label="Counters: east civil affairs: 2")
    slider.widget.v_model = 5
    assert state["parameters"].value["counters__east_civil_affairs"] == 5
    wait_until(lambda: rc.find(v.Slider, label="Counters: east civil affairs: 5").widgets)
    rc.find(v.Btn, children=["Reset"]).widget.click()
    wait_until(lambda: state["model"].value is not twins and not state["busy"].value)
    new = state["model"].value
    assert new.day == 0
    assert new.reform.model.offices[0].counters == 5
    assert new.baseline.model.offices[0].counters == 2
    assert new.baseline.model.spec.seed == 1 and new.baseline.model.spec.sim.days == 20


def test_present_layout_hides_the_speed_controls(twins):
    rc, _ = render(twins, present=True)
    assert not rc.find(v.Slider, label="Days per step: 1").widgets
    rc.find(v.Btn, children=["Step"]).assert_single()


def test_headline_shows_both_worlds_numbers_in_their_colours(twins):
    for _ in range(8):
        twins.step()
    snap = take(twins)
    table = snap.headline
    assert list(table.columns) == ["baseline: last 7 days", "reform: last 7 days",
                                   "baseline: since day 0", "reform: since day 0"]
    closed = sum(twins.reform.tracker.totals["closed"])
    assert table.loc["Cases closed", "reform: since day 0"] == closed > 0
    page = app.headline_html(snap)
    assert page.count(f'color:{figures.COLOURS["baseline"]}') == 2
    assert page.count(f'color:{figures.COLOURS["reform"]}') == 2
    row = page.split("<td>Cases closed</td>")[1].split("</tr>")[0]
    week = sum(twins.reform.tracker.totals["closed"][-7:])
    assert row.count("<td>") == 4 and f"<td>{week:,.0f}</td>" in row
    assert "<b>east</b> residents" in app.headline_html(snap, by_district=True)


def test_tabs_draw_measures_queues_resident_and_teaching(twins):
    for _ in range(12):
        twins.step()
    rc, state = render(twins)
    box = state["box"]
    assert [t.children[0] for t in rc.find(v.Tab).widgets] == list(app.TABS)
    tabs = rc.find(v.Tabs).widget
    assert with_class(box, "pilotsim-map") and not with_class(box, "pilotsim-measures")
    tabs.v_model = app.TABS.index("Measures")
    (spec,) = charts(with_class(box, "pilotsim-measures")[0])
    assert len(spec["concat"]) == len(MEASURES)
    assert not with_class(box, "pilotsim-map")  # only the open tab is drawn
    tabs.v_model = app.TABS.index("Queues")
    (spec,) = charts(with_class(box, "pilotsim-queues")[0])
    assert "resolve" not in spec  # one y scale for every office
    tabs.v_model = app.TABS.index("By district")
    assert charts(with_class(box, "pilotsim-districts")[0])
    tabs.v_model = app.TABS.index("A resident")
    rc.find(v.Btn, children=["A random resident with a case"]).widget.click()
    resident = with_class(box, "pilotsim-resident")[0]
    shown = " ".join(texts(resident))
    assert "Without the reform" in shown and "With: no change" in shown
    both = tables(resident)  # the same resident's history in each world
    assert len(both) == 2
    ids = [{row["case"] for row in t.items} for t in both]
    assert ids[0] and ids[0] == ids[1]
    cells = [str(x) for t in both for row in t.items for x in row.values()]
    assert "None" not in cells and not any("_" in c for c in cells)
    tabs.v_model = app.TABS.index("Teaching scenarios")
    shown = " ".join(texts(with_class(box, "pilotsim-teaching")[0]))
    assert "+teaching=committee_broker" in shown


def test_map_draws_todays_trips_in_both_worlds():
    tw = TwinWorlds(["sim.days=10"], counters__east_civil_affairs=1)
    for _ in range(3):
        tw.step()
    snap = take(tw)
    for world in snap.worlds:
        spec = figures.map_spec(snap, world)
        trips = spec["datasets"]["trips"]
        assert len(trips) == len(world.trips) > 0
        wasted = [t for t in trips if t["trip"] == "wasted trip today"]
        assert len(wasted) == int(np.sum(world.trips[:, 2]))
        assert spec["config"]["text"]["fontSize"] >= 14


def test_measures_have_fixed_share_axes_and_skip_days_with_few_cases():
    tw = TwinWorlds(["sim.days=12"])
    for _ in range(12):
        tw.step()
    snap = take(tw)
    spec = figures.measures_spec(snap)
    by_title = {c["title"]: c for c in spec["concat"]}
    share = by_title[MEASURES["one_trip_share"][2]]["layer"][0]["encoding"]["y"]
    assert share["scale"]["domain"] == [0, 1]
    rows = spec["datasets"]["rows"]
    first = min(r["day"] for r in rows if r["measure"] == "abandonment")
    closed = np.cumsum(tw.baseline.tracker.totals["closed"])
    assert closed[first] >= 10 and first > 0  # the first days' one or two cases are not drawn


def test_stepping_in_one_thread_while_the_page_reads_in_another():
    tw = TwinWorlds(["+teaching=pooling", "sim.days=80"])
    errors = []

    def play():
        try:
            for _ in range(60):
                tw.step()
        except Exception as e:
            errors.append(e)

    t = threading.Thread(target=play)
    t.start()
    reads = 0
    while t.is_alive():
        snap = take(tw)
        figures.measures_spec(snap)
        figures.queues_spec(snap)
        figures.map_spec(snap, snap.worlds[1])
        assert len(snap.worlds[0].series) == len(snap.worlds[1].series) == snap.day
        reads += 1
    t.join()
    assert not errors and tw.day == 60 and reads > 5


def test_a_community_level_one_door_centre_is_tracked_and_drawn():
    from pilotsim.app.dashboard.settings import available_reforms

    if "one_door" not in available_reforms():
        pytest.skip("the one_door reform is not on main yet")
    tw = TwinWorlds(["reform=one_door", "reform.one_door.level=community", "sim.days=30"],
                    scope="community:east_01", start_day=3)
    for _ in range(20):  # one community's planned visits reach its centre from week two
        tw.step()
    snap = take(tw)
    base, reform = snap.worlds
    assert len(reform.office_names) == len(base.office_names) + 1
    assert reform.office_names[-1] == "one-door centre east"
    assert reform.queues.shape == (20, len(reform.office_names))
    assert (reform.queues[:3, -1] == 0).all() and reform.queues[3:, -1].max() > 0
    spec = figures.queues_spec(snap)
    assert {r["office"] for r in spec["datasets"]["rows"]} >= {"one-door centre east"}


def test_ticking_a_reform_and_resetting_builds_a_reform_world(twins):
    from pilotsim.app.dashboard.settings import available_reforms

    if "data_sharing" not in available_reforms():
        pytest.skip("the data_sharing reform is not on main yet")
    rc, state = render(twins)
    rc.find(v.Checkbox, label="Reform: data sharing").widget.v_model = True
    rc.find(v.Checkbox, label="Every committee also: relay").widget.v_model = True
    assert state["parameters"].value["reform__data_sharing"] is True
    rc.find(v.Btn, children=["Reset"]).widget.click()
    wait_until(lambda: state["model"].value is not twins and not state["busy"].value)
    new = state["model"].value
    assert [r.name for r in new.reform.model.reforms] == ["data_sharing"]
    assert new.baseline.model.reforms == []
    assert "relay" in new.reform.model.organisation_of[0].functions
    assert "relay" not in new.baseline.model.organisation_of[0].functions
    assert new.reform.label == "With: data sharing; committees also do relay"


def test_unapplied_control_changes_survive_presenting_and_back(twins):
    params = app.model_params(twins, OVERRIDES, 0.2)
    state = {}

    @solara.component
    def Harness():  # noqa: N802 - a Solara component
        mp = solara.use_reactive({})
        shown = solara.use_reactive(True)  # Present unmounts the controls
        state.update(parameters=mp, shown=shown)
        with solara.Column():
            if shown.value:
                app.Controls(params, mp)

    _, rc = solara.render(Harness(), handle_error=False)
    rc.find(v.Slider, label="Counters: east civil affairs: 2").widget.v_model = 5
    state["shown"].set(False)
    state["shown"].set(True)
    assert state["parameters"].value["counters__east_civil_affairs"] == 5
    rc.find(v.Slider, label="Counters: east civil affairs: 5").assert_single()
