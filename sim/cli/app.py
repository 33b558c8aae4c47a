"""``partnersim app``: serve the interactive app (:mod:`sim.app.page`) in the browser.

The command checks the scenario file (a bad one is refused with the scenario error and exit
code 2 before any server starts), finds the port, prints the address and runs Solara's server in
this process until Ctrl-C, which stops it without a traceback. The page saves settings only
into the folder given by ``--save-dir`` (default ``results/app``). It listens on 127.0.0.1
unless told otherwise, and warns when asked to listen on an address other machines can reach:
anyone who can open the page can run models on this machine and save scenario files into that
folder.

Only the standard library is imported at top level, so ``partnersim --help`` stays fast; Solara
and the model load when the command runs.
"""

from __future__ import annotations

import argparse
import contextlib
import ipaddress
import os
import socket
import sys
from pathlib import Path

from sim.app.launch import (
    APP_MODULE,
    DEFAULT_SAVE_DIR,
    DEFAULT_SCENARIO,
    ENV_SAVE_DIR,
    ENV_SCENARIO,
    ENV_SEED,
)

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765
"""Solara's usual port."""


def register(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Add the ``app`` subcommand to a ``partnersim`` parser's subparsers.

    Args:
        subparsers: What ``ArgumentParser.add_subparsers`` returned.

    Returns:
        The ``app`` parser (its defaults carry ``handler=main``).
    """
    parser = subparsers.add_parser(
        "app",
        help="explore a scenario in the browser: levers, live charts, the partner network",
        description="Serve a Mesa SolaraViz page for SCENARIO on this machine: move the levers "
        "(finance instrument, budget, trust asymmetry, procurement flexibility, election cycle, "
        "partnership model), press Reset, then play or step; save the settings as a scenario "
        "file. Stop with Ctrl-C.",
    )
    parser.add_argument(
        "scenario",
        type=Path,
        nargs="?",
        default=DEFAULT_SCENARIO,
        help=f"scenario YAML file (default {DEFAULT_SCENARIO})",
    )
    parser.add_argument(
        "--port",
        type=int,
        default=DEFAULT_PORT,
        help=f"port to listen on, 0 for any free port (default {DEFAULT_PORT})",
    )
    parser.add_argument(
        "--host",
        default=DEFAULT_HOST,
        help=f"address to listen on (default {DEFAULT_HOST}: this machine only)",
    )
    parser.add_argument("--seed", type=int, default=0, help="seed the page starts with (default 0)")
    parser.add_argument(
        "--save-dir",
        type=Path,
        default=DEFAULT_SAVE_DIR,
        metavar="DIR",
        help=f"the only folder the page may save settings into (default {DEFAULT_SAVE_DIR})",
    )
    parser.set_defaults(handler=main)
    return parser


def main(args: argparse.Namespace) -> int:
    """Run the ``app`` subcommand; return the exit code (0 stopped, 2 bad input).

    Args:
        args: Parsed arguments with ``scenario``, ``port``, ``host`` and ``seed``.
    """
    from sim.runs.outdir import OutputError, check_path
    from sim.scenario.errors import ScenarioError
    from sim.scenario.files import load
    from sim.scenario.schema import Scenario

    if not 0 <= args.port <= 65535:
        print(f"error: --port must be between 0 and 65535; got {args.port}", file=sys.stderr)
        return 2
    try:
        scenario = load(args.scenario, Scenario)
        check_path(args.save_dir)
        if args.save_dir.exists() and not args.save_dir.is_dir():
            raise OutputError(f"{args.save_dir}: a file is in the way of --save-dir")
    except (ScenarioError, OutputError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    if not is_loopback(args.host):
        print(
            f"warning: listening on {args.host}, which other machines may reach: anyone who "
            f"opens the page can run models here and save scenario files into {args.save_dir}",
            file=sys.stderr,
        )
    try:
        port = free_port(args.host, args.port)
    except OSError as err:
        print(
            f"error: cannot listen on {args.host} port {args.port} ({err.strerror}); check "
            "--host, or choose another --port (--port 0 for any free port)",
            file=sys.stderr,
        )
        return 2
    from sim.app.assets import ensure

    left = ensure()  # the page's front-end files, so that it works offline
    if left:
        names = ", ".join(f"{name}@{version}" for name, version in left)
        print(
            f"warning: the page's front-end files {names} are not on this machine and cannot "
            "be fetched from the npm registry: the page stays blank until they are "
            "(python -m sim.app.assets, with a network, puts them in place)",
            file=sys.stderr,
        )
    os.environ[ENV_SCENARIO] = str(args.scenario)  # as given: the server keeps this folder
    os.environ[ENV_SEED] = str(args.seed)
    os.environ[ENV_SAVE_DIR] = str(args.save_dir)
    shown = f"[{args.host}]" if ":" in args.host else args.host
    print(f"partnersim app: {scenario.name} ({args.scenario}) at http://{shown}:{port}/")
    print(f"settings are saved into {args.save_dir}; press Ctrl-C to stop", flush=True)
    serve(args.host, port)
    print("partnersim app: stopped")
    return 0


def is_loopback(host: str) -> bool:
    """Tell whether ``host`` is this machine only ("localhost" or a loopback address)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def free_port(host: str, port: int) -> int:
    """Return ``port`` if it can be listened on at ``host`` (any free port for 0).

    Raises:
        OSError: The address or port cannot be bound (in use, or not an address here).
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.bind((host, port))
        return probe.getsockname()[1]


def serve(host: str, port: int) -> None:
    """Run Solara's server for :data:`APP_MODULE` until Ctrl-C, then return (production mode).

    Solara's usage telemetry and its check for a newer version on PyPI are switched off:
    the app sends nothing anywhere.
    """
    os.environ["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] = "False"
    import click
    from solara.__main__ import cli

    # Ctrl-C: the server shuts down and Click reports it as Abort; nothing more to say
    with contextlib.suppress(KeyboardInterrupt, click.exceptions.Abort):
        cli.main(
            args=[
                "run",
                APP_MODULE,
                "--host",
                host,
                "--port",
                str(port),
                "--production",
                "--no-open",
                "--no-check-version",
            ],
            prog_name="partnersim app",
            standalone_mode=False,
        )
