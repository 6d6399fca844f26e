"""The command palette, guarded against keys that arrive after it has closed (Textual 8.2.8 crashes on them)."""

from __future__ import annotations

from textual import events, on
from textual.command import CommandPalette
from textual.message import Message
from textual.widgets import Button, Input, OptionList


class GuardedPalette(CommandPalette):
    """Textual's palette, minus its crash on `enter enter` typed in one burst.

    Textual 8.2.8 (upstream, also in a bare App): keys read in one burst are all handed to the
    palette's input before it handles the first, so two `enter`s select the command twice;
    the first selection dismisses the palette and the second dismisses it again, popping the
    screen under it (a dialog, or the last screen: ScreenStackError, the app dies) and running
    the command a second time. Once the palette is no longer the active screen, whatever it
    still has queued is dropped here, before Textual's own handlers (the base class) see it.
    """

    @on(OptionList.OptionSelected)
    @on(Input.Submitted)
    @on(Button.Pressed)
    @on(events.Click)
    def _drop_after_close(self, message: Message) -> None:
        if not self.is_active:
            message.stop()
            message.prevent_default()  # the base class's handlers come after ours in the MRO; skip them
