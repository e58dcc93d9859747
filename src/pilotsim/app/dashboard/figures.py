"""The dashboard's pictures as Vega-Lite specifications, drawn by the browser.

Each function turns a :class:`~pilotsim.app.dashboard.snapshot.Snapshot` into a plain Vega-Lite
dict (no Altair objects: building and validating those costs more than the day it shows) whose
rows are in top-level named ``datasets``. The browser draws them with Vega
(:class:`~pilotsim.app.dashboard.vega.VegaChart`): the chart is embedded once and each new day
only replaces its rows, so a day on screen costs the server these small dicts and the browser
one dataflow run.

* :func:`map_spec` — one world's communities, offices and today's trips;
* :func:`measures_spec` — the headline measures over time, both worlds on one axis each;
* :func:`queues_spec` — people waiting at each office, both worlds, one shared scale;
* :func:`districts_spec` — the measures of each district of residence, both worlds.

``font`` sets every text's size in CSS pixels (the page passes a larger one to present).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Literal

import numpy as np

from pilotsim.app.dashboard.tracker import MEASURES

if TYPE_CHECKING:
    from pilotsim.app.dashboard.snapshot import Snapshot, WorldView

COLOURS = {"baseline": "#4c72b0", "reform": "#dd8452"}
TRIP_COLOURS = ("#2b8cbe", "#d7301f")  # useful trip, wasted trip
OFFICE_COLOUR = "#6a51a3"
FONT = 14  # CSS px; the floor for a projector at 1920×1080

MapColour = Literal["satisfaction", "trips_per_case"]
MAP_COLOURS: dict[str, tuple[str, str, float, float]] = {
    # what → (label, Vega colour scheme, red end, green end)
    "satisfaction": ("Satisfaction so far (0–100)", "redyellowgreen", 30.0, 90.0),
    "trips_per_case": ("Trips per closed case so far", "redyellowgreen", 2.0, 1.0),
}
MAP_CHOICES = {"Colour by satisfaction": "satisfaction",
               "Colour by trips per case": "trips_per_case"}
# Fixed axes where the measure has natural bounds, so an early spike cannot stretch them.
MEASURE_DOMAINS: dict[str, list[float] | None] = {
    "trips_per_case": None, "one_trip_share": [0, 1], "wait_mean_min": None,
    "satisfaction": [0, 100], "abandonment": [0, 1]}
PERCENT = ("one_trip_share", "abandonment")


def _num(x: float) -> float | None:
    """A JSON number, or None (Vega's null) for NaN."""
    return None if x is None or not math.isfinite(x) else round(float(x), 4)


# no "…" menu over the charts; SVG: crisp on a projector, and its text can be measured
EMBED = {"embedOptions": {"actions": False, "renderer": "svg"}}


def config(font: int = FONT) -> dict:
    """Shared look: text sizes in px, no chart border."""
    return {"font": "Roboto, Helvetica, Arial, sans-serif",
            "axis": {"labelFontSize": font, "titleFontSize": font, "titleFontWeight": "normal"},
            "legend": {"labelFontSize": font, "titleFontSize": font, "symbolSize": 120,
                       "titleFontWeight": "normal", "labelLimit": 400},
            "header": {"labelFontSize": font, "titleFontSize": font},
            "title": {"fontSize": font + 2, "anchor": "start"},
            "text": {"fontSize": font},
            "view": {"stroke": None}}


def _bounds(snap: Snapshot) -> tuple[list[float], list[float]]:
    xy = np.vstack([snap.community_xy, *(w.office_xy for w in snap.worlds)])
    lo, hi = xy.min(axis=0), xy.max(axis=0)
    pad = 0.06 * (hi - lo).max() + 0.3
    return [float(lo[0] - pad), float(hi[0] + pad)], [float(lo[1] - pad), float(hi[1] + pad)]


def map_spec(snap: Snapshot, world: WorldView, colour_by: MapColour = "satisfaction",
             font: int = FONT, height: int = 360, legend: bool = True) -> dict:
    """One world's map on the snapshot's day.

    Communities are circles (area: residents; colour: ``colour_by`` so far; grey: no closed
    case yet; a thick ring once a reform reaches them); offices are purple squares (white:
    closed, e.g. a desk absorbed by a one-door centre) sized and numbered by the people waiting
    on average that day; lines are the day's trips (solid blue: useful; dashed red: wasted).
    """
    label, scheme, lo, hi = MAP_COLOURS[colour_by]
    values = world.community_satisfaction if colour_by == "satisfaction" else \
        world.community_trips
    xdom, ydom = _bounds(snap)
    x = {"type": "quantitative", "scale": {"domain": xdom, "nice": False, "zero": False},
         "axis": None}
    y = {"type": "quantitative", "scale": {"domain": ydom, "nice": False, "zero": False},
         "axis": None}
    cxy, oxy = snap.community_xy, world.office_xy
    trips = [{"x": cxy[c, 0], "y": cxy[c, 1], "x2": oxy[o, 0], "y2": oxy[o, 1],
              "trip": "wasted trip today" if wasted else "trip today", "n": int(n)}
             for c, o, wasted, n in world.trips.tolist()]
    comms = [{"x": float(p[0]), "y": float(p[1]), "name": name, "pop": float(pop),
              "value": _num(v), "reached": bool(r)}
             for p, name, pop, v, r in zip(cxy, snap.community_names, snap.community_population,
                                           values, world.reached, strict=True)]
    offices = [{"x": float(p[0]), "y": float(p[1]), "office": name, "open": bool(op),
                "waiting": round(float(q), 1), "n": f"{q:.0f}" if q >= 0.5 else ""}
               for p, name, op, q in zip(oxy, world.office_names, world.office_open,
                                         world.office_queue_today, strict=True)]
    trip_scale = {"domain": ["trip today", "wasted trip today"], "range": list(TRIP_COLOURS)}
    layers = [
        {"data": {"name": "trips"}, "mark": {"type": "rule", "opacity": 0.75},
         "encoding": {"x": {"field": "x", **x}, "y": {"field": "y", **y},
                      "x2": {"field": "x2"}, "y2": {"field": "y2"},
                      "color": {"field": "trip", "type": "nominal", "scale": trip_scale,
                                # below, beside the colour's: at top-left it covered
                                # the day stamp
                                "legend": {"title": None, "orient": "bottom",
                                           "direction": "vertical"}
                                if legend else None},
                      "strokeDash": {"field": "trip", "type": "nominal",
                                     "scale": {"domain": trip_scale["domain"],
                                               "range": [[1, 0], [5, 3]]}, "legend": None},
                      "strokeWidth": {"field": "n", "type": "quantitative",
                                      "scale": {"range": [1.2, 6], "domain": [1, 8],
                                                "clamp": True}, "legend": None}}},
        {"data": {"name": "communities"}, "mark": {"type": "circle", "opacity": 0.95,
                                             "stroke": "black", "invalid": None},
         "encoding": {"x": {"field": "x", **x}, "y": {"field": "y", **y},
                      "size": {"field": "pop", "type": "quantitative",
                               "scale": {"range": [250, 900], "zero": False}, "legend": None},
                      "color": {"condition": {"test": "datum.value === null",
                                              "value": "#d9d9d9"},
                                "field": "value", "type": "quantitative",
                                "scale": {"scheme": scheme, "domain": [lo, hi], "clamp": True},
                                "legend": {"title": label, "orient": "bottom",
                                           "direction": "horizontal", "gradientLength": 220}
                                if legend else None},
                      "strokeWidth": {"condition": {"test": "datum.reached", "value": 4},
                                      "value": 0.6},
                      "tooltip": [{"field": "name"}, {"field": "value", "title": label}]}},
        {"data": {"name": "communities"},
         "mark": {"type": "text", "dy": 26, "color": "#333"},
         "encoding": {"x": {"field": "x", **x}, "y": {"field": "y", **y},
                      "text": {"field": "name"}}},
        {"data": {"name": "offices"},
         "mark": {"type": "square", "stroke": "black", "strokeWidth": 0.8},
         "encoding": {"x": {"field": "x", **x}, "y": {"field": "y", **y},
                      "size": {"field": "waiting", "type": "quantitative",
                               "scale": {"range": [200, 1600], "domain": [0, 30],
                                         "clamp": True}, "legend": None},
                      "color": {"condition": {"test": "datum.open", "value": OFFICE_COLOUR},
                                "value": "white"},
                      "tooltip": [{"field": "office"},
                                  {"field": "waiting", "title": "people waiting (mean)"}]}},
        {"data": {"name": "offices"}, "mark": {"type": "text", "color": "white",
                                               "fontWeight": "bold"},
         "encoding": {"x": {"field": "x", **x}, "y": {"field": "y", **y},
                      "text": {"field": "n"}}},
        {"data": {"name": "stamp"},  # the day, in the corner of each map
         "mark": {"type": "text", "align": "left", "baseline": "top", "x": 4, "y": 4,
                  "fontWeight": "bold", "color": COLOURS[world.name]},
         "encoding": {"text": {"field": "t"}}},
    ]
    when = f"day {snap.day - 1} ({snap.weekday})" if snap.day else "before day 0"
    return {"$schema": "https://vega.github.io/schema/vega-lite/v5.json",
            "width": "container", "height": height, "autosize": {"type": "fit-x"},
            "resolve": {"scale": {"size": "independent", "color": "independent"}},
            "layer": layers, "config": config(font), "usermeta": EMBED,
            "datasets": {"trips": trips, "communities": comms, "offices": offices,
                         "stamp": [{"t": when}]}}


def _series_rows(snap: Snapshot) -> list[dict]:
    rows = []
    for w in snap.worlds:
        s = w.series
        for name in MEASURES:
            for day, v in zip(s.index.tolist(), s[name].tolist(), strict=True):
                if math.isfinite(v):
                    rows.append({"day": day, "world": w.label, "measure": name, "v": v})
    return rows


def _world_scale(snap: Snapshot) -> dict:
    return {"domain": [w.label for w in snap.worlds],
            "range": [COLOURS[w.name] for w in snap.worlds]}


def _start(snap: Snapshot) -> list[dict]:
    """Where the comparison starts (the reforms' start day), once the worlds are there."""
    return [{"day": snap.compare_from}] if 0 < snap.compare_from <= snap.day else []


START_RULE = {"data": {"name": "start"},  # a dotted line where the comparison starts
              "mark": {"type": "rule", "strokeDash": [4, 4], "color": "#777"},
              "encoding": {"x": {"field": "day", "type": "quantitative"}}}


def measures_spec(snap: Snapshot, font: int = FONT, width: int = 380,
                  height: int = 190) -> dict:
    """The headline measures per day (trailing window), both worlds per chart."""
    rows = _series_rows(snap)
    charts = []
    for name, (_, _, label) in MEASURES.items():
        y: dict = {"field": "v", "type": "quantitative", "title": None,
                   "scale": {"zero": False}}
        if MEASURE_DOMAINS[name]:
            y["scale"] = {"domain": MEASURE_DOMAINS[name]}
        if name in PERCENT:
            y["axis"] = {"format": ".0%"}
        charts.append({
            "width": width, "height": height, "title": label,
            "layer": [{"data": {"name": "rows"},
                       "transform": [{"filter": {"field": "measure", "equal": name}}],
                       "mark": {"type": "line", "strokeWidth": 2.5},
                       "encoding": {"x": {"field": "day", "type": "quantitative"},
                                    "y": y,
                                    "color": {"field": "world", "type": "nominal",
                                              "scale": _world_scale(snap),
                                              "legend": {"title": None, "orient": "top"}}}},
                      START_RULE]})
    return {"$schema": "https://vega.github.io/schema/vega-lite/v5.json",
            "concat": charts, "columns": 3,
            "resolve": {"scale": {"y": "independent"}}, "config": config(font), "usermeta": EMBED,
            "datasets": {"rows": rows, "start": _start(snap)}}


def queues_spec(snap: Snapshot, font: int = FONT, width: int = 380,
                height: int = 150) -> dict:
    """People waiting at each office (daily mean while open, trailing window).

    One y scale for every office (a long queue looks long next to a short one) and one legend
    for the two worlds. Offices are named as the reform world knows them (a one-door centre
    says so); an office that exists in one world only is drawn for that world.
    """
    names = snap.worlds[1].office_names
    rows = []
    for w in snap.worlds:
        q = w.queues
        for i in range(q.shape[1]):
            office = names[i] if i < len(names) else w.office_names[i]
            for day, v in enumerate(q[:, i].tolist()):
                rows.append({"day": day, "world": w.label, "office": office, "v": _num(v)})
    return {"$schema": "https://vega.github.io/schema/vega-lite/v5.json",
            "data": {"name": "rows"}, "datasets": {"rows": rows},
            "title": "People waiting while the office is open (trailing 7 days)",
            "facet": {"field": "office", "type": "nominal", "title": None,
                      "sort": names, "header": {"labelFontSize": font}},
            "columns": 3,
            "spec": {"width": width, "height": height,
                     "layer": [{"mark": {"type": "line", "strokeWidth": 2.5},
                                "encoding": {"x": {"field": "day", "type": "quantitative"},
                                             "y": {"field": "v", "type": "quantitative",
                                                   "title": "people waiting"},
                                             "color": {"field": "world", "type": "nominal",
                                                       "scale": _world_scale(snap),
                                                       "legend": {"title": None,
                                                                  "orient": "top"}}}}]},
            "config": config(font), "usermeta": EMBED}


def districts_spec(snap: Snapshot, font: int = FONT, width: int = 300,
                   height: int = 170) -> dict:
    """Mean wait, satisfaction and trips per case of each district's residents, both worlds.

    Over the days since the comparison started (:attr:`Snapshot.compare_from`).
    """
    rows = []
    for w in snap.worlds:
        for district, r in w.districts.iterrows():
            for name in ("wait_mean_min", "satisfaction", "trips_per_case"):
                if math.isfinite(r[name]):
                    rows.append({"district": district, "world": w.label, "measure": name,
                                 "v": round(float(r[name]), 2)})
    titles = {"wait_mean_min": "Mean wait per visit (min)",
              "satisfaction": "Satisfaction (0–100)", "trips_per_case": "Trips per case"}
    charts = [{"width": width, "height": height, "title": t,
               "transform": [{"filter": {"field": "measure", "equal": m}}],
               "mark": "bar",
               "encoding": {"x": {"field": "district", "type": "nominal", "title": None,
                                  "axis": {"labelAngle": 0}},
                            "xOffset": {"field": "world", "type": "nominal",
                                        "sort": [w.label for w in snap.worlds]},
                            "y": {"field": "v", "type": "quantitative", "title": None},
                            "color": {"field": "world", "type": "nominal",
                                      "scale": _world_scale(snap),
                                      "legend": {"title": None, "orient": "top"}}}}
              for m, t in titles.items()]
    return {"$schema": "https://vega.github.io/schema/vega-lite/v5.json",
            "data": {"name": "rows"}, "datasets": {"rows": rows},
            "title": f"By district of residence, since day {snap.compare_from}",
            "hconcat": charts, "resolve": {"scale": {"y": "independent"}},
            "config": config(font), "usermeta": EMBED}
