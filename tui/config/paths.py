"""Where hcwatch keeps its files: platformdirs folders, overridable from the environment."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import platformdirs

APP = "hcwatch"


@dataclass(frozen=True)
class Paths:
    """The three places hcwatch reads and writes."""

    config: Path
    watchlist: Path
    state_dir: Path


def _from_env(env: Mapping[str, str], name: str) -> Path | None:
    value = env.get(name, "").strip()
    return Path(value).expanduser() if value else None


def default_paths(env: Mapping[str, str] | None = None) -> Paths:
    """Config and watch list in the user config folder, state in the user state folder.

    HCWATCH_CONFIG and HCWATCH_WATCHLIST name files; HCWATCH_STATE_DIR a folder (mainly
    for tests and for running two independent instances). The CLI's flags win over these.
    """
    env = os.environ if env is None else env
    config_dir = platformdirs.user_config_path(APP)
    return Paths(
        config=_from_env(env, "HCWATCH_CONFIG") or config_dir / "config.toml",
        watchlist=_from_env(env, "HCWATCH_WATCHLIST") or config_dir / "watchlist.toml",
        state_dir=_from_env(env, "HCWATCH_STATE_DIR") or platformdirs.user_state_path(APP),
    )
