"""Muting a task (`m`, `mute = true`): the watch list keeps the setting, the poller's copy follows at once."""

from __future__ import annotations

from typing import Any

from tui.model import WatchedTask


def set_muted(runtime: Any, key: str, muted: bool) -> WatchedTask:
    """Mute or unmute a watched task of a Runtime; its next change sees the new setting."""
    task: WatchedTask = runtime.watchlist.set_muted(key, muted)
    if runtime.poller is not None:
        runtime.poller.add(task)  # add() of a known key updates its entry in place
    return task
