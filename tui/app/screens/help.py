"""The help screen: the actions table's keys and texts, with the keys as bound now (after [keymap])."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Footer, Label, Static

from tui.app.actions import ACTIONS, BY_ID

HelpRow = tuple[str, str, str]  # keys, description, binding id

# Keys of the table's cell cursor that do nothing useful with a row cursor.
HELP_SKIP = frozenset({"cursor_left", "cursor_right", "page_left", "page_right", "select_cursor"})


def help_rows(screen: Screen) -> list[HelpRow]:
    """One row per action bound on `screen`: hcwatch's actions in table order, then the widgets' keys.

    The whole binding chain (keymap applied), not only the active keys: `enter` is shadowed
    by the table's own enter binding, yet it is still a key worth listing.
    """
    display = screen.app.get_key_display
    try:
        chain = [b for _, bmap in screen._binding_chain for bs in bmap.key_to_bindings.values() for b in bs]
    except Exception:
        chain = [a.binding for a in screen.active_bindings.values()]
    rows: dict[str, tuple[list[str], str, str]] = {}
    for b in chain:
        if not b.description or b.action in HELP_SKIP:
            continue
        known = BY_ID.get(b.id or "")
        text = known.help if known else (b.tooltip or b.description)
        # One row per action: j and ↓ both move down, q and ctrl+q both quit.
        keys, _, ident = rows.setdefault(b.action, ([], text, b.id or ""))
        if b.id:
            keys.insert(0, display(b))  # hcwatch's own key first: j before ↓
        else:
            keys.append(display(b))
        if b.id and not ident:
            rows[b.action] = (keys, text, b.id)
    listed = [(", ".join(dict.fromkeys(k)), text, ident) for k, text, ident in rows.values()]
    # hcwatch's own keys first, in the actions table's order, then the table's and widgets' keys.
    own = [a.id for a in ACTIONS]
    listed.sort(key=lambda r: own.index(r[2]) if r[2] in own else len(own) + (not r[2]))
    return listed


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
