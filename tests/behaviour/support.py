"""Helpers for the TUI tests: a demo Runtime on a FakeClock and a way to move its time (no tests here)."""

from __future__ import annotations

import time
from pathlib import Path

from tui.app.driving import advance, settle, started
from tui.clock import FakeClock
from tui.runtime import Runtime

__all__ = ["advance", "demo_runtime", "freeze_local_time", "row_texts", "settle", "started"]


def demo_runtime(tmp_path: Path, clock: FakeClock | None = None) -> Runtime:
    return Runtime.open(
        demo=True,
        clock=clock or FakeClock(),
        state_dir=tmp_path / "state",
        watchlist_path=tmp_path / "watchlist.toml",
    )


def row_texts(app) -> dict[str, list[str]]:
    table = app.table
    return {key: [c.plain for c in table._shown[key].values()] for key in table.order}


def freeze_local_time(monkeypatch) -> None:
    """Local times in the picture (header, detail pane) in UTC, whatever the machine's zone."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
