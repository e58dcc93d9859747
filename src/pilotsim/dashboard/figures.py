"""The dashboard's pictures (Matplotlib ``Figure`` objects, no pyplot state, thread-safe).

* :func:`map_figure` — communities and offices of both worlds; today's trips as lines;
* :func:`measures_figure` — the five headline measures over time, both worlds on one axis;
* :func:`queues_figure` — people waiting at each office over time, both worlds on one axis;
* :func:`headline_table` — the same measures as numbers (the app shows it as a table).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd
from matplotlib import colormaps
from matplotlib.colors import Normalize
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from pilotsim.dashboard.tracker import MEASURES
from pilotsim.hours import WEEKDAYS

if TYPE_CHECKING:
    from pilotsim.dashboard.worlds import TwinWorlds, World

COLOURS = {"baseline": "#4c72b0", "reform": "#dd8452"}
TRIP_COLOURS = {False: "#2b8cbe", True: "#d7301f"}  # useful trip, wasted trip
WINDOW = 7  # days in the trailing window of the charts and the table

MapColour = Literal["satisfaction", "trips_per_case"]
MAP_COLOURS: dict[str, tuple[str, str, float, float]] = {
    # what → (label, colormap, vmin, vmax)
    "satisfaction": ("Satisfaction so far (0–100)", "RdYlGn", 30.0, 90.0),
    "trips_per_case": ("Trips per closed case so far", "RdYlGn_r", 1.0, 2.0),
}


def weekday_name(twins: TwinWorlds, day: int) -> str:
    """The weekday of simulated ``day`` (``mon`` … ``sun``)."""
    spec = twins.baseline.model.spec
    return WEEKDAYS[(spec.sim.start_weekday + day) % 7]


def reached(world: World) -> np.ndarray:
    """Whether a reform has reached each community by now (started and in its scope)."""
    m = world.model
    out = np.zeros(len(m.community_names), dtype=bool)
    for r in getattr(m, "reforms", ()):
        if r.started:
            out[list(r.reached())] = True
    return out


def _draw_world(ax, world: World, colour_by: str, norm: Normalize, cmap: str) -> None:
    m, tr = world.model, world.tracker
    city = m.spec.city
    comm_xy = np.array([c.location for c in city.communities.values()], dtype=float)
    office_xy = np.array([o.location for o in m.offices], dtype=float)
    trips = tr.today_trips()
    for c, o, wasted, n in zip(trips.community, trips.office, trips.wasted, trips.count,
                               strict=True):
        (x0, y0), (x1, y1) = comm_xy[c], office_xy[o]
        ax.plot([x0, x1], [y0, y1], color=TRIP_COLOURS[bool(wasted)], lw=0.8 + 1.2 * n,
                alpha=0.75, ls="--" if wasted else "-", zorder=1)
    values = tr.community_satisfaction() if colour_by == "satisfaction" else \
        tr.community_trips_per_case()
    pop = np.array([c.population for c in city.communities.values()], dtype=float)
    ax.scatter(comm_xy[:, 0], comm_xy[:, 1], s=60 + 240 * pop / pop.max(), c=values,
               cmap=colormaps[cmap].with_extremes(bad="#d9d9d9"), norm=norm,
               plotnonfinite=True, edgecolors="k",
               linewidths=np.where(reached(world), 2.6, 0.6), zorder=2)
    for (x, y), name in zip(comm_xy, city.communities, strict=True):
        ax.annotate(name, (x, y), xytext=(0, -13), textcoords="offset points", ha="center",
                    fontsize=6, color="#444")
    q = tr.office_queue[-1] if tr.office_queue else np.zeros(len(m.offices))
    open_ = np.array([o.counters > 0 for o in m.offices])  # a reform may close a desk
    ax.scatter(office_xy[:, 0], office_xy[:, 1], marker="s", s=40 + 30 * q,
               c=np.where(open_[:, None], np.array([[0.416, 0.318, 0.639, 0.85]]),
                          np.array([[1.0, 1.0, 1.0, 0.9]])),
               edgecolors="k", linewidths=0.6, zorder=3)
    for (x, y), n in zip(office_xy, q, strict=True):
        if n >= 0.5:
            ax.annotate(f"{n:.0f}", (x, y), ha="center", va="center", fontsize=7,
                        color="white", zorder=4)
    ax.set_aspect("equal")
    ax.set_xlabel("km")
    ax.grid(alpha=0.2)


def map_figure(twins: TwinWorlds, colour_by: MapColour = "satisfaction") -> Figure:
    """Both worlds' maps (baseline above, reform below), on the last simulated day.

    Communities are circles (area: residents; colour: ``colour_by`` so far); offices are purple
    squares (white: closed, e.g. a desk absorbed by a one-door centre) whose size and number
    give the people waiting on average that day; lines are that
    day's trips from community to office (solid blue: useful; dashed red: wasted). A thick
    ring marks the communities a reform has reached by that day.
    """
    label, cmap, vmin, vmax = MAP_COLOURS[colour_by]
    norm = Normalize(vmin, vmax)
    fig = Figure(figsize=(10, 8), layout="constrained")
    axes = fig.subplots(2, 1, sharex=True, sharey=True)
    day = twins.day - 1
    when = f"day {day} ({weekday_name(twins, day)})" if day >= 0 else "before day 0"
    for ax, world in zip(axes, twins.worlds, strict=True):
        _draw_world(ax, world, colour_by, norm, cmap)
        ax.set_title(f"{world.label}\n{when}", fontsize=9, color=COLOURS[world.name])
    fig.colorbar(axes[1].collections[-2], ax=axes, label=label, shrink=0.8)
    handles = [Line2D([], [], color=TRIP_COLOURS[False], label="trip today"),
               Line2D([], [], color=TRIP_COLOURS[True], ls="--", label="wasted trip today"),
               Line2D([], [], marker="s", ls="", color="#6a51a3",
                      label="office (number: people waiting)"),
               Line2D([], [], marker="o", ls="", mfc="white", mec="k", mew=2.6,
                      label="community the reform has reached")]
    axes[0].legend(handles=handles, loc="upper left", fontsize=7, framealpha=0.8)
    return fig


def measures_figure(twins: TwinWorlds, window: int = WINDOW) -> Figure:
    """The five headline measures per day (trailing ``window`` days), both worlds per axis."""
    fig = Figure(figsize=(11, 5), layout="constrained")
    axes = fig.subplots(2, 3).ravel()
    series = {w.name: w.tracker.series(window) for w in twins.worlds}
    for ax, (name, (_, _, label)) in zip(axes, MEASURES.items(), strict=False):
        for w in twins.worlds:
            s = series[w.name][name]
            ax.plot(s.index, s.to_numpy(), color=COLOURS[w.name], lw=1.6, label=w.label)
        ax.set_title(label, fontsize=9)
        ax.grid(alpha=0.25)
        ax.set_xlabel("day")
        if name in ("one_trip_share", "abandonment"):
            ax.yaxis.set_major_formatter(lambda v, _: f"{v:.0%}")
    legend_ax = axes[-1]
    legend_ax.axis("off")
    legend_ax.legend(*axes[0].get_legend_handles_labels(), loc="center", fontsize=8,
                     title=f"trailing {window}-day values")
    return fig


def queues_figure(twins: TwinWorlds, window: int = WINDOW) -> Figure:
    """People waiting at each office (daily mean while open, trailing ``window`` days)."""
    offices = twins.baseline.model.offices
    cols = 3
    rows = -(-len(offices) // cols)
    fig = Figure(figsize=(11, 1.9 * rows + 0.6), layout="constrained")
    axes = np.atleast_1d(fig.subplots(rows, cols, sharex=True)).ravel()
    for w in twins.worlds:
        q = w.tracker.queue_series(window)
        for i, ax in enumerate(axes[:len(offices)]):
            ax.plot(np.arange(len(q)), q[:, i] if len(q) else [], color=COLOURS[w.name],
                    lw=1.4, label=w.label)
    for ax, office in zip(axes, offices, strict=False):
        ax.set_title(office.name.replace("_", " "), fontsize=8)
        ax.grid(alpha=0.25)
        ax.set_ylim(bottom=0)
    for ax in axes[len(offices):]:
        ax.axis("off")
    fig.suptitle(f"People waiting while the office is open (trailing {window} days)",
                 fontsize=9)
    return fig


def headline_table(twins: TwinWorlds, window: int = WINDOW) -> pd.DataFrame:
    """The measures as numbers: each world's trailing-window and since-day-0 values."""
    rows = {}
    for name, (num, den, label) in MEASURES.items():
        row = {}
        for w in twins.worlds:
            t = w.tracker
            last = t.series(window)[name].iloc[-1] if t.days else np.nan
            total_den = float(np.sum(t.totals[den]))
            total = float(np.sum(t.totals[num])) / total_den if total_den else np.nan
            row[f"{w.name}: last {window} days"] = last
            row[f"{w.name}: since day 0"] = total
        rows[label] = row
    rows["Cases closed"] = {
        f"{w.name}: {k}": v for w in twins.worlds for k, v in (
            (f"last {window} days", float(np.sum(w.tracker.totals["closed"][-window:]))),
            ("since day 0", float(np.sum(w.tracker.totals["closed"]))))}
    return pd.DataFrame.from_dict(rows, orient="index")
