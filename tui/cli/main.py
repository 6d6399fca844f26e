"""The `hcwatch` command line; imports Textual only on the TUI path."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Sequence

from tui import __version__
from tui.errors import UserError

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_STOPPED, EXIT_TIMEOUT, EXIT_AUTH = 0, 1, 2, 3, 4, 5


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line (exit 2) instead of the usage block."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(EXIT_USAGE, f"hcwatch: {message} (see 'hcwatch --help')\n")


def _globals(parser: argparse.ArgumentParser, top: bool) -> None:
    # On sub-commands the defaults are SUPPRESS, so `hcwatch --demo list` and `hcwatch list --demo` both work.
    d = {} if top else {"default": argparse.SUPPRESS}
    parser.add_argument("--config", metavar="PATH", type=Path, help="config file (env HCWATCH_CONFIG)", **d)
    parser.add_argument("--watchlist", metavar="PATH", type=Path, help="watch list file (env HCWATCH_WATCHLIST)", **d)
    parser.add_argument("--profile", metavar="NAME", help="profile from config.toml (default: default)", **d)
    parser.add_argument("--demo", action="store_true", help="use the built-in simulated cloud; touches none of your files", **d)


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(
        prog="hcwatch",
        description="Watch long-running Huawei Cloud tasks (CodeArts Check, CodeArts Build, DWS).",
        epilog="REF is check:TASK_ID, build:JOB_ID, dws:PROJECT_ID/JOB_ID or dws:JOB_ID, or a watched task's name.",
    )
    p.add_argument("--version", action="version", version=f"hcwatch {__version__}")
    _globals(p, top=True)
    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    def cmd(name: str, help: str) -> argparse.ArgumentParser:
        sp = sub.add_parser(name, help=help, description=help)
        _globals(sp, top=False)
        return sp

    sp = cmd("add", "watch a task")
    sp.add_argument("ref", metavar="REF")
    sp.add_argument("--name", help="display name")
    sp = cmd("remove", "stop watching a task")
    sp.add_argument("ref", metavar="REF")
    sp = cmd("rename", "change a watched task's display name")
    sp.add_argument("ref", metavar="REF")
    sp.add_argument("name", metavar="NAME")
    sp = cmd("pause", "stop polling a task (it stays on the list)")
    sp.add_argument("ref", metavar="REF")
    sp = cmd("resume", "poll a paused task again")
    sp.add_argument("ref", metavar="REF")
    sp = cmd("list", "fetch every watched task once and print it")
    sp.add_argument("--json", action="store_true", help="one JSON object per line")
    sp = cmd("watch", "follow tasks until they finish, one line per change")
    sp.add_argument("refs", metavar="REF", nargs="+")
    sp.add_argument("--exit-status", action="store_true", help="exit 0 all succeeded, 1 any failed, 3 any stopped, 4 timed out, 5 auth failed")
    sp.add_argument("--timeout", type=float, metavar="S", help="give up after S seconds")
    sp.add_argument("--json", action="store_true", help="one JSON object per line")
    sp = cmd("simulate", "serve the simulated cloud on 127.0.0.1")
    sp.add_argument("--port", type=int, default=8000, help="port (default 8000; 0 picks a free one)")
    return p


def _env_path(value: Path | None, env: str) -> Path | None:
    if value is not None:
        return value
    text = os.environ.get(env)
    return Path(text).expanduser() if text else None


def open_runtime(args: argparse.Namespace, clock=None):
    from tui.runtime import Runtime

    if args.demo:
        # The demo never touches the user's files: their watch list and config stay out of it
        # (an explicit --config is still read, for its keymap and notify settings).
        return Runtime.open(config_path=_existing(args.config), demo=True, profile=args.profile, clock=clock)
    return Runtime.open(
        config_path=_existing(_env_path(args.config, "HCWATCH_CONFIG")),
        watchlist_path=_env_path(args.watchlist, "HCWATCH_WATCHLIST"),
        demo=False,
        profile=args.profile,
        clock=clock,
    )


def _existing(path: Path | None) -> Path | None:
    """A config file the user named must exist: a typo should not silently mean 'defaults'."""
    if path is not None and not path.exists():
        raise UserError(f"{path}: no such config file (named by --config or HCWATCH_CONFIG)")
    return path


def _warn(rt, shown: set[str] | None = None) -> None:
    """Print the runtime's warnings once each (credentials add theirs only when first used)."""
    shown = shown if shown is not None else set()
    for line in dict.fromkeys(rt.warnings):
        if line not in shown:
            shown.add(line)
            print(f"hcwatch: warning: {line}", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
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
        from tui.cli import commands

        return commands.run(args)
    except UserError as exc:
        print(f"hcwatch: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("hcwatch: interrupted", file=sys.stderr)
        return 130
    except OSError as exc:
        # A file or socket problem the user can act on: say which, without a traceback.
        where = f" ({exc.filename})" if getattr(exc, "filename", None) else ""
        print(f"hcwatch: {exc.strerror or exc}{where}", file=sys.stderr)
        return EXIT_USAGE


def _run_tui(args: argparse.Namespace) -> int:
    rt = open_runtime(args)  # a broken config or watch list fails here, before the screen opens
    if not (sys.stdin.isatty() and sys.stdout.isatty()) and not os.environ.get("HCWATCH_FORCE_TUI"):
        raise UserError("the TUI needs a terminal; use 'hcwatch list' or 'hcwatch watch' in scripts")
    from tui.app import run

    return run(rt)
