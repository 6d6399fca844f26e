"""Build a Dispatcher for a front end from the settings: detect the route, say once what tmux needs."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from tui.clock import Clock
from tui.model import WatchedTask
from tui.notify.detect import Route, Runner, detect, run_command
from tui.notify.dispatcher import Dispatcher

HOOK_LOG = "hooks.log"


def route_for(settings: Any, env: Mapping[str, str] | None = None, run: Runner = run_command) -> Route:
    """The desktop route `[notify] desktop` means here (runs `tmux show`/`display` inside tmux)."""
    return detect(settings.notify.desktop, os.environ if env is None else env, run)


def open_dispatcher(settings: Any, clock: Clock, route: Route, *, write: Callable[[str], None] | None,
                    lookup: Callable[[str], WatchedTask | None], bell: bool, redact: Callable[[str], str] = str,
                    report: Callable[[str], None] | None = None, log_dir: Path | None = None) -> Dispatcher:
    """A Dispatcher over these settings; hook runs are logged to `log_dir/hooks.log`."""
    return Dispatcher(settings.notify, list(getattr(settings, "hooks", []) or []), clock, route,
                      write=write, lookup=lookup, bell=bell, redact=redact, report=report,
                      log_path=log_dir / HOOK_LOG if log_dir is not None else None)
