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
        played_to: The day counter after playing (▶) for a while and pausing (❚❚), if asked.
        headline: The headline table's rows (cell texts), header first.
        images: Number of chart images on the Measures tab.
        screenshot: Where the screenshot was saved.
    """

    days_seen: list[int]
    played_to: int | None
    headline: list[list[str]]
    images: int
    screenshot: Path


def _day(page) -> int:
    text = page.locator(".pilotsim-day").first.inner_text()
    return int(re.search(r"\d+", text).group())


def drive(url: str, screenshot: Path, steps: int = 3, timeout_ms: int = 20000,
          days_per_step: int = 1, height: int = 1300, play_days: int = 0) -> Observed:
    """Load the page, press Step ``steps`` times, open the Measures tab, take a screenshot.

    With ``days_per_step`` > 1 the "Days per step" slider is moved first (keyboard), so each
    press simulates that many days. With ``play_days`` > 0 it then presses ▶, waits until at
    least that many more days have passed, and pauses.
    """
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="pilotsim-chromium-") as profile, \
            sync_playwright() as p:
        ctx = p.chromium.launch_persistent_context(
            profile, executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS,
            viewport={"width": 1500, "height": height})
        try:
            page = ctx.new_page()
            page.set_default_timeout(timeout_ms)
            page.goto(url)
            page.locator(".pilotsim-day").first.wait_for()
            days = [_day(page)]
            if days_per_step > 1:
                slider = page.get_by_role("slider").nth(1)  # "Days per step"
                slider.focus()
                for _ in range(days_per_step - 1):
                    page.keyboard.press("ArrowRight")
                page.get_by_text(f"Days per step: {days_per_step}").wait_for()
            step = page.get_by_role("button", name="Step", exact=True)
            for i in range(steps):
                step.click()
                want = days[0] + (i + 1) * days_per_step
                page.locator(".pilotsim-day", has_text=re.compile(rf"^Day {want}$")).wait_for()
                days.append(_day(page))
            played_to = None
            if play_days:
                page.get_by_role("button", name="▶", exact=True).click()
                target = days[-1] + play_days
                page.wait_for_function(
                    "t => parseInt(document.querySelector('.pilotsim-day').innerText"
                    ".replace(/\\D/g, '')) >= t", arg=target)
                page.get_by_role("button", name="❚❚", exact=True).click()
                page.get_by_role("button", name="▶", exact=True).wait_for()
                played_to = _day(page)
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
    return Observed(days, played_to, headline, images, screenshot)


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
    from pilotsim.dashboard import assets

    assets.ensure()
    with tempfile.TemporaryDirectory() as tmp, \
            dashboard_server(overrides, Path(tmp) / "server.log") as url:
        seen = drive(url, target, steps=max(1, days // 10), days_per_step=10,
                     timeout_ms=60000, height=1750)
    print(f"{target}: day {seen.days_seen[-1]}")


if __name__ == "__main__":
    main()
