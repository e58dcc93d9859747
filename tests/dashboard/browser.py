"""Start the dashboard on a free loopback port and drive it with the system's headless Chromium.

Used by ``test_browser.py`` and, with ``PILOTSIM_DASHBOARD_SCREENSHOT=docs/dashboard.png``, to
make the screenshot in the docs. Never downloads a browser: it uses Debian's ``chromium``
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
                     timeout: float = 30.0) -> Iterator[str]:
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
                    time.sleep(0.2)
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
        headline: The headline table's rows (cell texts), header first.
        images: Number of chart images on the Measures tab.
        screenshot: Where the screenshot was saved.
    """

    days_seen: list[int]
    headline: list[list[str]]
    images: int
    screenshot: Path


def _day(page) -> int:
    text = page.locator(".pilotsim-day").first.inner_text()
    return int(re.search(r"\d+", text).group())


def drive(url: str, screenshot: Path, steps: int = 3, timeout_ms: int = 20000) -> Observed:
    """Load the page, press Step ``steps`` times, open the Measures tab, take a screenshot."""
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="pilotsim-chromium-") as profile, \
            sync_playwright() as p:
        ctx = p.chromium.launch_persistent_context(
            profile, executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS,
            viewport={"width": 1500, "height": 1300})
        try:
            page = ctx.new_page()
            page.set_default_timeout(timeout_ms)
            page.goto(url)
            page.locator(".pilotsim-day").first.wait_for()
            days = [_day(page)]
            step = page.get_by_role("button", name="Step", exact=True)
            for i in range(steps):
                step.click()
                page.locator(".pilotsim-day", has_text=f"Day {days[0] + i + 1}").wait_for()
                days.append(_day(page))
            rows = page.locator(".pilotsim-headline table tr")
            headline = [[c.strip() for c in rows.nth(i).locator("th, td").all_inner_texts()]
                        for i in range(rows.count())]
            page.get_by_role("tab", name="Measures").click()
            charts = page.locator(".pilotsim-measures img")
            charts.first.wait_for()
            images = charts.count()
            page.get_by_role("tab", name="Map").click()
            page.locator(".pilotsim-map img").first.wait_for()
            page.wait_for_timeout(300)
            screenshot.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(screenshot), full_page=True)
        finally:
            ctx.close()
    return Observed(days, headline, images, screenshot)


def chromium_available() -> str | None:
    """None if the browser test can run, else why not."""
    if not os.path.exists(CHROMIUM):
        return f"no Chromium at {CHROMIUM} (run .ci/install-browser)"
    try:
        import playwright  # noqa: F401
    except ImportError:
        return "the playwright package is not installed (pip install -e '.[dev]')"
    return None
