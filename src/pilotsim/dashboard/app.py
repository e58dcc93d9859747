"""The Solara page: two worlds side by side, Mesa's play/pause/step/reset, the trainer's controls.

Built from Mesa's visualization pieces (``mesa.visualization``): its ``ModelController`` plays,
pauses, steps and resets the :class:`~pilotsim.dashboard.worlds.TwinWorlds` model (Reset
rebuilds it from the controls, which are Mesa ``model_params``), and its ``update_counter``
re-renders the views after each day. Two things differ from ``SolaraViz``: the views are
full-width tabs (a map of two worlds needs the width, and only the open tab is drawn), and the
controls are grouped and show their values (:func:`Controls`).

The ``pilotsim-dashboard`` command passes the user's overrides in the environment variable
:data:`ENV` (JSON: ``{"overrides": [...], "sample_fraction": 0.2}``).
"""

from __future__ import annotations

import json
import os
from typing import Any

import pandas as pd
import solara
import solara.lab
from mesa.visualization.solara_viz import ModelController, split_model_params
from mesa.visualization.utils import update_counter

from pilotsim.dashboard import figures, history
from pilotsim.dashboard.settings import DEFAULT_SAMPLE_FRACTION, available_reforms
from pilotsim.dashboard.teaching import preset_names, read_preset
from pilotsim.dashboard.worlds import APPLY_TO, TwinWorlds
from pilotsim.spec import ORGANISATION_FUNCTIONS

ENV = "PILOTSIM_DASHBOARD"
PILOT_DESIGNS = ("as_configured", "everywhere", "random", "readiness", "matched_pairs",
                 "stepped_wedge")
TITLE = "pilotsim — the same residents, with and without the reform"


def launch_settings() -> dict[str, Any]:
    """The overrides and sample fraction the command started the app with."""
    raw = json.loads(os.environ.get(ENV, "{}") or "{}")
    return {"overrides": list(raw.get("overrides", [])),
            "sample_fraction": float(raw.get("sample_fraction", DEFAULT_SAMPLE_FRACTION))}


def model_params(twins: TwinWorlds, overrides: list[str], sample_fraction: float) -> dict:
    """The controls (Mesa ``model_params``), starting where ``twins`` was built.

    Fixed entries (the overrides, the sample fraction) are passed through on Reset; the others
    are the sidebar's inputs.
    """
    spec = twins.baseline.model.spec
    ch = twins.changes
    params: dict[str, Any] = {"overrides": tuple(overrides), "sample_fraction": sample_fraction}
    params["seed"] = {"type": "SliderInt", "label": "Seed (both worlds)", "value": spec.seed,
                      "min": 0, "max": max(99, spec.seed), "step": 1}
    reforms = available_reforms()
    for r in reforms:
        params[f"reform__{r}"] = {"type": "Checkbox", "label": "Reform: " + r.replace("_", " "),
                                  "value": r in ch.reforms}
    if reforms:
        scopes = ["all", *(f"district:{d}" for d in spec.city.districts),
                  *(f"community:{c}" for c in spec.city.communities)]
        params["scope"] = {"type": "Select", "label": "Where the reforms apply",
                           "value": ch.scope, "values": scopes}
        params["start_day"] = {"type": "SliderInt", "label": "Reforms start on day",
                               "value": ch.start_day, "min": 0,
                               "max": spec.sim.days - 1, "step": 1}
        params["pilot"] = {"type": "Select", "label": "Pilot design (replaces 'where')",
                           "value": ch.pilot, "values": list(PILOT_DESIGNS)}
        params["pilot_sites"] = {"type": "SliderInt", "label": "Pilot sites",
                                 "value": ch.pilot_sites, "min": 1,
                                 "max": max(1, len(spec.city.communities) - 1), "step": 1}
    params["apply_to"] = {"type": "Select", "label": "The changes below apply to",
                          "value": next(k for k, v in APPLY_TO.items() if v == ch.apply_to),
                          "values": list(APPLY_TO)}
    for name, office in spec.city.offices.items():
        now = ch.counters.get(name, office.counters)
        params[f"counters__{name}"] = {
            "type": "SliderInt", "label": "Counters: " + name.replace("_", " "), "value": now,
            "min": 1, "max": max(8, 2 * office.counters, now), "step": 1}
    params["staff_scale"] = {"type": "SliderFloat", "label": "Committee staff time (×)",
                             "value": ch.staff_scale, "min": 0.0,
                             "max": max(4.0, ch.staff_scale), "step": 0.25}
    for f in ORGANISATION_FUNCTIONS:
        params[f"function__{f}"] = {"type": "Checkbox", "label": f"Every committee also: {f}",
                                    "value": f in ch.functions}
    params["knowledge_shift"] = {"type": "SliderFloat",
                                 "label": "Knowledge of procedures (± share of gap)",
                                 "value": ch.knowledge_shift, "min": -0.5, "max": 0.9,
                                 "step": 0.05}
    return params


