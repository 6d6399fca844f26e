"""Picks up outside edits of watchlist.toml in the running TUI, and says once when a hand edit broke it.

While the file does not load, the screen keeps the last list that did, the header names the
file and line, and one toast says what is wrong; a toast also says when it loads again.
"""

from __future__ import annotations

from typing import Any

from tui.model import clean_text


def sync_watchlist(screen: Any) -> None:
    """One tick's look at the watch list file for `screen` (the main screen)."""
    runtime = screen.runtime
    before = getattr(runtime, "watchlist_problem", None)
    try:
        changed, removed = runtime.sync_watchlist()
    except Exception as exc:  # a cache of the user's file: never worth crashing over
        screen.notify(clean_text(f"watch list not reloaded: {exc}", 300), severity="warning", markup=False)
        return
    problem = getattr(runtime, "watchlist_problem", None)
    if problem and problem != before:
        screen.notify(clean_text(f"{problem} (still showing the list as it last loaded)", 300),
                      title="watch list not reloaded", severity="warning", markup=False, timeout=15)
    elif before and not problem:
        screen.notify("watch list loads again", markup=False, timeout=4)
    if changed or removed:
        screen.rebuild()
    elif problem != before:
        screen.refresh_header()
