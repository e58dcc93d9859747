"""The Solara components, rendered without a browser (solara.render)."""

import ipyvuetify as v
import ipywidgets as w
import numpy as np
import pytest
import solara
from matplotlib.lines import Line2D

from pilotsim.dashboard import app, figures
from pilotsim.dashboard.worlds import TwinWorlds

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


def images(root):
    found, todo = [], [root]
    while todo:
        x = todo.pop()
        if isinstance(x, w.Image):
            found.append(x)
        todo.extend(c for c in getattr(x, "children", []) or [] if isinstance(c, w.Widget))
    return found


def texts(root):
    out, todo = [], [root]
    while todo:
        x = todo.pop()
        for c in getattr(x, "children", []) or []:
            (todo.append(c) if isinstance(c, w.Widget) else out.append(str(c)))
        for attr in ("value", "template"):  # text fields; Markdown's rendered HTML
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


def render(twins):
    """The sidebar's controls and the main view, as the page lays them out."""
    params = app.model_params(twins, OVERRIDES, 0.2)
    state = {}

    @solara.component
    def Harness():  # noqa: N802 - a Solara component
        model = solara.use_reactive(twins)
        mp = solara.use_reactive({})
        state["model"], state["parameters"] = model, mp
        with solara.Column():
            app.RunControls(model, mp, solara.use_reactive(0), solara.use_reactive(1))
            app.Controls(params, mp)
            app.MainView(model.value)

    box, rc = solara.render(Harness(), handle_error=False)
    state["box"] = box
    return rc, state


def test_step_advances_both_worlds_and_the_day_counter(twins):
    rc, state = render(twins)
    day = with_class(state["box"], "pilotsim-day")
    assert len(day) == 1 and day[0].children == ["Day 0"]
    for _ in range(3):
        rc.find(v.Btn, children=["Step"]).widget.click()
    assert twins.day == 3 and twins.baseline.model.day == twins.reform.model.day == 3
    assert with_class(state["box"], "pilotsim-day")[0].children == ["Day 3"]
    assert len(images(with_class(state["box"], "pilotsim-map")[0])) == 1


def test_controls_show_values_and_reset_rebuilds_with_them(twins):
    rc, state = render(twins)
    rc.find(v.Btn, children=["Step"]).widget.click()
    slider = rc.find(v.Slider, label="Counters: east civil affairs: 2")
    slider.widget.v_model = 5
    assert state["parameters"].value["counters__east_civil_affairs"] == 5
    rc.find(v.Slider, label="Counters: east civil affairs: 5").assert_single()
    rc.find(v.Btn, children=["Reset"]).widget.click()
    new = state["model"].value
    assert new is not twins and new.day == 0
    assert new.reform.model.offices[0].counters == 5
    assert new.baseline.model.offices[0].counters == 2
    assert new.baseline.model.spec.seed == 1 and new.baseline.model.spec.sim.days == 20


def test_headline_shows_both_worlds_numbers(twins):
    for _ in range(8):
        twins.step()
    md = app.headline_markdown(twins)
    table = figures.headline_table(twins)
    assert list(table.columns) == ["baseline: last 7 days", "baseline: since day 0",
                                   "reform: last 7 days", "reform: since day 0"]
    closed = sum(twins.reform.tracker.totals["closed"])
    assert table.loc["Cases closed", "reform: since day 0"] == closed > 0
    week = sum(twins.reform.tracker.totals["closed"][-7:])
    row = next(line for line in md.splitlines() if line.startswith("| Cases closed |"))
    cells = [c.strip() for c in row.strip("|").split("|")]
    assert cells[3:] == [f"{week:,.0f}", f"{closed:,.0f}"]
    share = next(line for line in md.splitlines() if line.startswith("| Share done"))
    assert share.count("%") == 4 or "–" in share


def test_tabs_draw_measures_queues_resident_and_teaching(twins):
    for _ in range(6):
        twins.step()
    rc, state = render(twins)
    box = state["box"]
    assert [t.children[0] for t in rc.find(v.Tab).widgets] == list(app.TABS)
    tabs = rc.find(v.Tabs).widget
    assert with_class(box, "pilotsim-map") and not with_class(box, "pilotsim-measures")
    tabs.v_model = app.TABS.index("Measures")
    assert len(images(with_class(box, "pilotsim-measures")[0])) == 1
    assert not with_class(box, "pilotsim-map")  # only the open tab is drawn
    tabs.v_model = app.TABS.index("A resident")
    rc.find(v.Btn, children=["A random resident with a case"]).widget.click()
    resident = with_class(box, "pilotsim-resident")[0]
    shown = " ".join(texts(resident))
    assert "Without the reform" in shown and "With: no change" in shown
    both = tables(resident)  # the same resident's history in each world
    assert len(both) == 2
    ids = [{row["case_id"] for row in t.items} for t in both]
    assert ids[0] and ids[0] == ids[1]
    tabs.v_model = app.TABS.index("Teaching scenarios")
    shown = " ".join(texts(with_class(box, "pilotsim-teaching")[0]))
    assert "+teaching=committee_broker" in shown


def test_map_draws_todays_trips_in_both_worlds():
    tw = TwinWorlds(["sim.days=10"], counters__east_civil_affairs=1)
    for _ in range(3):
        tw.step()
    fig = figures.map_figure(tw)
    for ax, world in zip(fig.axes[:2], tw.worlds, strict=True):
        trips = world.tracker.today_trips()
        lines = [ln for ln in ax.get_lines() if isinstance(ln, Line2D)]
        assert len(lines) == len(trips.count) > 0
        dashed = [ln for ln in lines if ln.get_linestyle() == "--"]
        assert len(dashed) == int(np.sum(trips.wasted))


def test_measures_figure_plots_every_day_for_both_worlds():
    tw = TwinWorlds(["sim.days=12"])
    for _ in range(12):
        tw.step()
    fig = figures.measures_figure(tw)
    first = fig.axes[0]
    assert len(first.get_lines()) == 2
    assert all(len(ln.get_xdata()) == 12 for ln in first.get_lines())
    q = figures.queues_figure(tw)
    assert sum(len(ax.get_lines()) for ax in q.axes) == 2 * len(tw.baseline.model.offices)


def test_ticking_a_reform_and_resetting_builds_a_reform_world(twins):
    from pilotsim.dashboard.settings import available_reforms

    if "data_sharing" not in available_reforms():
        pytest.skip("the data_sharing reform is not on main yet")
    rc, state = render(twins)
    rc.find(v.Checkbox, label="Reform: data sharing").widget.v_model = True
    rc.find(v.Checkbox, label="Every committee also: relay").widget.v_model = True
    assert state["parameters"].value["reform__data_sharing"] is True
    rc.find(v.Btn, children=["Reset"]).widget.click()
    new = state["model"].value
    assert [r.name for r in new.reform.model.reforms] == ["data_sharing"]
    assert new.baseline.model.reforms == []
    assert "relay" in new.reform.model.organisation_of[0].functions
    assert "relay" not in new.baseline.model.organisation_of[0].functions
    assert new.reform.label == "With: data sharing; committees also do relay"
