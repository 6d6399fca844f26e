"""The filter bar under the table: `/`, the filter box and a hint; hidden until `/` opens it."""

from __future__ import annotations

from textual import events
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Input, Label

from tui.app.widgets.inputs import OrderedInput


class FilterBar(Horizontal):
    """The filter box with its prompt; `pending` from `/` until the box has focus."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.pending = False

    def compose(self) -> ComposeResult:
        yield Label("/", id="filter-prompt")
        # Not select-on-focus: keys typed in one burst after `/` are put in the box before it has
        # focus, and selecting them when focus arrives would let the next key replace them.
        yield OrderedInput(placeholder="name, id or status", id="filter", select_on_focus=False)
        yield Label("enter keeps · esc clears", id="filter-hint")

    @property
    def box(self) -> Input:
        return self.query_one("#filter", Input)

    @property
    def shown(self) -> bool:
        return self.has_class("-active")

    def show(self, shown: bool) -> None:
        self.set_class(shown, "-active")
        self.box.set_class(shown, "-active")

    def open(self) -> None:
        """Show the bar and move the focus into the box."""
        self.show(True)
        self.box.focus()
        self.pending = True  # until the box has focus, typed keys still reach the table

    def claim_typed_key(self, event: events.Key) -> bool:
        """Put a key that reached the App into the box if it was typed for it.

        Keys typed right after `/` in one burst (a slow link, tmux send-keys) were sent to the
        table before the box took focus; they bubble up to the App and would run bindings
        (`/fa` would open the add dialog). An Input keeps every printable key it is sent, so a
        printable key that bubbles up while the box has or is getting focus belongs in it.
        """
        box = self.box
        if event.is_printable and event.character and (self.pending or self.screen.focused is box):
            box.insert_text_at_cursor(event.character)
            return True
        return False