def reform_cost(twins: TwinWorlds) -> dict[str, float] | None:
    """The reform world's cost so far (as a run folder reports it), or None without reforms."""
    from pilotsim.api import reform_metadata

    model = twins.reform.model
    if not getattr(model, "reforms", None):
        return None
    return reform_metadata(model)["cost"]


def _fmt(value: float, row: str) -> str:
    if pd.isna(value):
        return "–"
    if "Share" in row:
        return f"{value:.0%}"
    if "Cases" in row:
        return f"{value:,.0f}"
    return f"{value:.1f}" if value >= 10 else f"{value:.2f}"


def headline_markdown(twins: TwinWorlds) -> str:
    """The headline table as Markdown (both worlds, last week and since day 0)."""
    table = figures.headline_table(twins)
    head = "| | " + " | ".join(table.columns) + " |\n|---|" + "---:|" * len(table.columns)
    rows = ["| " + row + " | " + " | ".join(_fmt(v, row) for v in table.loc[row]) + " |"
            for row in table.index]
    return "\n".join([head, *rows])


@solara.component
def DayBanner(twins: TwinWorlds) -> None:
    """Which day it is, and what the two worlds are."""
    update_counter.get()
    day = twins.day
    last = f"day {day - 1} ({figures.weekday_name(twins, day - 1)}) done" if day else \
        "nothing simulated yet: press Step or ▶"
    with solara.Row(style={"align-items": "baseline", "flex-wrap": "wrap"}):
        solara.Text(f"Day {day}", classes=["pilotsim-day"],
                    style={"font-size": "1.6em", "font-weight": "bold"})
        solara.Text(f"of {twins.baseline.model.spec.sim.days} — {last}")
    with solara.Row(style={"flex-wrap": "wrap"}):
        for w in twins.worlds:
            solara.Text(("◼ " + w.label), style={"color": figures.COLOURS[w.name],
                                                 "margin-right": "2em"})
    cost = reform_cost(twins)
    if cost:
        solara.Text(f"Reform cost so far: {cost['budget']:,.0f} budget, "
                    f"{cost['staff_hours']:,.0f} staff-hours (full scale)",
                    style={"color": figures.COLOURS["reform"]})


@solara.component
def Headline(twins: TwinWorlds) -> None:
    """The headline numbers of both worlds."""
    update_counter.get()
    with solara.Column(classes=["pilotsim-headline"]):
        solara.Markdown(headline_markdown(twins), style={"font-size": "0.9em"})


@solara.component
def ScenarioCard(twins: TwinWorlds) -> None:
    """The teaching scenario's title and explanation."""
    with solara.Card(twins.teaching.title):
        solara.Markdown(twins.teaching.explanation)


@solara.component
def MapView(twins: TwinWorlds) -> None:
    """Both worlds' maps; the trainer picks what colours the communities."""
    update_counter.get()
    colour_by, set_colour_by = solara.use_state("satisfaction")
    with solara.Column(classes=["pilotsim-map"]):
        solara.Select("Colour communities by", value=colour_by, on_value=set_colour_by,
                      values=list(figures.MAP_COLOURS))
        fig = figures.map_figure(twins, colour_by)  # type: ignore[arg-type]
        solara.FigureMatplotlib(fig, format="png", dpi=90, bbox_inches="tight")


