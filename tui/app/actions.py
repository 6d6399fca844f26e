"""Every hcwatch action once, as data: the bindings, the command palette and the help screen come from here.

The `id` of an action is its binding id, the name users put in the `[keymap]` table of
config.toml, so an id never changes. The README's key table says the same `help` texts.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    # Only binding() needs Textual: the command line reads this table to check [keymap].
    from textual.binding import Binding


@dataclass(frozen=True)
class Action:
    """One thing a user can ask hcwatch to do."""

    id: str                     # binding id ([keymap] name); also the action's name unless `action` is set
    keys: str                   # default keys, comma separated; "" = palette only
    description: str            # the footer's word for it
    help: str                   # one line for the help screen, the palette, the footer's tooltip and the README
    title: str = ""             # the palette's name for it ("" = not in the palette)
    footer: bool = True         # shown in the footer
    key_display: str | None = None
    action: str = ""            # the action method's name when it differs from the id

    @property
    def name(self) -> str:
        """The action string a binding runs (`action_<name>` on the screen that holds the binding)."""
        return self.action or self.id

    @property
    def in_palette(self) -> bool:
        return bool(self.title)

    def binding(self) -> Binding:
        from textual.binding import Binding

        return Binding(self.keys, self.name, self.description, show=self.footer, id=self.id,
                       tooltip=self.help, key_display=self.key_display)


# The main screen's actions, in the order the footer, the palette and the help list them.
ACTIONS: tuple[Action, ...] = (
    Action("add", "a", "Add", "Watch a new Check task, Build job or DWS job", "Add task"),
    Action("remove", "d", "Remove", "Stop watching the selected task (asks first)", "Remove task"),
    Action("rename", "e", "Rename", "Change the selected task's display name", "Rename task", footer=False),
    Action("refresh", "r", "Refresh", "Poll the selected task now", "Refresh task"),
    Action("refresh_all", "R", "Refresh all", "Poll every task now", "Refresh all", footer=False),
    Action("pause", "p", "Pause", "Pause or resume polling the selected task", "Pause / resume task"),
    Action("mute", "m", "Mute", "Mute or unmute the selected task: its changes flash but never ring, notify or run "
           "hooks", "Mute / unmute task", footer=False),
    Action("filter", "slash", "Filter", "Filter by name, id or status (esc clears)", "Filter", key_display="/"),
    Action("clear_filter", "", "Clear filter", "Show every task again", "Clear filter"),
    Action("sort", "s", "Sort", "Cycle the sort order: name → status → changed → service", "Cycle sort order"),
    Action("details", "enter", "Details", "Show the selected task's details", "Show details", footer=False),
    Action("toggle_detail", "i", "Info", "Hide or show the detail pane", "Toggle detail pane", footer=False),
    Action("copy_id", "y", "Copy id", "Copy the selected task's id to the clipboard (OSC 52)", "Copy task id",
           footer=False),
    Action("copy_url", "o", "Copy link", "Copy the selected task's console link to the clipboard (OSC 52)",
           "Copy console link", footer=False),
    Action("log", "L", "Log", "Show the Build log's tail in the detail pane; again: the whole log in $PAGER",
           "Show Build log", footer=False),
    Action("log_pager", "", "Full log", "Open the selected Build's whole log in $PAGER", "Open full Build log"),
    Action("back", "escape", "Back", "Back to the table; clear the filter", footer=False),
    Action("mark_all_seen", "", "Mark all seen", "Clear every change marker", "Mark all changes seen"),
    Action("retry_auth", "", "Retry auth", "Ask for credentials again for stopped profiles", "Retry authentication"),
    Action("help", "question_mark", "Help", "List every key, as remapped", "Help: keys", key_display="?"),
    Action("quit", "q", "Quit", "Leave hcwatch", "Quit"),
)

# The task table's own keys (vim's j and k beside the arrows that DataTable binds; home/end,
# which DataTable spends on scrolling sideways, move the cursor like vim's g/G).
TABLE_ACTIONS: tuple[Action, ...] = (
    Action("table.down", "j", "Down", "Next task", footer=False, action="cursor_down"),
    Action("table.up", "k", "Up", "Previous task", footer=False, action="cursor_up"),
    Action("table.top", "g,home", "Top", "First task", footer=False, action="scroll_top"),
    Action("table.bottom", "G,end", "Bottom", "Last task", footer=False, action="scroll_bottom"),
    Action("detail.down", "J,shift+down", "Scroll details", "Scroll the detail pane down", footer=False,
           action="detail_page(1)"),
    Action("detail.up", "K,shift+up", "Scroll details up", "Scroll the detail pane up", footer=False,
           action="detail_page(-1)"),
)

# The focused detail pane's keys: J/K as from the table, and j/k a line at a time as in a pager (the pane
# has the focus, so the table's j/k would move a cursor the user is not looking at).
DETAIL_ACTIONS: tuple[Action, ...] = (
    *(a for a in TABLE_ACTIONS if a.id.startswith("detail.")),
    Action("detail.line_down", "j", "Line down", "In the focused detail pane: scroll a line down", footer=False,
           action="scroll_down"),
    Action("detail.line_up", "k", "Line up", "In the focused detail pane: scroll a line up", footer=False,
           action="scroll_up"),
)

BY_ID: dict[str, Action] = {a.id: a for a in (*ACTIONS, *TABLE_ACTIONS, *DETAIL_ACTIONS)}
# The actions live at once: the screen's with the table's, or with the focused detail pane's.
SCOPES: tuple[tuple[Action, ...], ...] = ((*ACTIONS, *TABLE_ACTIONS), (*ACTIONS, *DETAIL_ACTIONS))


def bindings(actions: tuple[Action, ...] = ACTIONS) -> list[Binding]:
    """The Textual bindings of the actions that have a key."""
    return [a.binding() for a in actions if a.keys]


def palette() -> list[Action]:
    """The actions the command palette offers, in table order."""
    return [a for a in ACTIONS if a.in_palette]
