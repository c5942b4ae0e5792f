"""Composition root: parse arguments, build the context, start the window or a subcommand."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    from culler.cli import parse_args, run_command
    from culler.context import AppContext

    args = parse_args(sys.argv[1:] if argv is None else argv)
    ctx = AppContext.from_environment()
    if args.command:
        return run_command(ctx, args)
    from culler.app import run_gui  # Qt is imported only when a window is wanted

    return run_gui(ctx, args)


if __name__ == "__main__":
    sys.exit(main())
