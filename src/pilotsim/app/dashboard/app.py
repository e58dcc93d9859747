"""The Solara page: two worlds side by side, play/pause/step/reset, the trainer's controls.

The page is laid out for a projector: at 1920×1080 the day, the headline table and the two
worlds' maps, side by side, are on the first screen; *Present* hides the controls and
enlarges the type. The charts are Vega-Lite specifications drawn by the browser
(:mod:`~pilotsim.app.dashboard.figures`, :mod:`~pilotsim.app.dashboard.vega`): embedded once,
then fed each day's rows, so a day on screen costs the server a few small dicts.

Stepping and drawing never overlap: :class:`~pilotsim.app.dashboard.worlds.TwinWorlds` steps under
its lock, and the views draw from a :class:`~pilotsim.app.dashboard.snapshot.Snapshot` copied
under the same lock. Step, Reset and Play run off the page's thread (a busy bar shows after
0.2 s); an error in any of them is shown as a one-line notice and the worlds stay usable.
While playing, the page is redrawn at most every :data:`FRAME_S` seconds; the days in between
are simulated and counted all the same.

The controls are Mesa ``model_params`` (Reset passes them to the model, as Mesa's
``ModelController`` does). The ``pilotsim-dashboard`` command passes the user's overrides in
the environment variable :data:`ENV` (JSON: ``{"overrides": [...], "sample_fraction": 0.2,
"present": false}``).
"""

from __future__ import annotations

import html
import json
import math
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import markdown
import reacton.core
import solara
import solara.lab

from pilotsim.app.dashboard import figures, history, vega
from pilotsim.app.dashboard.settings import DEFAULT_SAMPLE_FRACTION, available_reforms
from pilotsim.app.dashboard.snapshot import Snapshot, take
from pilotsim.app.dashboard.teaching import preset_names, read_preset
from pilotsim.app.dashboard.worlds import APPLY_TO, TwinWorlds
from pilotsim.spec import ORGANISATION_FUNCTIONS

ENV = "PILOTSIM_DASHBOARD"
PILOT_DESIGNS = ("as_configured", "everywhere", "random", "readiness", "matched_pairs",
                 "stepped_wedge")
TITLE = "pilotsim — the same residents, with and without the reform"
FRAME_S = 0.25  # while playing, redraw at most this often
DEFAULT_PAUSE_MS = 100
FONTS = {False: figures.FONT, True: 20}  # chart text in px: normal, present
MAP_HEIGHT = {False: 360, True: 330}  # present: both maps on a 1280×720 projector's screen
SHORT_LABELS = {"baseline": "Without the reform", "reform": "With the reform"}
TABS = ("Map", "Measures", "By district", "Queues", "A resident", "Teaching scenarios")

CSS = """
.pilotsim-busy { opacity: 0; animation: pilotsim-show 0s linear 0.2s forwards; }
@keyframes pilotsim-show { to { opacity: 1; } }
.pilotsim-table { border-collapse: collapse; font-size: 15px; }
.pilotsim-table th, .pilotsim-table td { padding: 2px 10px; border-bottom: 1px solid #e4e4e4; }
.pilotsim-table td { text-align: right; font-variant-numeric: tabular-nums; }
.pilotsim-table td:first-child { text-align: left; }
.pilotsim-present .pilotsim-table { font-size: 22px; }
.pilotsim-present .pilotsim-banner { font-size: 22px; }
.pilotsim-lesson { font-size: 15px; max-height: 250px; overflow-y: auto; }
.pilotsim-present .pilotsim-lesson { font-size: 20px; max-height: 300px; }
.pilotsim-notice { color: #b71c1c; font-weight: bold; }
/* charts wider than the main column (3 × 380 px at 1280×720) scroll inside their own box
   instead of widening the page, which pushed the banner and the lesson off the screen */
.v-application, .v-application__wrap { min-width: 0; }
.v-main.solara-content-main { flex-shrink: 1; max-width: 100%; }
.pilotsim-main { min-width: 0; max-width: 100%; }
.pilotsim-measures, .pilotsim-queues, .pilotsim-districts { max-width: 100%; overflow-x: auto; }
/* a long reform description stays on one line (the sidebar's controls say it all) */
.pilotsim-label { white-space: nowrap; overflow: hidden; text-overflow: ellipsis;
                  max-width: 100%; display: inline-block; }
.pilotsim-banner .pilotsim-label { max-width: 40vw; }
/* Solara's "runs on Solara" badge sits over the table on small screens */
.solara-badge, #solara-badge, a[href^="https://solara.dev"] { display: none !important; }
"""


