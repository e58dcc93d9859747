"""The ``pilotsim-dashboard`` command: check the config, then serve the dashboard.

pilotsim-dashboard                                  # the default city, on 127.0.0.1:8765
pilotsim-dashboard +teaching=pooling                # a teaching scenario
pilotsim-dashboard reform=one_door seed=3           # any run overrides (reform world)
pilotsim-dashboard --port 8800 --host 127.0.0.1 sim.sample_fraction=0.5
pilotsim-dashboard --present +teaching=pilot_at_scale   # for a projector
"""

from __future__ import annotations

import argparse
import ipaddress
import json
import logging
import os
import socket
import sys
import warnings
from collections.abc import Sequence

from pilotsim.app.dashboard.settings import DEFAULT_SAMPLE_FRACTION

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """The command's options; everything else is a Hydra override."""
    p = argparse.ArgumentParser(
        prog="pilotsim-dashboard",
        description="Serve the trainer's dashboard: the same residents with and without a "
                    "reform, side by side. Extra arguments are Hydra overrides, as for "
                    "`pilotsim` (e.g. +teaching=pooling reform=one_door seed=3).")
    p.add_argument("--host", default=DEFAULT_HOST,
                   help=f"address to listen on (default {DEFAULT_HOST}: this machine only)")
    p.add_argument("--port", type=int, default=DEFAULT_PORT,
                   help=f"port (default {DEFAULT_PORT})")
    p.add_argument("--sample-fraction", type=float, default=DEFAULT_SAMPLE_FRACTION,
                   help="share of residents simulated unless an override sets "
                        f"sim.sample_fraction (default {DEFAULT_SAMPLE_FRACTION})")
    p.add_argument("--open", action="store_true", help="open a browser tab")
    p.add_argument("--present", action="store_true",
                   help="start in the projector layout (fewer controls, larger type)")
    p.add_argument("overrides", nargs="*", help="Hydra overrides")
    return p.parse_args(argv)


def check(overrides: list[str], sample_fraction: float) -> str | None:
    """Build both worlds once; the error message if the config is invalid, else None."""
    from hydra.errors import HydraException

    from pilotsim.app.dashboard.worlds import TwinWorlds
    from pilotsim.spec.schema import SpecError

    try:
        TwinWorlds(overrides, sample_fraction=sample_fraction)
    except SpecError as e:
        return unknown_key(overrides) or f"invalid config: {e}"
    except HydraException as e:
        return unknown_key(overrides) or f"invalid overrides: {e}"
    return None


def unknown_key(overrides: Sequence[str]) -> str | None:
    """The first override that names something the config does not have, said plainly.

    ``city.offices.nope.counters=3`` fails in Hydra with advice to add ``+``, and with the
    ``+`` in validation with a missing ``departments``: neither says that ``nope`` is not an
    office of this city. This looks each dotted override's key up in the config composed from
    the overrides that choose config files (groups, presets), and names the valid keys where
    the path first leaves the config. A key that only its last part misses is left to the
    usual message when the override adds it (``+``): optional settings are often absent.

    Returns:
        The message, or None if every key exists (the usual message is then the right one).
    """
    from omegaconf import DictConfig

    from pilotsim.app import api

    def key_of(o: str) -> str:
        return o.partition("=")[0].lstrip("+~")

    try:
        cfg = api.compose([o for o in overrides if "." not in key_of(o)])
    except Exception:
        return None
    for o in overrides:
        key = key_of(o)
        parts = key.split(".")
        # reform.* and pilot.* are sorted out by the dashboard itself (an override inside a
        # reform that is not chosen is left out: settings.Changes.reform_overrides)
        if len(parts) < 2 or parts[0] in ("hydra", "reform", "pilot"):
            continue
        node: object = cfg
        for i, part in enumerate(parts):
            if not isinstance(node, DictConfig):
                break
            if part not in node:
                last = i == len(parts) - 1
                if (last and o.startswith("+")) or not len(node):
                    break
                where = ".".join(parts[:i]) or "the config"
                names = ", ".join(str(k) for k in node if not str(k).startswith("_"))
                return (f"invalid override {o!r}: {where} has no {part!r}; "
                        f"the {'keys' if last else 'names'} there are: {names}")
            node = node[part]
    return None


def port_problem(host: str, port: int) -> str | None:
    """Why the server could not listen on ``host:port`` (e.g. the port is taken), or None."""
    try:
        with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as s:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind((host, port))
    except OSError as e:
        return f"cannot listen on {host}:{port}: {e.strerror or e} (is another dashboard " \
               "running? choose another with --port)"
    return None


def is_loopback(host: str) -> bool:
    """Whether ``host`` is this machine only (``localhost``, 127.0.0.0/8, ``::1``)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _warn_if_assets_missing() -> None:
    # Without the browser files Solara fetches from its CDN the page stays blank, and the
    # server only logs "Could not load URL" per file: say once what to do.
    from pilotsim.app.dashboard import assets

    todo = assets.missing()
    if todo:
        print(f"pilotsim-dashboard: {len(todo)} npm packages the page loads are not in "
              f"{assets.cache_dir()}; Solara fetches them from its CDN on the first page "
              "load. If the page stays blank (no internet), run `python -m "
              "pilotsim.app.dashboard.assets` once (docs/dashboard.md).",
              file=sys.stderr, flush=True)


def main(argv: Sequence[str] | None = None) -> None:
    """Console entry point."""
    args = parse_args(argv)
    logging.getLogger("MESA").setLevel(logging.WARNING)
    error = port_problem(args.host, args.port) or check(args.overrides, args.sample_fraction)
    if error:
        print(f"pilotsim-dashboard: {error}", file=sys.stderr)
        sys.exit(2)
    os.environ["PILOTSIM_DASHBOARD"] = json.dumps(
        {"overrides": args.overrides, "sample_fraction": args.sample_fraction,
         "present": args.present})
    # The "This website runs on Solara" banner covers the headline table on a 720p screen.
    os.environ.setdefault("SOLARA_THEME_SHOW_BANNER", "false")
    # On this machine only, compressing the page's 4 MB of JavaScript and CSS saves no time:
    # it cost each start's first page load ~0.5 s of server CPU (gzip -9, once per process).
    # Set SOLARA_SERVER_HTTP_GZIP=true to compress anyway (e.g. through a slow SSH tunnel).
    if is_loopback(args.host):
        os.environ.setdefault("SOLARA_SERVER_HTTP_GZIP", "false")
    # Solara reports each server start (with a machine fingerprint) to Mixpanel unless told
    # not to: a planning office or a training room should not send that unasked.
    # SOLARA_TELEMETRY_MIXPANEL_ENABLE=true turns it back on.
    telemetry = os.environ.setdefault("SOLARA_TELEMETRY_MIXPANEL_ENABLE", "false")
    from solara.__main__ import cli
    from solara.server import settings

    settings.theme.show_banner = False
    # set here too: the settings were read from the environment when first imported
    settings.telemetry.mixpanel_enable = telemetry.strip().lower() in ("1", "true", "yes", "on")

    # Solara warns on every page load that its session cookie falls back to SameSite=Lax over
    # plain http: expected on 127.0.0.1, and noise in a trainer's terminal.
    warnings.filterwarnings("ignore", message="Cookies with samesite=none require https")
    print(f"pilotsim-dashboard: serving on http://{args.host}:{args.port}/", flush=True)
    _warn_if_assets_missing()
    cli.main(["run", "pilotsim.app.dashboard.app:Page", "--host", args.host, "--port",
              str(args.port), "--production", "--open" if args.open else "--no-open",
              "--log-level", "warning"], prog_name="pilotsim-dashboard")
