"""The dashboard in a real browser: started by its command, driven with headless Chromium.

Each test starts its own server (its own overrides) and opens its page in a browser context
of its own (fresh cookies and cache: a session of its own); one Chromium serves the module.

Skips only where no Chromium is installed (``.ci/install-browser`` installs Debian's). Set
``PILOTSIM_DASHBOARD_SCREENSHOT=docs/dashboard.png`` to also save the screenshot for the docs.
"""

import os
import re
import shutil
from pathlib import Path

import pytest

from pilotsim.app.dashboard import assets
from pilotsim.app.dashboard.teaching import preset_names, read_preset
from pilotsim.app.dashboard.tracker import MEASURES
from tests.dashboard.browser import (
    _day,
    browser_page,
    cdn_packages,
    chromium,
    chromium_available,
    dashboard_server,
    drive,
    headline,
    layout,
    play_for,
    press_step,
    set_slider,
)

SKIP = chromium_available()
NUMBER = re.compile(r"^-?[\d,]+(\.\d+)?%?$")
pytestmark = pytest.mark.skipif(SKIP is not None, reason=SKIP or "")
TRACEBACK = ("Traceback", "ValueError", "IndexError", "KeyError", "Exception")


@pytest.fixture(scope="module", autouse=True)
def browser_files():
    assets.ensure()  # Solara's and Vega's browser files, from the npm registry, once


@pytest.fixture(scope="module")
def browser():
    """One Chromium for the module; each test opens its page in a context of its own."""
    with chromium() as b:
        yield b


def no_traceback(text: str) -> None:
    assert not any(t in text for t in TRACEBACK), text[:2000]


def test_step_and_play_show_both_worlds_side_by_side_above_the_fold(tmp_path, browser):
    overrides = ["sim.days=60", "city.offices.east_civil_affairs.counters=1", "seed=3"]
    with dashboard_server(overrides, tmp_path / "server.log") as url:
        seen = drive(url, tmp_path / "dashboard.png", steps=4, play_days=3,
                     browser=browser)
    assert seen.days_seen == [0, 1, 2, 3, 4]
    assert seen.played_to is not None and seen.played_to >= 7  # ▶ played on, ❚❚ paused
    header, *rows = seen.headline
    assert header[1:] == ["without\nlast 7 days", "with reform\nlast 7 days",
                          "without\nsince day 0", "with reform\nsince day 0"]
    by_name = {r[0]: r[1:] for r in rows}
    closed = by_name["Cases closed"]
    assert all(NUMBER.match(c) for c in closed) and int(closed[2]) > 0 and int(closed[3]) > 0
    waits = by_name["Mean wait per visit (min)"]
    assert NUMBER.match(waits[2]) and NUMBER.match(waits[3])
    # 1920×1080: the two maps side by side, all of them and the table on the first screen
    bx, by, bw, bh = seen.boxes["baseline map"]
    rx, ry, rw, rh = seen.boxes["reform map"]
    assert abs(by - ry) < 2 and rx >= bx + bw - 1 and bw > 600 and rw > 600
    assert by + bh <= 1080 and ry + rh <= 1080 and bh > 300
    _, ty, _, th = seen.boxes["headline"]
    assert ty + th <= by and ty + th <= 1080
    assert seen.min_map_font >= 14
    assert seen.charts >= 2  # lines of both worlds (a measure with < 10 cases is not drawn)
    assert all(label in seen.page_text for _, _, label in MEASURES.values())
    no_traceback(seen.page_text)
    target = os.environ.get("PILOTSIM_DASHBOARD_SCREENSHOT")
    if target:
        Path(target).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(seen.screenshot, target)


def test_play_at_zero_ms_for_ten_seconds_never_shows_a_traceback(tmp_path, browser):
    with dashboard_server(["+teaching=pooling", "sim.days=3000"], tmp_path / "server.log") as url, \
            browser_page(url, browser=browser) as page:
        set_slider(page, 0, 2, "ArrowLeft", "Pause between days: 0 ms")
        page.get_by_role("tab", name="Measures").click()  # the reader of the day counts
        days, _ = play_for(page, 10)
        assert days >= 20
        page.get_by_role("tab", name="Queues").click()
        press_step(page)
        no_traceback(page.inner_text("body"))
    no_traceback((tmp_path / "server.log").read_text())


