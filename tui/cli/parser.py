"""The `hcwatch` argument parser: sub-commands, global options, one-line usage errors."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any, NoReturn

from tui import __version__
from tui.cli import discover, profiles
from tui.cli.exits import EXIT_USAGE


class Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line (exit 2) instead of the usage block."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"hcwatch: {message} (see 'hcwatch --help')\n")


def add_global_options(parser: argparse.ArgumentParser, top: bool) -> None:
    """--config, --watchlist, --profile, --demo: accepted before and after the sub-command."""
    # On sub-commands the defaults are SUPPRESS, so `hcwatch --demo list` and `hcwatch list --demo` both work.
    d: dict[str, Any] = {} if top else {"default": argparse.SUPPRESS}
    parser.add_argument("--config", metavar="PATH", type=Path, help="config file (env HCWATCH_CONFIG)", **d)
    parser.add_argument("--watchlist", metavar="PATH", type=Path, help="watch list file (env HCWATCH_WATCHLIST)", **d)
    parser.add_argument("--profile", metavar="NAME", help="profile from config.toml (default: default)", **d)
    parser.add_argument("--demo", action="store_true",
                        help="use the built-in simulated cloud; touches none of your files", **d)
    parser.add_argument("--retry-auth", action="store_true",
                        help="send credentials again that hcwatch remembers as rejected (after fixing them)", **d)


def build_parser() -> argparse.ArgumentParser:
    """The whole command line: global options, then one sub-command (none: the TUI)."""
    p = Parser(
        prog="hcwatch",
        description="Watch long-running Huawei Cloud tasks (CodeArts Check, CodeArts Build, DWS).",
        epilog="REF is check:TASK_ID, build:JOB_ID, dws:PROJECT_ID/JOB_ID or dws:JOB_ID, or a watched task's name. "
               "In the TUI, ? lists every key and what each glyph means; --demo tries it on a simulated cloud.",
    )
    p.add_argument("--version", action="version", version=f"hcwatch {__version__}")
    add_global_options(p, top=True)
    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)

    def cmd(name: str, help: str) -> argparse.ArgumentParser:
        sp = sub.add_parser(name, help=help, description=help)
        add_global_options(sp, top=False)
        return sp

    sp = cmd("add", "watch a task (a REF, or a console URL of a Build job or Check task)")
    sp.add_argument("ref", metavar="REF|URL")
    sp.add_argument("--name", help="display name (default: the task's own name, fetched once)")
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
    sp.add_argument("--exit-status", action="store_true",
                    help="exit 0 all succeeded, 1 any failed, 3 any stopped, 4 timed out, 5 auth failed")
    sp.add_argument("--timeout", type=float, metavar="S", help="give up after S seconds")
    sp.add_argument("--json", action="store_true", help="one JSON object per line")
    discover.add_parser(cmd)
    profiles.add_parser(cmd)
    sp = cmd("notify", "check the notification setup")
    sp.add_argument("action", metavar="ACTION", choices=["test"],
                    help="test: send one of each configured signal now and say what went where")
    sp = cmd("simulate", "serve the simulated cloud on 127.0.0.1")
    sp.add_argument("--port", type=int, default=8000, help="port (default 8000; 0 picks a free one)")
    return p