def launch_settings() -> dict[str, Any]:
    """The overrides, sample fraction and layout the command started the app with."""
    raw = json.loads(os.environ.get(ENV, "{}") or "{}")
    return {"overrides": list(raw.get("overrides", [])),
            "sample_fraction": float(raw.get("sample_fraction", DEFAULT_SAMPLE_FRACTION)),
            "present": bool(raw.get("present", False))}


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



def split_model_params(params: dict) -> tuple[dict, dict]:
    """Mesa's rule for ``model_params``: (the inputs, the fixed values).

    An input is a dict with a ``"type"``; anything else is passed through to the model as it
    is. The same rule as ``mesa.visualization.solara_viz.split_model_params`` (which also takes
    its ``Slider`` objects, never made here), written out because importing that module
    imports Altair and Matplotlib: about 1 s of CPU of every ``pilotsim-dashboard`` start,
    for charts the dashboard draws with Vega-Lite.
    """
    user = {k: v for k, v in params.items() if isinstance(v, dict) and "type" in v}
    return user, {k: v for k, v in params.items() if k not in user}


def _fmt(value: float, row: str) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if "Share" in row or "done in one trip" in row:
        return f"{value:.0%}"
    if "Cases" in row:
        return f"{value:,.0f}"
    return f"{value:.1f}" if value >= 10 else f"{value:.2f}"


def _head(column: str) -> str:
    world, _, span = column.partition(": ")
    colour = figures.COLOURS[world]
    name = "without" if world == "baseline" else "with reform"
    return f'<th style="color:{colour}">{name}<br><small>{html.escape(span)}</small></th>'


def headline_html(snap: Snapshot, by_district: bool = False) -> str:
    """The headline table as HTML: columns in the worlds' colours, each world's numbers.

    With ``by_district``, one row for each district's residents follows (since the comparison
    started): mean wait, satisfaction and trips per case in one cell per world. One row, not
    three: with three, a two-district lesson's table pushed the maps below a 1080-px screen.
    """
    table = snap.headline
    cols = list(table.columns)
    rows = ["<tr><th></th>" + "".join(_head(c) for c in cols) + "</tr>"]
    for label in table.index:
        cells = "".join(f"<td>{_fmt(table.loc[label, c], label)}</td>" for c in cols)
        rows.append(f"<tr><td>{html.escape(label)}</td>{cells}</tr>")
    if by_district:
        since = [c for c in cols if "since" in c]
        measures = (("wait_mean_min", "Mean wait (min)"), ("satisfaction", "Satisfaction"),
                    ("trips_per_case", "Trips per case"))
        for d in snap.worlds[0].districts.index:
            vals = {f"{w.name}: {since[0].partition(': ')[2]}":
                    " · ".join(_fmt(w.districts.loc[d, key], label) for key, label in measures)
                    for w in snap.worlds}
            cells = "".join(f"<td>{vals[c]}</td>" if c in vals else "<td></td>" for c in cols)
            rows.append(f"<tr><td><b>{html.escape(d)}</b> residents: wait (min) · "
                        f"satisfaction · trips per case</td>{cells}</tr>")
    return '<table class="pilotsim-table">' + "".join(rows) + "</table>"


def Vega(spec: dict) -> solara.Element:
    """A Vega-Lite chart drawn by the browser, fed only new rows from day to day."""
    return vega.Chart(spec)


@solara.component
def Banner(snap: Snapshot, notice: str | None, busy: bool, present: bool = False) -> None:
    """Which day it is, which world is which, the reform's cost, any notice.

    Presenting, it keeps to one line at 1280×720 (a second line pushed the maps' foot off
    the screen): the last day's name is left to the maps' stamps and the cost is smaller.
    """
    last = f"day {snap.day - 1} ({snap.weekday}) done" if snap.day else \
        "nothing simulated yet: press Step or ▶"
    if present:
        last = ""
    with solara.Row(classes=["pilotsim-banner"],
                    style={"align-items": "baseline", "flex-wrap": "wrap", "gap": "1.2em"}):
        solara.Text(f"Day {snap.day}", classes=["pilotsim-day"],
                    style={"font-size": "1.6em", "font-weight": "bold"})
        solara.Text(f"of {snap.days}" + (f" — {last}" if last else ""))
        for w in snap.worlds:
            solara.Text("◼ " + w.label, classes=["pilotsim-label"],
                        style={"color": figures.COLOURS[w.name], "font-weight": "bold"})
        if snap.cost and any(snap.cost.values()):
            solara.Text(f"reform cost so far: {snap.cost['budget']:,.0f} budget, "
                        f"{snap.cost['staff_hours']:,.0f} staff-hours",
                        style={"color": figures.COLOURS["reform"],
                               **({"font-size": "0.75em"} if present else {})})
    if notice:
        solara.Text(notice, classes=["pilotsim-notice"])
    if busy:
        solara.ProgressLinear(True, classes=["pilotsim-busy"])
    else:
        solara.Div(style={"height": "4px"})