def test_step_with_a_community_level_one_door_centre(tmp_path, browser):
    overrides = ["reform=one_door", "reform.one_door.level=community",
                 "reform.one_door.scope={communities:[east_01]}", "sim.days=60"]
    with dashboard_server(overrides, tmp_path / "server.log") as url, \
            browser_page(url, browser=browser) as page:
        for _ in range(3):
            press_step(page)
        page.get_by_role("tab", name="Queues").click()
        page.get_by_text("one-door centre east").first.wait_for()
        no_traceback(page.inner_text("body"))
    no_traceback((tmp_path / "server.log").read_text())


@pytest.mark.parametrize("name", preset_names())
def test_every_lesson_runs_to_its_suggested_day(tmp_path, browser, name):
    day = read_preset(name).suggested_day
    requested: list[str] = []
    with dashboard_server([f"+teaching={name}"], tmp_path / "server.log") as url, \
            browser_page(url, browser=browser, requests=requested) as page:
        set_slider(page, 1, 9, "ArrowRight", "Days per step: 10")
        while _day(page) < day:
            press_step(page, 10)
        for tab in ("Measures", "By district", "Queues", "Map"):
            page.get_by_role("tab", name=tab).click()
        rows = {r[0]: r[1:] for r in headline(page)[1:]}
        assert all(NUMBER.match(c) for c in rows["Cases closed"])
        boxes, _ = layout(page)
        no_traceback(page.inner_text("body"))
    no_traceback((tmp_path / "server.log").read_text())
    # every browser file the lesson loaded, on every tab, is one the offline fetch provides
    from_cdn = cdn_packages(requested)
    assert from_cdn and from_cdn <= set(assets.required_packages()), from_cdn
    # 1920×1080 with the lesson's own table (a lesson about a place adds its districts' rows):
    # both maps side by side and whole on the first screen
    bx, by, bw, bh = boxes["baseline map"]
    rx, ry, _, rh = boxes["reform map"]
    assert abs(by - ry) < 2 and rx >= bx + bw - 1, boxes
    assert by + bh <= 1080 and ry + rh <= 1080, boxes


def test_present_at_1280x720_shows_both_maps_side_by_side_on_the_first_screen(tmp_path, browser):
    with dashboard_server(["--present", "+teaching=pooling"], tmp_path / "server.log") as url, \
            browser_page(url, viewport={"width": 1280, "height": 720},
                         browser=browser) as page:
        press_step(page)
        days, _ = play_for(page, 2)  # the top bar's ▶ and ❚❚
        assert days >= 1
        # Present off and on while playing: the buttons move, the play loop plays on
        page.get_by_role("button", name="▶", exact=True).click()
        for shown in ("Days per step", "Present"):
            page.locator(".pilotsim-present-toggle input").click()
            if shown == "Days per step":
                page.get_by_text("Days per step").first.wait_for()
            else:
                page.get_by_text("Days per step").first.wait_for(state="detached")
            page.get_by_role("button", name="❚❚", exact=True).wait_for(timeout=2000)
        before = _day(page)
        page.wait_for_function(
            "d => parseInt(document.querySelector('.pilotsim-day').innerText"
            ".replace(/\\D/g, '')) > d", arg=before)
        page.get_by_role("button", name="❚❚", exact=True).click()
        page.get_by_role("button", name="▶", exact=True).wait_for()
        page.wait_for_timeout(300)
        press_step(page)
        page.wait_for_timeout(300)
        boxes, font = layout(page)
        no_traceback(page.inner_text("body"))
    bx, by, bw, bh = boxes["baseline map"]
    rx, ry, rw, rh = boxes["reform map"]
    assert abs(by - ry) < 2 and rx >= bx + bw - 1 and bw > 450 and rw > 450, boxes
    assert min(bx, rx) >= 0 and rx + rw <= 1280, boxes
    assert by >= 0 and by + bh <= 720 and ry + rh <= 720 and bh > 300, boxes
    assert font >= 14
