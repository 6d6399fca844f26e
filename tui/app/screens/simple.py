"""Small dialogs: confirm, text entry (rename) and the masked password prompt."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Footer, Input, Label

from tui.app.widgets.inputs import OrderedInput


class ConfirmScreen(ModalScreen[bool]):
    """Yes/no, with `y`/`n` keys; the question is plain text (it may hold a task name)."""

    BINDINGS = [
        Binding("escape,n", "answer(False)", "No", id="dialog.no"),
        Binding("y", "answer(True)", "Yes", id="dialog.yes"),
    ]

    def __init__(self, question: str, yes: str = "Yes") -> None:
        super().__init__()
        self.question = question
        self.yes = yes

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(Text(self.question))
            yield Label(Text(f"y {self.yes.lower()} · n or esc cancel", style="dim"), classes="hint")
            with Horizontal(classes="buttons"):
                yield Button(self.yes, variant="error", id="yes", compact=True)
                yield Button("Cancel", id="no", compact=True)
        # The dialog's own keys (see AddTaskScreen.compose).
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")

    def action_answer(self, value: bool) -> None:
        self.dismiss(value)


class TextScreen(ModalScreen["str | None"]):
    """One line of text (rename, password); enter accepts, escape cancels."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="dialog.cancel")]

    def __init__(self, title: str, value: str = "", *, password: bool = False,
                 placeholder: str = "", note: str = "") -> None:
        super().__init__()
        self.title_text = title
        self.value = value
        self.password = password
        self.placeholder = placeholder
        self.note = note

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(Text(self.title_text), classes="dialog-title")
            if self.note:
                yield Label(Text(self.note), classes="note")
            yield OrderedInput(value=self.value, password=self.password, placeholder=self.placeholder,
                               id="text", compact=True)
            with Horizontal(classes="buttons"):
                yield Button("OK", variant="primary", id="ok", compact=True)
                yield Button("Cancel", id="cancel", compact=True)
        # The dialog's own keys (see AddTaskScreen.compose).
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one("#text", Input).focus()

    @on(Input.Submitted)
    @on(Button.Pressed, "#ok")
    def _ok(self) -> None:
        self.dismiss(self.query_one("#text", Input).value)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
