"""The ``pilotsim-dashboard`` command: check the config, then serve the dashboard.

pilotsim-dashboard                                  # the default city, on 127.0.0.1:8765
pilotsim-dashboard +teaching=pooling                # a teaching scenario
pilotsim-dashboard reform=one_door seed=3           # any run overrides (reform world)
pilotsim-dashboard --port 8800 --host 127.0.0.1 sim.sample_fraction=0.5
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import warnings
from collections.abc import Sequence

from pilotsim.dashboard.settings import DEFAULT_SAMPLE_FRACTION

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
    p.add_argument("overrides", nargs="*", help="Hydra overrides")
    return p.parse_args(argv)


def check(overrides: list[str], sample_fraction: float) -> str | None:
    """Build both worlds once; the error message if the config is invalid, else None."""
    from hydra.errors import HydraException

    from pilotsim.dashboard.worlds import TwinWorlds
    from pilotsim.schema import SpecError

    try:
        TwinWorlds(overrides, sample_fraction=sample_fraction)
    except SpecError as e:
        return f"invalid config: {e}"
    except HydraException as e:
        return f"invalid overrides: {e}"
    return None


def main(argv: Sequence[str] | None = None) -> None:
    """Console entry point."""
    args = parse_args(argv)
    logging.getLogger("MESA").setLevel(logging.WARNING)
    error = check(args.overrides, args.sample_fraction)
    if error:
        print(f"pilotsim-dashboard: {error}", file=sys.stderr)
        sys.exit(2)
    os.environ["PILOTSIM_DASHBOARD"] = json.dumps(
        {"overrides": args.overrides, "sample_fraction": args.sample_fraction})
    from solara.__main__ import cli

    # Solara warns on every page load that its session cookie falls back to SameSite=Lax over
    # plain http: expected on 127.0.0.1, and noise in a trainer's terminal.
    warnings.filterwarnings("ignore", message="Cookies with samesite=none require https")
    print(f"pilotsim-dashboard: serving on http://{args.host}:{args.port}/", flush=True)
    cli.main(["run", "pilotsim.dashboard.app:Page", "--host", args.host, "--port",
              str(args.port), "--production", "--open" if args.open else "--no-open",
              "--log-level", "warning"], prog_name="pilotsim-dashboard")
