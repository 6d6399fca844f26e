"""What every headless command shares: opening the Runtime from the options, printing its warnings once."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from tui.errors import UserError
from tui.text import visible

if TYPE_CHECKING:
    from tui.clock import Clock
    from tui.runtime import Runtime


def _env_path(value: Path | None, env: str) -> Path | None:
    """The path given as an option, else the one named by an environment variable, else None."""
    if value is not None:
        return value
    text = os.environ.get(env)
    return Path(text).expanduser() if text else None


def open_runtime(args: argparse.Namespace, clock: Clock | None = None) -> Runtime:
    """The Runtime the options ask for; a broken config or watch list raises a UserError here."""
    from tui.runtime import Runtime

    retry = bool(getattr(args, "retry_auth", False))

    if args.demo:
        # The demo never touches the user's files: their watch list and config stay out of it
        # (an explicit --config is still read, for its keymap and notify settings).
        return Runtime.open(config_path=_existing(args.config), demo=True, profile=args.profile, clock=clock,
                            retry_auth=retry)
    return Runtime.open(
        config_path=_existing(_env_path(args.config, "HCWATCH_CONFIG")),
        watchlist_path=_env_path(args.watchlist, "HCWATCH_WATCHLIST"),
        demo=False,
        profile=args.profile,
        clock=clock,
        retry_auth=retry,
    )


def _existing(path: Path | None) -> Path | None:
    """A config file the user named must exist: a typo should not silently mean 'defaults'."""
    if path is not None and not path.exists():
        raise UserError(f"{path}: no such config file (named by --config or HCWATCH_CONFIG)")
    return path


def print_warnings(rt: Runtime, shown: set[str] | None = None) -> None:
    """Print the runtime's warnings once each (credentials add theirs only when first used)."""
    shown = shown if shown is not None else set()
    for line in dict.fromkeys(rt.warnings):
        if line not in shown:
            shown.add(line)
            print(visible(f"hcwatch: warning: {line}"), file=sys.stderr)