@solara.component
def MapView(snap: Snapshot, present: bool) -> None:
    """Both worlds' maps, side by side; the trainer picks what colours the communities."""
    choice, set_choice = solara.use_state(next(iter(figures.MAP_CHOICES)))
    colour_by = figures.MAP_CHOICES[choice]
    font, height = FONTS[present], MAP_HEIGHT[present]
    with solara.Column(classes=["pilotsim-map"], style={"width": "100%"}):
        with solara.Row(style={"width": "100%", "gap": "12px", "flex-wrap": "nowrap"}):
            for i, w in enumerate(snap.worlds):
                with solara.Div(classes=["pilotsim-world", f"pilotsim-world-{w.name}"],
                                style={"flex": "1 1 0", "min-width": "0"}):
                    # short: the banner above says what the reform world is
                    solara.Text(SHORT_LABELS[w.name],
                                style={"color": figures.COLOURS[w.name],
                                                "font-weight": "bold",
                                                "font-size": f"{font + 2}px"})
                    Vega(figures.map_spec(snap, w, colour_by, font, height, legend=i == 1))
        solara.ToggleButtonsSingle(value=choice, on_value=set_choice,
                                   values=list(figures.MAP_CHOICES))


@solara.component
def Prose(text: str) -> None:
    """Markdown (a lesson's text, a resident's summary) drawn as HTML.

    Not ``solara.Markdown``: its page code loads Mermaid (3 MB of JavaScript) and KaTeX into
    every page that shows one, for diagrams and formulas these texts never have. Fetched and
    parsed while Vega draws the maps, they held the maps back by ~0.7 s a page load. The same
    parser (Python-Markdown) and the same CSS classes as ``solara.Markdown``.
    """
    rendered = solara.use_memo(lambda: markdown.markdown(text, extensions=["tables"]), [text])
    solara.HTML(tag="div", unsafe_innerHTML=rendered,
                classes=["solara-markdown", "rendered_html", "jp-RenderedHTMLCommon"])


