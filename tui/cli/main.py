"""The `hcwatch` entry point: parse, dispatch to a command or the TUI, turn failures into one line and an exit status.

Textual is imported only on the TUI path (tui.app), after the arguments are parsed.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
from collections.abc import Sequence

from tui.cli import commands
from tui.cli.exits import EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE
from tui.cli.parser import build_parser
from tui.cli.session import open_runtime
from tui.errors import UserError
from tui.text import visible


def main(argv: Sequence[str] | None = None) -> int:
    """Run one hcwatch command line; returns the exit status (never raises for a user's mistake)."""
    args = build_parser().parse_args(argv)
    try:
        if args.command == "simulate":
            from tui.sim import serve

            if not 0 <= args.port <= 65535:
                raise UserError(f"--port {args.port} is not a port number (0–65535)")
            serve(args.port)
            return EXIT_OK
        if args.command is None:
            return _run_tui(args)
        return commands.run(args)
    except UserError as exc:
        print(visible(f"hcwatch: {exc}"), file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("hcwatch: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except OSError as exc:
        # A file or socket problem the user can act on: say which, without a traceback.
        where = f" ({exc.filename})" if getattr(exc, "filename", None) else ""
        print(f"hcwatch: {exc.strerror or exc}{where}", file=sys.stderr)
        return EXIT_USAGE


def _run_tui(args: argparse.Namespace) -> int:
    """Open the TUI over the Runtime the options ask for."""
    gc.disable()  # from here to the first frame (tui.app.app.run): the start's objects all stay alive
    try:
        rt = open_runtime(args)  # a broken config or watch list fails here, before the screen opens
        if not (sys.stdin.isatty() and sys.stdout.isatty()) and not os.environ.get("HCWATCH_FORCE_TUI"):
            raise UserError("the TUI needs a terminal; use 'hcwatch list' or 'hcwatch watch' in scripts")
        from tui.app import run
    except BaseException:
        gc.enable()
        raise

    return run(rt)
