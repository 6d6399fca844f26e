"""Faults the fault hunt found in the TUI (issue 10): each test sends what a user or a terminal did."""

from __future__ import annotations

from textual import events
from textual.command import CommandPalette

from tui.app.commands import HcwatchCommands
from tui.app.driving import settle
from tui.app.screens.add import AddTaskScreen
from tui.app.screens.help import HelpScreen
from tui.app.screens.main import MainScreen


def burst(app, *keys: str) -> None:
    """Queue keys the way the terminal driver does when they arrive in one read: all before any is handled."""
    chars = {"enter": "\r", "escape": "\x1b"}
    for key in keys:
        app.post_message(events.Key(key, chars.get(key, key if len(key) == 1 else None)))


async def open_palette(pilot) -> CommandPalette:
    """ctrl+p with only hcwatch's own commands, so the first one (Add task) is known.

    Textual's system commands arrive from another provider in no fixed order.
    """
    pilot.app.COMMANDS = {HcwatchCommands}
    await pilot.press("ctrl+p")
    for _ in range(100):
        await pilot.pause(0.01)
        palette = pilot.app.screen
        if isinstance(palette, CommandPalette) and palette.query_one("CommandList").option_count:
            return palette
    raise AssertionError("the palette listed no commands")


async def test_enter_enter_in_the_palette_runs_one_command_and_keeps_running(pilot):
    app = pilot.app
    await open_palette(pilot)
    burst(app, "enter", "enter")
    await pilot.pause(0.2)
    await settle(pilot)
    assert app.is_running and app._exception is None  # Textual 8.2.8 alone: ScreenStackError, exit 1
    # The first command (Add task) ran once: one dialog over the main screen, the palette gone.
    assert [type(s) for s in app.screen_stack] == [MainScreen, AddTaskScreen]


async def test_enter_enter_in_the_palette_over_a_dialog_leaves_the_dialog(pilot):
    app = pilot.app
    await pilot.press("question_mark")
    await open_palette(pilot)
    burst(app, "enter", "enter", "enter")
    await pilot.pause(0.2)
    await settle(pilot)
    assert app.is_running and app._exception is None
    assert [type(s) for s in app.screen_stack][:2] == [MainScreen, HelpScreen]
    assert not any(isinstance(s, CommandPalette) for s in app.screen_stack)


async def test_every_palette_hcwatch_opens_is_the_guarded_one(pilot):
    from tui.app.palette import GuardedPalette

    app = pilot.app
    await pilot.press("ctrl+p")
    await pilot.pause()
    assert isinstance(app.screen, GuardedPalette)
    await pilot.press("escape")
    app.search_themes()  # the system command "Change theme"
    await pilot.pause()
    assert isinstance(app.screen, GuardedPalette)
