"""The help screen: the actions table's keys and texts, with the keys as bound now (after [keymap])."""

from __future__ import annotations

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Footer, Label, Static

from tui.app.actions import BY_ID
from tui.app.help_text import layout
from tui.model import Phase

HelpRow = tuple[str, str, str]  # keys, description, binding id

# The glyphs of the status column and the marker column, one line each.
LEGEND: tuple[tuple[str, str], ...] = (
    *((f"{p.glyph} {p.value}", meaning) for p, meaning in (
        (Phase.PENDING, "queued or waiting to start"),
        (Phase.RUNNING, "under way"),
        (Phase.SUCCEEDED, "finished well"),
        (Phase.FAILED, "finished with a failure"),
        (Phase.STOPPED, "stopped by someone (aborted)"),
        (Phase.IDLE, "a Build job not running, last outcome unknown"),
        (Phase.UNKNOWN, "a status hcwatch does not know (the raw value is in the details)"),
    )),
    ("◆", "changed since you last selected it (reverse video while it flashes)"),
    ("◇", "changed while hcwatch was closed"),
    ("⏸", "polling paused (p resumes)"),
    ("⚠", "the last poll failed: the task keeps its last known status"),
    ("…", "an id cut in the middle; type it like that in hcwatch rename/remove"),
)

# Textual's own keys worth listing, in hcwatch's words; any other key without an hcwatch
# binding id (ctrl+c "Copy selected text", the cell cursor's left/right) is not listed.
OTHER_KEYS = {
    "page_up": "Page up",
    "page_down": "Page down",
    "app.focus_next": "Move the focus: table, detail pane",
    "app.focus_previous": "Move the focus back",
    "command_palette": "Command palette: every action, plus mark all seen and retry authentication",
}


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
    own_actions = {a.name for a in BY_ID.values()}
    rows: dict[str, tuple[list[str], list[str], str, str]] = {}  # action: own keys, other keys, text, id
    for b in chain:
        known = BY_ID.get(b.id or "")
        if known is None and b.action not in OTHER_KEYS and b.action not in own_actions:
            continue
        text = known.help if known else OTHER_KEYS.get(b.action, b.tooltip or b.description)
        # One row per action: j and ↓ both move down, q and ctrl+q both quit.
        own, other, _, ident = rows.setdefault(b.action, ([], [], text, b.id or ""))
        if known:  # hcwatch's own keys first, in the table's order: j before ↓, g before home
            own.append(display(b))
            order = known.keys.split(",")
            own.sort(key=lambda k: order.index(k) if k in order else len(order))
        else:
            other.append(display(b))
        if known and not ident:
            rows[b.action] = (own, other, known.help, known.id)
    listed = [(", ".join(dict.fromkeys(own + other)), text, ident) for own, other, text, ident in rows.values()]
    # hcwatch's own keys first, in the actions table's order, then the table's and widgets' keys.
    own = list(BY_ID)
    listed.sort(key=lambda r: own.index(r[2]) if r[2] in own else len(own) + (not r[2]))
    return listed


class KeyHelp(Static):
    """The keys and the legend as aligned columns, laid out again when the width changes (tui.app.help_text)."""

    def __init__(self, rows: list[HelpRow]) -> None:
        self.rows = rows
        self._width = 86  # the dialog's at full size; the real one comes with the first resize
        super().__init__(layout(rows, LEGEND, self._width))

    def on_resize(self, event: events.Resize) -> None:
        if event.size.width and event.size.width != self._width:
            self._width = event.size.width
            self.update(layout(self.rows, LEGEND, self._width))


class HelpScreen(ModalScreen[None]):
    """A list of (keys, what they do, binding id for [keymap]); any of escape/q/? closes it."""

    BINDINGS = [Binding("escape,q,question_mark", "close", "Close", id="dialog.close")]

    def __init__(self, rows: list[HelpRow]) -> None:
        super().__init__()
        self.rows = rows

    def compose(self) -> ComposeResult:
        notes = Text(style="dim")
        notes.append("\nThe changed column: when the task's status, progress or message last changed "
                     "(— none seen yet). The detail pane shows when it was last fetched.\n")
        notes.append("Remap keys in config.toml: a [keymap] table of binding id = keys, e.g. add = \"plus\"")
        with VerticalScroll(classes="dialog help"):
            yield Label("Keys", classes="dialog-title")
            yield KeyHelp(self.rows)
            yield Static(notes)
        # The dialog's own keys (see AddTaskScreen.compose).
        yield Footer(compact=True)

    def action_close(self) -> None:
        self.dismiss(None)
