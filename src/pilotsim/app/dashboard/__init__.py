"""The trainer's dashboard: the same residents, the same days, with and without a reform.

Two worlds are built from one Hydra config (the user's overrides), stepped together one day at
a time and shown side by side in a Solara app (Mesa model_params for the controls):

* :mod:`~pilotsim.app.dashboard.settings` — what the trainer changes (reforms, counters, committee
  staff, residents' knowledge) and how that becomes the two worlds' Hydra overrides;
* :mod:`~pilotsim.app.dashboard.tracker` — a per-day accumulator read off a running model;
* :mod:`~pilotsim.app.dashboard.worlds` — the two worlds as one Mesa model;
* :mod:`~pilotsim.app.dashboard.history` — "what happened to this resident?";
* :mod:`~pilotsim.app.dashboard.teaching` — the ready-made teaching scenarios (``conf/teaching``);
* :mod:`~pilotsim.app.dashboard.snapshot` — what the page shows, copied under the worlds' lock;
* :mod:`~pilotsim.app.dashboard.figures` — the maps and the charts (Vega-Lite specs), drawn in the
  browser by :mod:`~pilotsim.app.dashboard.vega`;
* :mod:`~pilotsim.app.dashboard.app` — the Solara page; :mod:`~pilotsim.app.dashboard.cli` — the
  ``pilotsim-dashboard`` command.
"""
