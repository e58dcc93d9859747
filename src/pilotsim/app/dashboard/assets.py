"""Put the browser files Solara loads from a CDN into its local cache, from the npm registry.

Solara's page loads a few npm packages (its Vuetify app, RequireJS, Font Awesome, and Vega for
the dashboard's charts) through its
own server, which fetches them from a CDN once and caches them in
``solara.server.settings.assets.proxy_cache_dir``. A training room without internet (or a CI
machine that reaches only package registries) never gets them, and the page stays blank.
This module fills that cache with ``npm pack`` (the ordinary npm client, from the npm
registry), so the dashboard works offline afterwards::

    python -m pilotsim.app.dashboard.assets          # idempotent; prints what it fetched

The packages and versions are read off the installed Solara's page template (and the
front-end code of the chart widget the dashboard uses), so a Solara upgrade asks for the right
files by itself. ``solara.Markdown``'s KaTeX and Mermaid are not fetched: the dashboard renders
its text with Python-Markdown (:func:`pilotsim.app.dashboard.app.Prose`), and a browser that
opened every tab of every lesson requested nothing but the packages listed here.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from importlib import resources
from pathlib import Path

# {{cdn}}/@scope/name@1.2.3/...  or  {{cdn}}/name@1.2.3/...
_CDN_REF = re.compile(r"\{\{\s*cdn\s*\}\}/((?:@[\w.-]+/)?[\w.-]+)@(\d+\.\d+\.\d+[\w.+-]*)/")
_PATH_REF = re.compile(r"^/?((?:@[\w.-]+/)?[\w.-]+)@(\d+\.\d+\.\d+[\w.+-]*)/")
# ${this.getCdn()}/vega@5/build/... in the Vega-Lite widget that draws the charts: a major
# version only, which npm resolves to its newest release (cached under the same name)
_MAJOR_REF = re.compile(r"getCdn\(\)\}/((?:@[\w.-]+/)?[\w.-]+)@(\d+)/")
WIDGETS = ("vue/vegalite.vue",)


def required_packages() -> list[tuple[str, str]]:
    """(npm package, version) pairs the installed Solara's page loads from its CDN.

    Versions are exact, except the Vega-Lite widget's, which asks for a major version.
    """
    import solara.server.settings as settings

    template = (resources.files("solara.server") / "templates" / "solara.html.j2").read_text()
    found = {(m.group(1), m.group(2)) for m in _CDN_REF.finditer(template)}
    for name in WIDGETS:
        code = (resources.files("solara.widgets") / name).read_text()
        found |= {(m.group(1), m.group(2)) for m in _MAJOR_REF.finditer(code)}
    fa = settings.assets.fontawesome_path
    m = _PATH_REF.match(fa or "")
    if settings.assets.fontawesome_enabled and m:
        found.add((m.group(1), m.group(2)))
    return sorted(found)


def cache_dir() -> Path:
    """Solara's CDN cache folder (where its server looks before fetching)."""
    import solara.server.settings as settings

    return Path(settings.assets.proxy_cache_dir)


def missing(cache: Path | None = None) -> list[tuple[str, str]]:
    """The required packages not yet in the cache."""
    cache = cache or cache_dir()
    return [(p, v) for p, v in required_packages() if not (cache / f"{p}@{v}").is_dir()]


def fetch(package: str, version: str, cache: Path, npm: str = "npm") -> Path:
    """``npm pack`` one package and unpack it as ``cache/package@version/``."""
    target = cache / f"{package}@{version}"
    with tempfile.TemporaryDirectory(prefix="pilotsim-npm-") as tmp:
        out = subprocess.run(
            [npm, "pack", f"{package}@{version}", "--silent", "--pack-destination", tmp],
            check=True, capture_output=True, text=True, cwd=tmp)
        tarball = Path(tmp) / out.stdout.strip().splitlines()[-1]
        unpacked = Path(tmp) / "unpacked"
        with tarfile.open(tarball) as tar:
            tar.extractall(unpacked, filter="data")
        target.parent.mkdir(parents=True, exist_ok=True)
        staging = target.with_name(target.name + ".partial")
        shutil.rmtree(staging, ignore_errors=True)
        shutil.move(str(unpacked / "package"), staging)
        staging.rename(target)
    return target


def ensure(cache: Path | None = None) -> list[Path]:
    """Fetch whatever is missing; return the folders fetched (empty if all were there).

    Raises:
        FileNotFoundError: if npm is needed but not installed.
        subprocess.CalledProcessError: if npm cannot get a package.
    """
    cache = cache or cache_dir()
    todo = missing(cache)
    if not todo:
        return []
    npm = shutil.which("npm")
    if npm is None:
        raise FileNotFoundError("npm is needed to fetch Solara's browser files "
                                f"({', '.join(f'{p}@{v}' for p, v in todo)}) into {cache}")
    return [fetch(p, v, cache, npm) for p, v in todo]


def main() -> None:
    """Command line: fill the cache, say what happened."""
    try:
        done = ensure()
    except (FileNotFoundError, subprocess.CalledProcessError) as e:
        detail = getattr(e, "stderr", "") or ""
        print(f"pilotsim dashboard assets: {e} {detail}".strip(), file=sys.stderr)
        sys.exit(1)
    for path in done:
        print(f"fetched {path}")
    if not done:
        print(f"Solara's browser files are all in {cache_dir()}")


if __name__ == "__main__":
    main()
