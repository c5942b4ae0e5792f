"""Command-line interface: argument parsing and dispatch to the headless subcommands.

`culler [ALBUM]` opens the window; `culler COMMAND ...` runs a subcommand. Each subcommand lives in
its own module here (analyze, export, plan, models), imported only when it is named (or for
`--help`), so starting the window never pays for them.
"""

from __future__ import annotations

import argparse
import importlib

from culler import __version__

SUBCOMMANDS = ("analyze", "export", "plan", "models", "critique")


def _window_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="culler",
        description="Cull a photo shoot: review by keyboard, quality scores, bursts grouped, picks exported.",
        epilog="commands (culler COMMAND --help for each): " + ", ".join(SUBCOMMANDS))
    p.add_argument("--version", action="version", version=f"culler {__version__}")
    p.add_argument("album", nargs="?", help="folder of photos to open in the window")
    p.add_argument("--demo", action="store_true", help="open the bundled demo album")
    p.add_argument("--recursive", "-r", action="store_true", help="include subfolders")
    p.add_argument("--screenshot", metavar="OUT.png",
                   help="open the window, wait until the first analysis pass is idle (<=120 s), save a screenshot, exit")
    p.add_argument("--keymap", metavar="FILE", help="JSON file overriding default keys")
    p.add_argument("--signals", choices=("all", "technical"), default="all",
                   help="which signals to compute (technical = no model files needed)")
    p.set_defaults(command=None)
    return p


def _command_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="culler")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in SUBCOMMANDS:
        module = importlib.import_module(f"culler.cli.{name}")
        module.add_arguments(sub.add_parser(name, help=module.HELP, description=module.__doc__))
    return p


def parse_args(argv: list[str]) -> argparse.Namespace:
    if argv and argv[0] in SUBCOMMANDS:
        return _command_parser().parse_args(argv)
    return _window_parser().parse_args(argv)


def run_command(ctx, args) -> int:
    module = importlib.import_module(f"culler.cli.{args.command}")
    return int(module.run(ctx, args) or 0)