@solara.component
def MeasuresView(twins: TwinWorlds) -> None:
    """The headline numbers and the measures over time."""
    update_counter.get()
    if not twins.day:
        solara.Info("Step the worlds to see the measures over time.")
        return
    with solara.Column(classes=["pilotsim-measures"]):
        solara.FigureMatplotlib(figures.measures_figure(twins), format="png", dpi=80,
                                bbox_inches="tight")


@solara.component
def QueuesView(twins: TwinWorlds) -> None:
    """People waiting at each office over time."""
    update_counter.get()
    if not twins.day:
        solara.Info("Step the worlds to see the queues.")
        return
    solara.FigureMatplotlib(figures.queues_figure(twins), format="png", dpi=80,
                            bbox_inches="tight")


@solara.component
def ResidentView(twins: TwinWorlds) -> None:
    """What happened to one resident, in each world."""
    update_counter.get()
    resident, set_resident = solara.use_state(None)
    draws, set_draws = solara.use_state(0)

    def pick() -> None:
        rid = history.random_resident(twins.baseline.model, draws)
        set_draws(draws + 1)
        if rid is not None:
            set_resident(rid)

    size = twins.baseline.model.population.size
    with solara.Column(classes=["pilotsim-resident"]):
        _resident_body(twins, resident, set_resident, pick, size)


def _resident_body(twins: TwinWorlds, resident: int | None, set_resident, pick,
                   size: int) -> None:
    with solara.Row(style={"align-items": "center"}):
        solara.InputInt("Resident id", value=resident if resident is not None else 0,
                        on_value=set_resident)
        solara.Button("A random resident with a case", on_click=pick, color="primary",
                      classes=["pilotsim-random-resident"])
    if resident is None:
        solara.Info(f"Pick a resident: an id from 0 to {size - 1}, or a random one who has "
                    "had a case. The same id is the same person in both worlds.")
        return
    if not 0 <= resident < size:
        solara.Error(f"No resident {resident}: ids run from 0 to {size - 1}.")
        return
    who = history.resident_summary(twins.baseline.model, resident)
    solara.Markdown(f"**Resident {resident}**: {who['profile'].replace('_', ' ')} in "
                    f"{who['community']}, digital literacy {who['digital_literacy']}")
    for w in twins.worlds:
        df = history.resident_history(w.model, resident)
        solara.Markdown(f"#### {w.label}", style={"color": figures.COLOURS[w.name]})
        if df.empty:
            solara.Text("No case so far.")
        else:
            solara.DataFrame(df, items_per_page=15)


@solara.component
def TeachingList() -> None:
    """All teaching scenarios and how to start each."""
    with solara.Column(classes=["pilotsim-teaching"]):
        for name in preset_names():
            t = read_preset(name)
            with solara.Card(t.title):
                solara.Markdown(f"`pilotsim-dashboard +teaching={name}`\n\n{t.explanation}")


TABS = ("Map", "Measures", "Queues", "A resident", "Teaching scenarios")
GROUPS = (
    ("Reforms", ("reform__", "scope", "start_day", "pilot", "apply_to")),
    ("Offices", ("counters__",)),
    ("Community committees", ("staff_scale", "function__")),
    ("Residents", ("knowledge_shift",)),
    ("Randomness", ("seed",)),
)


def _show(spec: dict, value: Any) -> str:
    if spec["type"] == "SliderFloat":
        return f"{spec['label']}: {value:g}"
    if spec["type"] == "SliderInt":
        return f"{spec['label']}: {value}"
    return spec["label"]


