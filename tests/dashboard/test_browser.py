"""The dashboard in a real browser: started by its command, driven with headless Chromium.

Skips only where no Chromium is installed (``.ci/install-browser`` installs Debian's). Set
``PILOTSIM_DASHBOARD_SCREENSHOT=docs/dashboard.png`` to also save the screenshot for the docs.
"""

import os
import re
import shutil
from pathlib import Path

import pytest

from pilotsim.dashboard import assets
from tests.dashboard.browser import chromium_available, dashboard_server, drive

SKIP = chromium_available()
NUMBER = re.compile(r"^-?[\d,]+(\.\d+)?%?$")


@pytest.mark.skipif(SKIP is not None, reason=SKIP or "")
def test_step_in_the_browser_advances_the_day_and_both_worlds_show_data(tmp_path):
    assets.ensure()  # Solara's browser files, from the npm registry, once
    overrides = ["sim.days=60", "city.offices.east_civil_affairs.counters=1",
                 "seed=3"]
    with dashboard_server(overrides, tmp_path / "server.log") as url:
        seen = drive(url, tmp_path / "dashboard.png", steps=4, play_days=3)
    assert seen.days_seen == [0, 1, 2, 3, 4]
    assert seen.played_to is not None and seen.played_to >= 7  # ▶ played on, ❚❚ paused
    header, *rows = seen.headline
    assert header[1:] == ["baseline: last 7 days", "baseline: since day 0",
                          "reform: last 7 days", "reform: since day 0"]
    by_name = {r[0]: r[1:] for r in rows}
    closed = by_name["Cases closed"]
    assert all(NUMBER.match(c) for c in closed) and int(closed[1]) > 0 and int(closed[3]) > 0
    waits = by_name["Mean wait per visit (min)"]
    assert NUMBER.match(waits[1]) and NUMBER.match(waits[3])  # both worlds' charts have data
    assert seen.images == 1
    shot = seen.screenshot
    assert shot.stat().st_size > 50_000  # a rendered page, not a blank one
    target = os.environ.get("PILOTSIM_DASHBOARD_SCREENSHOT")
    if target:
        Path(target).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shot, target)
