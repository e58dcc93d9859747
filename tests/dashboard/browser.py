"""Start the dashboard on a free loopback port and drive it with the system's headless Chromium.

Used by ``test_browser.py`` (which, with ``PILOTSIM_DASHBOARD_SCREENSHOT=PATH``, also saves
its screenshot there) and, run as a script, to make the screenshot in the docs::

    python -m tests.dashboard.browser docs/dashboard.png 60 +teaching=pooling

(path, days to step, overrides). Never downloads a browser: it uses Debian's ``chromium``
(``.ci/install-browser``) through the ``playwright`` package.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def dashboard_server(overrides: Sequence[str], log: Path,
                     timeout: float = 120.0) -> Iterator[str]:
    """Run ``pilotsim-dashboard --port N OVERRIDES`` until the block ends; yield its URL."""
    port = free_port()
    exe = Path(sys.executable).with_name("pilotsim-dashboard")
    cmd = [str(exe), "--host", "127.0.0.1", "--port", str(port), *overrides]
    with open(log, "w") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT)
        try:
            url = f"http://127.0.0.1:{port}/"
            deadline = time.monotonic() + timeout
            while True:
                if proc.poll() is not None:
                    raise RuntimeError(f"dashboard exited ({proc.returncode}): "
                                       f"{log.read_text()[-2000:]}")
                try:
                    with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                        break
                except OSError:
                    if time.monotonic() > deadline:
                        raise TimeoutError(f"dashboard not up after {timeout} s") from None
                    time.sleep(0.05)  # a refused connect costs ~0; a 0.2 s poll lost ~0.1 s
            yield url
        finally:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


@dataclass
class Observed:
    """What the browser saw.

    Attributes:
        days_seen: The day counter after loading and after each Step press.
        played_to: The day counter after playing (▶) for a while and pausing (❚❚), if asked.
        headline: The headline table's rows (cell texts), header first.
        charts: Number of charts drawn on the Measures tab.
        screenshot: Where the screenshot was saved.
        boxes: Element → (x, y, width, height) in CSS px: the two maps, the headline table.
        min_map_font: The smallest text size on the maps, in CSS px.
        page_text: The page's text at the end (to look for tracebacks).
    """

    days_seen: list[int]
    played_to: int | None
    headline: list[list[str]]
    charts: int
    screenshot: Path
    boxes: dict[str, tuple[float, float, float, float]]
    min_map_font: float
    page_text: str


VIEWPORT = {"width": 1920, "height": 1080}
BOXES = {"baseline map": ".pilotsim-world-baseline", "reform map": ".pilotsim-world-reform",
         "headline": ".pilotsim-headline table"}


def _day(page) -> int:
    text = page.locator(".pilotsim-day").first.inner_text()
    return int(re.search(r"\d+", text).group())


@contextmanager
def chromium() -> Iterator:
    """Headless Chromium (the system's), for as many pages as the block opens.

    Launching it costs about 1.5 s; ``test_browser.py`` launches it once per module and gives
    each test a context of its own (:func:`browser_page`).
    """
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True,
                                    args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@contextmanager
def browser_page(url: str, viewport: dict | None = None, timeout_ms: int = 60000,
                 browser=None, requests: list[str] | None = None) -> Iterator:
    """The dashboard loaded in headless Chromium, its day counter and maps shown.

    The page is in a new browser context: its own cookies, storage and cache, so it starts
    a session of its own, as a fresh browser would. ``browser`` is a running
    :func:`chromium`; without it one is launched for this page alone. ``requests``, if
    given, collects the URL of every request the page makes, from its first.
    """
    if browser is None:
        with chromium() as own, browser_page(url, viewport, timeout_ms, own, requests) as page:
            yield page
        return
    ctx = browser.new_context(viewport=viewport or VIEWPORT)
    try:
        page = ctx.new_page()
        page.set_default_timeout(timeout_ms)
        if requests is not None:
            page.on("request", lambda r: requests.append(r.url))
        page.goto(url)
        page.locator(".pilotsim-day").first.wait_for()
        page.locator(".pilotsim-world-reform svg").first.wait_for()
        yield page
    finally:
        ctx.close()


def cdn_packages(urls: Sequence[str]) -> set[tuple[str, str]]:
    """(npm package, version) of each request to Solara's CDN proxy (``/_solara/cdn/...``)."""
    found = set()
    for url in urls:
        _, cdn, rest = url.partition("/_solara/cdn/")
        if cdn:
            parts = rest.split("/")
            name_at = "/".join(parts[:2]) if parts[0].startswith("@") else parts[0]
            name, _, version = name_at.rpartition("@")
            found.add((name, version))
    return found


def map_shows_day(page, day: int) -> None:
    """Wait until the reform world's map is drawn for ``day`` days simulated."""
    page.wait_for_function(
        "d => [...document.querySelectorAll('.pilotsim-world-reform svg text')]"
        ".some(t => t.textContent.startsWith('day ' + (d - 1) + ' ('))", arg=day)


def set_slider(page, index: int, presses: int, key: str, label: str) -> None:
    """Move the ``index``-th slider of the run card with the keyboard; wait for ``label``."""
    slider = page.get_by_role("slider").nth(index)
    slider.focus()
    for _ in range(presses):
        page.keyboard.press(key)
    page.get_by_text(label).first.wait_for()


def press_step(page, days: int = 1) -> float:
    """Press Step; seconds until the counter (and the reform map, if open) show the new day."""
    want = _day(page) + days
    on_map = page.locator(".pilotsim-world-reform").count() > 0
    t = time.perf_counter()
    page.get_by_role("button", name="Step", exact=True).click()
    page.locator(".pilotsim-day", has_text=re.compile(rf"^Day {want}$")).wait_for()
    if on_map:
        map_shows_day(page, want)
    return time.perf_counter() - t


def play_for(page, seconds: float) -> tuple[int, float]:
    """Press ▶, wait ``seconds``, press ❚❚; (days advanced, seconds played)."""
    first = _day(page)
    t = time.perf_counter()
    page.get_by_role("button", name="▶", exact=True).click()
    page.wait_for_timeout(seconds * 1000)
    page.get_by_role("button", name="❚❚", exact=True).click()
    page.get_by_role("button", name="▶", exact=True).wait_for()
    played = time.perf_counter() - t
    page.wait_for_timeout(300)
    return _day(page) - first, played


def layout(page) -> tuple[dict[str, tuple[float, float, float, float]], float]:
    """The boxes of :data:`BOXES` and the smallest text size on the maps (CSS px)."""
    boxes = {}
    for name, sel in BOXES.items():
        b = page.locator(sel).first.bounding_box()
        if b is None:
            raise AssertionError(f"{name} ({sel}) is not shown")
        boxes[name] = (b["x"], b["y"], b["width"], b["height"])
    font = page.evaluate(
        "() => Math.min(...[...document.querySelectorAll('.pilotsim-map svg text')]"
        ".filter(t => t.textContent.trim())"
        ".map(t => t.getBoundingClientRect().height > 0 ? "
        "parseFloat(getComputedStyle(t).fontSize) : 99))")
    return boxes, float(font)


def headline(page) -> list[list[str]]:
    """The headline table's rows (cell texts), header first."""
    rows = page.locator(".pilotsim-headline table tr")
    return [[c.strip() for c in rows.nth(i).locator("th, td").all_inner_texts()]
            for i in range(rows.count())]


def drive(url: str, screenshot: Path, steps: int = 3, timeout_ms: int = 60000,
          days_per_step: int = 1, play_days: int = 0, browser=None) -> Observed:
    """Load the page at 1920×1080, press Step ``steps`` times, play, look at the tabs.

    With ``days_per_step`` > 1 the "Days per step" slider is moved first (keyboard), so each
    press simulates that many days. With ``play_days`` > 0 it then presses ▶, waits until at
    least that many more days have passed, and pauses. The screenshot is of the first screen
    (the map tab), as a projector shows it. ``browser``: as for :func:`browser_page`.
    """
    with browser_page(url, timeout_ms=timeout_ms, browser=browser) as page:
        days = [_day(page)]
        if days_per_step > 1:
            set_slider(page, 1, days_per_step - 1, "ArrowRight",
                       f"Days per step: {days_per_step}")
        for _ in range(steps):
            press_step(page, days_per_step)
            days.append(_day(page))
        played_to = None
        if play_days:
            page.get_by_role("button", name="▶", exact=True).click()
            page.wait_for_function(
                "t => parseInt(document.querySelector('.pilotsim-day').innerText"
                ".replace(/\\D/g, '')) >= t", arg=days[-1] + play_days)
            page.get_by_role("button", name="❚❚", exact=True).click()
            page.get_by_role("button", name="▶", exact=True).wait_for()
            played_to = _day(page)
        map_shows_day(page, _day(page))
        page.wait_for_timeout(300)
        boxes, font = layout(page)
        screenshot.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(screenshot))
        table = headline(page)
        page.get_by_role("tab", name="Measures").click()
        page.locator(".pilotsim-measures svg").first.wait_for()
        charts = page.locator(".pilotsim-measures svg g.mark-line").count()
        text = page.inner_text("body")
    return Observed(days, played_to, table, charts, screenshot, boxes, font, text)


def chromium_available() -> str | None:
    """None if the browser test can run, else why not."""
    if not os.path.exists(CHROMIUM):
        return f"no Chromium at {CHROMIUM} (run .ci/install-browser)"
    try:
        import playwright  # noqa: F401
    except ImportError:
        return "the playwright package is not installed (pip install -e '.[dev]')"
    return None


def main(argv: Sequence[str] | None = None) -> None:
    """Make a screenshot: PATH [DAYS [OVERRIDES...]] (DAYS stepped 10 at a time)."""
    args = list(sys.argv[1:] if argv is None else argv)
    target = Path(args[0])
    days = int(args[1]) if len(args) > 1 else 30
    overrides = args[2:]
    if (why := chromium_available()) is not None:
        raise SystemExit(why)
    from pilotsim.app.dashboard import assets

    assets.ensure()
    with tempfile.TemporaryDirectory() as tmp, \
            dashboard_server(overrides, Path(tmp) / "server.log") as url:
        seen = drive(url, target, steps=max(1, days // 10), days_per_step=10,
                     timeout_ms=60000)
    print(f"{target}: day {seen.days_seen[-1]}")


if __name__ == "__main__":
    main()
