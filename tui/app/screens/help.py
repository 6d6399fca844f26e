"""The help screen: every key, read from the live bindings (so a remapped key shows as remapped)."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Footer, Label, Static

HelpRow = tuple[str, str, str]  # keys, description, binding id


class HelpScreen(ModalScreen[None]):
    """A list of (keys, what they do, binding id for [keymap]); any of escape/q/? closes it."""

    BINDINGS = [Binding("escape,q,question_mark", "close", "Close", id="dialog.close")]

    def __init__(self, rows: list[HelpRow]) -> None:
        super().__init__()
        self.rows = rows

    def compose(self) -> ComposeResult:
        text = Text()
        width = max((len(k) for k, _, _ in self.rows), default=4) + 2
        said = max((len(d) for _, d, _ in self.rows), default=10) + 2
        for keys, description, binding_id in self.rows:
            text.append(f"{keys:<{width}}", style="bold")
            text.append(f"{description:<{said}}")
            text.append(f"{binding_id}\n", style="dim")
        text.append("\nThe changed column: when the task's status, progress or message last changed "
                    "(— none seen yet). The detail pane shows when it was last fetched.\n", style="dim")
        text.append("Remap keys in config.toml: a [keymap] table of binding id = keys, e.g. add = \"plus\"",
                    style="dim")
        with VerticalScroll(classes="dialog help"):
            yield Label("Keys", classes="dialog-title")
            yield Static(text)
        # The dialog's own keys (see AddTaskScreen.compose).
        yield Footer(compact=True)

    def action_close(self) -> None:
        self.dismiss(None)
