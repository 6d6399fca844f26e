"""Thousands of paused tasks for the scale tests and benchmarks: the watch list, and waiting until all are on screen."""

from __future__ import annotations

from pathlib import Path

from tui.app.driving import settle, up


def write_watchlist(path: Path, n: int, prefix: str = "bench") -> None:
    """N paused tasks `check:{prefix}00000`… written as hcwatch writes them (adding through the locked API takes minutes)."""
    parts = ["version = 1\n"]
    for i in range(n):
        parts.append(f'\n[[task]]\nref = "check:{prefix}{i:05d}"\nname = "{prefix}-{i:05d}"\n'
                     f'profile = "default"\npaused = true\n')
    path.write_text("".join(parts), encoding="utf-8")


async def filled(pilot, n: int) -> None:
    """Until the runtime has started (the state restored) and all `n` rows are in the table."""
    await up(pilot)
    await settle(pilot)
    while len(pilot.app.main.table.order) < n:  # the first paint adds rows in batches
        await pilot.pause()
