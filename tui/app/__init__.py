"""The Textual front end: `run(runtime)` opens the task table over a Runtime and returns the exit code."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tui.app.app import HcwatchApp
    from tui.runtime import Runtime

__all__ = ["run", "HcwatchApp"]


def run(runtime: Runtime) -> int:
    """Run the TUI until the user quits or the terminal goes away; returns the exit status."""
    from tui.app.app import run as _run

    return _run(runtime)


def __getattr__(name: str):
    if name == "HcwatchApp":
        from tui.app.app import HcwatchApp

        return HcwatchApp
    raise AttributeError(name)
