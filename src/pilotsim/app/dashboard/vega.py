"""A Vega-Lite chart widget that takes its rows apart from its structure.

``solara.widgets.VegaLite`` re-embeds the whole chart whenever its spec changes (parsing and
compiling it again in the browser, after a 100 ms debounce); the dashboard changes only the
rows each day. :class:`VegaChart` (``vega.vue``) embeds a chart once and then replaces the rows
of its named datasets in place, so a day on screen costs the browser one dataflow run.

Structure and rows travel as JSON text, not as dicts: the page's renderer compares and walks
every dict and list among an element's arguments on each render (a few per Step), and the
rows are hundreds of small dicts; text is compared at once. In the browser, each draw parses
its own fresh rows, which Vega may mark as it likes (see ``vega.vue``).
"""

from __future__ import annotations

import json
from pathlib import Path

import ipyvuetify as v
import solara
import traitlets

SERVER_ONLY = ("spec", "rows")  # VegaChart traits the browser never writes


class VegaChart(v.VuetifyTemplate):
    """A Vega-Lite chart: ``spec`` without rows (``{"data": {"name": ...}}``), ``rows`` by name.

    Both are JSON text (see the module docstring).
    """

    template_file = str(Path(__file__).with_name("vega.vue"))
    spec = traitlets.Unicode("{}").tag(sync=True)
    rows = traitlets.Unicode("{}").tag(sync=True)  # not "data": a reserved name in Vue

    def set_state(self, sync_data: dict) -> None:
        """Take the browser's changes, except to the chart: only the server writes it.

        ipyvue syncs every trait both ways. A browser that sends ``spec`` or ``rows`` back
        sends what it had, which can be older than what the server has set since; taking it
        would put an old day on the page (issue 14).
        """
        super().set_state({k: x for k, x in sync_data.items() if k not in SERVER_ONLY})


def split(spec: dict) -> tuple[dict, dict]:
    """A spec with top-level ``datasets`` → (the spec without them, the datasets)."""
    rest = {k: x for k, x in spec.items() if k != "datasets"}
    return rest, dict(spec.get("datasets", {}))


def Chart(spec: dict) -> solara.Element:  # noqa: N802 - an element, named like a component
    """The element for a spec whose rows are in top-level ``datasets``."""
    structure, rows = split(spec)
    # allow_nan=False: NaN is not JSON, the browser could not parse the chart (figures send null)
    return VegaChart.element(spec=json.dumps(structure, allow_nan=False),
                             rows=json.dumps(rows, allow_nan=False))
