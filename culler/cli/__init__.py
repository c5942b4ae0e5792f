"""Command-line interface: argument parsing and dispatch to the headless subcommands.

`culler [ALBUM]` opens the window; `culler COMMAND ...` runs a subcommand. Each subcommand lives in
its own module here (analyze, export, plan, models), imported only when it is named (or for
`--help`), so starting the window never pays for them. `analyse` is accepted for `analyze`. A
first word that is neither a command nor an existing file or folder, but looks like a command
(a typo, or followed by more words), is refused as "unknown command" with the list and the
closest match, instead of argparse's "unrecognized arguments".
"""

from __future__ import annotations

import argparse
import difflib
import importlib
import os
import sys

from culler import __version__

SUBCOMMANDS = ("analyze", "export", "plan", "models", "critique", "taste", "search")
ALIASES = {"analyse": "analyze"}  # the spelling the window uses


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
                   help="open the window, wait until the first analysis pass is idle (<=120 s), "
                        "save a screenshot, exit")
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
    if argv and argv[0] in ALIASES:
        argv = [ALIASES[argv[0]], *argv[1:]]
    if argv and argv[0] in SUBCOMMANDS:
        return _command_parser().parse_args(argv)
    parser = _window_parser()
    known, extra = parser.parse_known_args(argv)
    command = ALIASES.get(known.album, known.album)
    if command in SUBCOMMANDS:  # options first: `culler --signals technical analyze ALBUM`
        at = argv.index(known.album)
        return _command_parser().parse_args([command, *argv[:at], *argv[at + 1:]])
    problem = unknown_command(known.album, [a for a in extra if not a.startswith("-")])
    if problem:
        print(f"culler: {problem}", file=sys.stderr)
        raise SystemExit(2)
    return parser.parse_args(argv)


def unknown_command(word: str | None, more_words: list[str]) -> str | None:
    """Why `culler WORD ...` is not an album to open, or None when it may be one.

    WORD is taken for a command when it is no file or folder here and either more words follow
    it, it is close to a command's name, or it has neither a '/' nor a '.' (a folder name without
    a path is checked too: only a missing one is refused)."""
    if word is None or os.path.exists(word):
        if word is not None and more_words:
            return (f"unexpected '{more_words[0]}' after '{word}': `culler FOLDER` opens one folder; "
                    f"a command comes first (culler COMMAND FOLDER ...), commands: {_command_list()}")
        return None
    names = list(SUBCOMMANDS) + list(ALIASES)
    close = difflib.get_close_matches(word.lower(), names, n=1, cutoff=0.6)
    if not (more_words or close or ("/" not in word and os.sep not in word and "." not in word)):
        return None  # a missing photo or folder path: the window explains it
    hint = f"; did you mean '{ALIASES.get(close[0], close[0])}'?" if close else ""
    return (f"unknown command '{word}'{hint}\ncommands: {_command_list()} (culler COMMAND --help for each); "
            f"`culler FOLDER` opens a folder of photos, and no folder '{word}' exists here")


def _command_list() -> str:
    return ", ".join(f"{name} ({alias})" if alias else name for name, alias in
                     ((n, next((a for a, t in ALIASES.items() if t == n), None)) for n in SUBCOMMANDS))


def run_command(ctx, args) -> int:
    module = importlib.import_module(f"culler.cli.{args.command}")
    return int(module.run(ctx, args) or 0)