@solara.component
def ResidentView(twins: TwinWorlds, snap: Snapshot) -> None:
    """What happened to one resident, in each world."""
    resident, set_resident = solara.use_state(None)
    draws, set_draws = solara.use_state(0)
    size = twins.baseline.model.population.size

    def pick() -> None:
        with twins.lock:
            rid = history.random_resident(twins.baseline.model, draws)
        set_draws(draws + 1)
        if rid is not None:
            set_resident(rid)

    with solara.Column(classes=["pilotsim-resident"]):
        with solara.Row(style={"align-items": "center"}):
            solara.InputInt("Resident id", value=resident if resident is not None else 0,
                            on_value=set_resident)
            solara.Button("A random resident with a case", on_click=pick, color="primary",
                          classes=["pilotsim-random-resident"])
        if resident is None:
            solara.Info(f"Pick a resident: an id from 0 to {size - 1}, or a random one who "
                        "has had a case. The same id is the same person in both worlds.")
            return
        if not 0 <= resident < size:
            solara.Error(f"No resident {resident}: ids run from 0 to {size - 1}.")
            return
        with twins.lock:
            who = history.resident_summary(twins.baseline.model, resident)
            tables = [(w, history.readable(history.resident_history(w.model, resident)))
                      for w in twins.worlds]
        Prose(f"**Resident {resident}**: {who['profile'].replace('_', ' ')} in "
              f"{who['community']}, digital literacy {who['digital_literacy']}")
        with solara.Row(style={"gap": "16px", "align-items": "flex-start"}):
            for w, df in tables:
                with solara.Column(style={"flex": "1 1 0", "min-width": "0"}):
                    solara.Text(w.label, style={"color": figures.COLOURS[w.name],
                                                "font-weight": "bold"})
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
                Prose(f"`pilotsim-dashboard +teaching={name}`\n\n{t.explanation}")


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
    # Only the first time: the controls are unmounted while presenting, and coming back must
    # not put the trainer's unapplied changes back to the starting values.
    solara.use_effect(lambda: model_parameters.value or model_parameters.set(
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



@dataclass(frozen=True)
class Play:
    """The play loop's state: whether it plays, the pause between days, the days per round.

    Attributes:
        playing: True while the loop runs.
        pause_ms: The pause between rounds, in ms.
        days_per_step: Days simulated per Step press or round of play.
    """

    playing: solara.Reactive[bool]
    pause_ms: solara.Reactive[int]
    days_per_step: solara.Reactive[int]


def _failure(what: str, e: Exception) -> str:
    return f"{what} failed: {type(e).__name__}: {e}".splitlines()[0][:300]


def _advance(twins: TwinWorlds, days: int) -> None:
    for _ in range(days):
        if not twins.running:
            break
        twins.step()


def use_play(model: solara.Reactive[TwinWorlds], frame: solara.Reactive[int],
             notice: solara.Reactive[str | None]) -> Play:
    """The play loop (a hook): a thread that steps and redraws at most every :data:`FRAME_S`.

    It belongs to the page, not to the Run buttons: *Present* moves the buttons from the
    sidebar to the top bar, which unmounts their component, and a loop held there would stop
    and start again.
    """
    play = Play(solara.use_reactive(False), solara.use_reactive(DEFAULT_PAUSE_MS),
                solara.use_reactive(1))

    def play_loop(cancel: threading.Event) -> None:
        last = time.monotonic()
        try:
            while play.playing.value and not cancel.is_set() and model.value.running:
                _advance(model.value, play.days_per_step.value)
                now = time.monotonic()
                if now - last >= FRAME_S or play.pause_ms.value / 1000 >= FRAME_S:
                    frame.set(frame.value + 1)
                    last = now
                if play.pause_ms.value:
                    time.sleep(play.pause_ms.value / 1000)
        except Exception as e:
            notice.set(_failure("Play", e))
        finally:
            play.playing.set(False)
            frame.set(frame.value + 1)

    # Always called (a hook); the loop returns at once when not playing. Not intrusive: a
    # cancel must never land between the two worlds' steps.
    solara.use_thread(play_loop, dependencies=[play.playing.value], intrusive_cancel=False)
    return play


@solara.component
def RunControls(model: solara.Reactive[TwinWorlds], model_parameters: solara.Reactive[dict],
                frame: solara.Reactive[int], notice: solara.Reactive[str | None],
                busy: solara.Reactive[bool], play: Play, present: bool) -> None:
    """Reset, play/pause and step for both worlds, and the speed.

    Step and Reset run as tasks (off the page's thread); ▶ starts the page's play loop
    (:func:`use_play`). Every failure becomes the one-line notice; the worlds are left as they
    were before the failing day. In the present layout only the three buttons show, in a row
    that fits the top bar.
    """
    playing = play.playing
    running = model.value.running
    # The page's render context: changes made inside ``with together:`` redraw once, at its end
    # (Solara batches the changes of one event handler the same way).
    together = reacton.core.get_render_context()

    def guarded(what: str, work: Callable[[], None]) -> None:
        """Run ``work`` with the busy bar on; a failure becomes the one-line notice."""
        busy.set(True)
        try:
            work()
            notice.set(None)
        except Exception as e:  # any failure: the notice, and the worlds as they were
            notice.set(_failure(what, e))
        finally:
            with together:  # the new day and the busy bar's end: one redraw, not two
                frame.set(frame.value + 1)
                busy.set(False)

    def reset() -> None:
        playing.set(False)
        with model.value.lock:  # let a running play loop finish its day first
            new = TwinWorlds(**model_parameters.value)
        model.set(new)

    step_task = solara.lab.use_task(
        lambda: guarded("Step", lambda: _advance(model.value, play.days_per_step.value)),
        dependencies=None)
    reset_task = solara.lab.use_task(lambda: guarded("Reset", reset), dependencies=None)
    idle = not (playing.value or step_task.pending or reset_task.pending)
    with solara.Column(classes=["pilotsim-run"]):
        with solara.Row(justify="space-between", style={"gap": "12px"}):
            solara.Button("Reset", color="primary", on_click=reset_task,
                          disabled=not idle)
            solara.Button("❚❚" if playing.value else "▶", color="primary",
                          on_click=lambda: playing.set(not playing.value),
                          disabled=not running or not (playing.value or idle))
            solara.Button("Step", color="primary", on_click=step_task,
                          disabled=not idle or not running)
        if not present:
            solara.SliderInt(f"Pause between days: {play.pause_ms.value} ms",
                             value=play.pause_ms, min=0, max=2000, step=50)
            solara.SliderInt(f"Days per step: {play.days_per_step.value}",
                             value=play.days_per_step, min=1, max=30)


@solara.component
def Headline(twins: TwinWorlds, snap: Snapshot) -> None:
    """The headline table and, beside it, the lesson's text."""
    with solara.Row(style={"gap": "24px", "align-items": "flex-start",
                           "flex-wrap": "nowrap"}):
        solara.HTML(tag="div", unsafe_innerHTML=headline_html(
            snap, twins.teaching.by_district), classes=["pilotsim-headline"])
        with solara.Div(classes=["pilotsim-lesson"], style={"flex": "1 1 0"}):
            Prose(f"**{twins.teaching.title}.** {twins.teaching.explanation}")


@solara.component
def MainView(twins: TwinWorlds, frame: solara.Reactive[int],
             notice: solara.Reactive[str | None], busy: solara.Reactive[bool],
             present: bool) -> None:
    """The day, the headline numbers beside the lesson, and the tabs (maps first).

    Presenting, the table and the lesson follow the open tab instead of preceding it.

    It reads ``frame``, ``notice`` and ``busy`` itself, so that a new day redraws this view
    only: the page around it (the sidebar's fifty-odd controls) is left alone. Only the open
    tab is drawn; another tab draws from the same snapshot when it is opened.
    """
    tab, set_tab = solara.use_state(0)
    snap = solara.use_memo(lambda: take(twins), [twins, frame.value])
    font = FONTS[present]
    with solara.Column(style={"width": "100%", "gap": "6px"},
                       classes=["pilotsim-main", *(["pilotsim-present"] if present else [])]):
        Banner(snap, notice.value, busy.value, present)
        if not present:
            Headline(twins, snap)
        with solara.lab.Tabs(value=tab, on_value=set_tab):
            for title in TABS:
                solara.lab.Tab(title)
        name = TABS[tab]
        if name == "Map":
            MapView(snap, present)
        elif not snap.day and name in ("Measures", "By district", "Queues"):
            solara.Info("Step the worlds to see the measures over time.")
        elif name == "Measures":
            with solara.Div(classes=["pilotsim-measures"]):
                Vega(figures.measures_spec(snap, font))
        elif name == "By district":
            with solara.Div(classes=["pilotsim-districts"]):
                Vega(figures.districts_spec(snap, font))
        elif name == "Queues":
            with solara.Div(classes=["pilotsim-queues"]):
                Vega(figures.queues_spec(snap, font))
        elif name == "A resident":
            ResidentView(twins, snap)
        else:
            TeachingList()
        if present:
            # Under the views: at a projector's 1280×720 the table in large type fills the
            # first screen, and the maps are what the room looks at; at 1920×1080 both fit.
            Headline(twins, snap)


@solara.component
def Dashboard(model: solara.Reactive[TwinWorlds], params: dict,
              present_at_start: bool = False) -> None:
    """The whole page for a reactive :class:`TwinWorlds` and its controls."""
    model_parameters = solara.use_reactive({})
    frame = solara.use_reactive(0)
    notice = solara.use_reactive(None)
    busy = solara.use_reactive(False)
    present = solara.use_reactive(present_at_start)
    play = use_play(model, frame, notice)
    solara.Title("pilotsim dashboard")
    solara.Style(CSS)

    def run_controls() -> None:
        RunControls(model, model_parameters, frame, notice, busy, play, present.value)

    with solara.AppBar():
        solara.AppBarTitle(TITLE)
        if present.value:  # no sidebar: its 400 px are the maps' at 1280×720
            with solara.Div(classes=["pilotsim-topbar"]):
                run_controls()
        solara.Switch(label="Present", value=present, classes=["pilotsim-present-toggle"],
                      style={"margin-top": "18px"})
    if not present.value:
        with solara.Sidebar(), solara.Column():
            with solara.Card("Run"):
                run_controls()
            with solara.Card("Controls (press Reset to apply)"):
                Controls(params, model_parameters)
    MainView(model.value, frame, notice, busy, present.value)


@solara.component
def Page() -> None:
    """The app the ``pilotsim-dashboard`` command serves."""
    settings = solara.use_memo(launch_settings, [])
    first = solara.use_memo(lambda: TwinWorlds(settings["overrides"],
                                               sample_fraction=settings["sample_fraction"]), [])
    params = solara.use_memo(lambda: model_params(first, settings["overrides"],
                                                  settings["sample_fraction"]), [])
    model = solara.use_reactive(first)
    Dashboard(model, params, settings["present"])
