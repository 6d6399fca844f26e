"""The filter bar under the table: `/`, the filter box and a hint; hidden until `/` opens it."""

from __future__ import annotations

from collections.abc import Callable

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
        self.before: str | None = None  # the task selected when `/` opened the bar: Esc returns to it

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

    def open(self, selected: str | None = None) -> None:
        """Show the bar and move the focus into the box; remember the task `selected` until then."""
        if selected is not None or not self.shown:  # `/` again on a filter that matches nothing: keep the first
            self.before = selected
        self.show(True)
        self.box.focus()
        self.pending = True  # until the box has focus, typed keys still reach the table

    def claim_typed_key(self, event: events.Key, submit: Callable[[], None] | None = None) -> bool:
        """Put a key that reached the App into the box if it was typed for it.

        Keys typed right after `/` in one burst (a slow link, tmux send-keys) were sent to the
        table before the box took focus; they bubble up to the App and would run bindings
        (`/fa` would open the add dialog). An Input keeps every printable key it is sent, so a
        printable key that bubbles up while the box has or is getting focus belongs in it; an
        enter then ends the filter (`submit`), as it would in the box.
        """
        box = self.box
        if event.is_printable and event.character and (self.pending or self.screen.focused is box):
            box.insert_text_at_cursor(event.character)
            return True
        if event.key == "enter" and self.pending:
            # Enter typed for the box before it had focus: it ends the filter, as in the box (not
            # the table's enter, which would focus the detail pane); the keys after it go to the table.
            self.pending = False
            if submit is not None:
                submit()  # now, so the keys after it meet the filtered table
            return True
        return False
