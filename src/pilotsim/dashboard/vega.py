"""A Vega-Lite chart widget that takes its rows apart from its structure.

``solara.widgets.VegaLite`` re-embeds the whole chart whenever its spec changes (parsing and
compiling it again in the browser, after a 100 ms debounce); the dashboard changes only the
rows each day. :class:`VegaChart` (``vega.vue``) embeds a chart once and then replaces the rows
of its named datasets in place, so a day on screen costs the browser one dataflow run.
"""

from __future__ import annotations

from pathlib import Path

import ipyvuetify as v
import solara
import traitlets

SERVER_ONLY = ("spec", "rows")  # VegaChart traits the browser never writes


class VegaChart(v.VuetifyTemplate):
    """A Vega-Lite chart: ``spec`` without rows (``{"data": {"name": ...}}``), ``rows`` by name."""

    template_file = str(Path(__file__).with_name("vega.vue"))
    spec = traitlets.Dict().tag(sync=True)
    rows = traitlets.Dict().tag(sync=True)  # not "data": a reserved name in Vue

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
    return VegaChart.element(spec=structure, rows=rows)
