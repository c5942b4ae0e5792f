"""Command-line interface: the argument parser and dispatch to the headless subcommands.

Each subcommand lives in its own module here (analyze, export, plan, models) and is imported only
when it runs, so `culler --help` stays instant.
"""

from __future__ import annotations

import argparse
import importlib

from culler import __version__

SUBCOMMANDS = ("analyze", "export", "plan", "models")


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="culler", description="Cull a photo shoot: review by keyboard, "
                                "quality scores, bursts grouped, picks exported.")
    p.add_argument("--version", action="version", version=f"culler {__version__}")
    p.add_argument("album", nargs="?", help="folder of photos to open in the window")
    p.add_argument("--demo", action="store_true", help="open the bundled demo album")
    p.add_argument("--recursive", "-r", action="store_true", help="include subfolders")
    p.add_argument("--screenshot", metavar="OUT.png",
                   help="open the window, wait until the first analysis pass is idle (<=120 s), save a screenshot, exit")
    p.add_argument("--keymap", metavar="FILE", help="JSON file overriding default keys")
    p.add_argument("--signals", choices=("all", "technical"), default="all",
                   help="which signals to compute (technical = no model files needed)")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    for name in SUBCOMMANDS:
        module = importlib.import_module(f"culler.cli.{name}")
        module.add_arguments(sub.add_parser(name, help=module.HELP, description=module.__doc__))
    return p


def run_command(ctx, args) -> int:
    module = importlib.import_module(f"culler.cli.{args.command}")
    return int(module.run(ctx, args) or 0)