@solara.component
def Controls(params: dict, model_parameters: solara.Reactive[dict]) -> None:
    """The controls, grouped, each showing its value; Reset builds the worlds from them.

    ``params`` is in Mesa's ``model_params`` format; the values live in ``model_parameters``,
    the reactive dict that Mesa's ``ModelController`` passes to the model on Reset.
    """
    user, fixed = split_model_params(params)
    solara.use_effect(lambda: model_parameters.set(
        {**fixed, **{k: v["value"] for k, v in user.items()}}), [])
    values = model_parameters.value

    def setter(name: str):
        return lambda v: model_parameters.set({**model_parameters.value, name: v})

    for title, prefixes in GROUPS:
        names = [k for k in user if k.startswith(prefixes)]
        if not names:
            continue
        solara.Text(title, style={"font-weight": "bold", "margin-top": "0.6em"})
        for name in names:
            spec = user[name]
            value = values.get(name, spec["value"])
            label = _show(spec, value)
            if spec["type"] == "Checkbox":  # compact: a dozen of them share the sidebar
                solara.v.Checkbox(label=label, v_model=bool(value),
                                  on_v_model=setter(name), hide_details=True,
                                  density="compact")
            elif spec["type"] == "Select":
                solara.Select(label, value=value, values=spec["values"], on_value=setter(name))
            elif spec["type"] == "SliderInt":
                solara.SliderInt(label, value=int(value), min=spec["min"], max=spec["max"],
                                 step=spec["step"], on_value=setter(name))
            else:
                solara.SliderFloat(label, value=float(value), min=spec["min"],
                                   max=spec["max"], step=spec["step"], on_value=setter(name))


@solara.component
def RunControls(model: solara.Reactive[TwinWorlds], model_parameters: solara.Reactive[dict],
                play_interval: solara.Reactive[int],
                render_interval: solara.Reactive[int]) -> None:
    """Mesa's play/pause/step/reset for both worlds, and the speed."""
    use_threads = solara.use_reactive(False)
    with solara.Column(classes=["pilotsim-run"]):
        ModelController(model, model_parameters=model_parameters,
                        play_interval=play_interval, render_interval=render_interval,
                        use_threads=use_threads)
        solara.SliderInt(f"Pause between days: {play_interval.value} ms", value=play_interval,
                         min=0, max=2000, step=50)
        solara.SliderInt(f"Days per step: {render_interval.value}", value=render_interval,
                         min=1, max=30)


@solara.component
def MainView(twins: TwinWorlds) -> None:
    """The day, the scenario, the headline numbers and the tabs."""
    tab, set_tab = solara.use_state(0)
    with solara.Column(style={"width": "100%"}):
        DayBanner(twins)
        ScenarioCard(twins)
        Headline(twins)
        # Tab headers only; the open tab's view is drawn below them (and only that one).
        with solara.lab.Tabs(value=tab, on_value=set_tab):
            for title in TABS:
                solara.lab.Tab(title)
        if TABS[tab] == "Map":
            MapView(twins)
        elif TABS[tab] == "Measures":
            MeasuresView(twins)
        elif TABS[tab] == "Queues":
            QueuesView(twins)
        elif TABS[tab] == "A resident":
            ResidentView(twins)
        else:
            TeachingList()


@solara.component
def Dashboard(model: solara.Reactive[TwinWorlds], params: dict) -> None:
    """The whole page for a reactive :class:`TwinWorlds` and its controls."""
    play_interval = solara.use_reactive(400)
    render_interval = solara.use_reactive(1)
    model_parameters = solara.use_reactive({})
    solara.Title("pilotsim dashboard")
    with solara.AppBar():
        solara.AppBarTitle(TITLE)
    with solara.Sidebar(), solara.Column():
        with solara.Card("Run"):
            RunControls(model, model_parameters, play_interval, render_interval)
        with solara.Card("Controls (press Reset to apply)"):
            Controls(params, model_parameters)
    MainView(model.value)


@solara.component
def Page() -> None:
    """The app the ``pilotsim-dashboard`` command serves."""
    settings = solara.use_memo(launch_settings, [])
    first = solara.use_memo(lambda: TwinWorlds(settings["overrides"],
                                               sample_fraction=settings["sample_fraction"]), [])
    params = solara.use_memo(lambda: model_params(first, settings["overrides"],
                                                  settings["sample_fraction"]), [])
    model = solara.use_reactive(first)
    Dashboard(model, params)
