"""Build a Dispatcher for a front end from the settings: detect the route, say once what tmux needs."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from tui.clock import Clock
from tui.cloud.auth.sources import ENV_AK, ENV_PASSWORD, ENV_SECURITY_TOKEN, ENV_SK, ENV_TOKEN
from tui.model import WatchedTask
from tui.notify.detect import Route, Runner, detect, run_command
from tui.notify.dispatcher import Dispatcher

HOOK_LOG = "hooks.log"
_CREDENTIAL_ENV = (ENV_TOKEN, ENV_PASSWORD, ENV_AK, ENV_SK, ENV_SECURITY_TOKEN)
_PROFILE_ENV_KEYS = ("token_env", "ak_env", "sk_env", "password_env")


def hook_environment(settings: Any, environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """hcwatch's environment without the variables credentials come from: a hook never sees a secret."""
    names = set(_CREDENTIAL_ENV)
    for profile in getattr(settings, "profiles", {}).values():
        names.update(v for v in (getattr(profile, key, None) for key in _PROFILE_ENV_KEYS) if v)
    environ = os.environ if environ is None else environ
    return {k: v for k, v in environ.items() if k not in names}


def route_for(settings: Any, env: Mapping[str, str] | None = None, run: Runner = run_command) -> Route:
    """The desktop route `[notify] desktop` means here (runs `tmux show`/`display` inside tmux)."""
    return detect(settings.notify.desktop, os.environ if env is None else env, run)


def open_dispatcher(settings: Any, clock: Clock, route: Route, *, write: Callable[[str], None] | None,
                    lookup: Callable[[str], WatchedTask | None], bell: bool, redact: Callable[[str], str] = str,
                    report: Callable[[str], None] | None = None, log_dir: Path | None = None) -> Dispatcher:
    """A Dispatcher over these settings; hook runs are logged to `log_dir/hooks.log`."""
    return Dispatcher(settings.notify, list(getattr(settings, "hooks", []) or []), clock, route,
                      write=write, lookup=lookup, bell=bell, redact=redact, report=report,
                      log_path=log_dir / HOOK_LOG if log_dir is not None else None,
                      hook_env=hook_environment(settings))
