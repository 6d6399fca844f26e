"""The command palette provider: every hcwatch action, by name, with its current key."""

from __future__ import annotations

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider

# (action, title, help). The same actions the keys run; the palette adds no behaviour of its own.
PALETTE: tuple[tuple[str, str, str], ...] = (
    ("add", "Add task", "Watch a new Check task, Build job or DWS job"),
    ("remove", "Remove task", "Stop watching the selected task (asks first)"),
    ("rename", "Rename task", "Change the selected task's display name"),
    ("refresh", "Refresh task", "Poll the selected task now"),
    ("refresh_all", "Refresh all", "Poll every watched task now"),
    ("pause", "Pause / resume task", "Stop or restart polling the selected task"),
    ("filter", "Filter", "Show only tasks matching a name, id or status"),
    ("clear_filter", "Clear filter", "Show every task again"),
    ("sort", "Cycle sort order", "name → status → changed → service"),
    ("details", "Show details", "Open the detail pane on the selected task"),
    ("toggle_detail", "Toggle detail pane", "Hide or show the detail pane"),
    ("copy_id", "Copy task id", "Copy the selected task's id to the clipboard (OSC 52)"),
    ("mark_all_seen", "Mark all changes seen", "Clear every change marker"),
    ("retry_auth", "Retry authentication", "Ask for credentials again for stopped profiles"),
    ("help", "Help: keys", "List every key"),
    ("quit", "Quit", "Leave hcwatch"),
)


class HcwatchCommands(Provider):
    """Lists PALETTE; shows the key currently bound to each action (after [keymap])."""

    def _key_for(self, action: str) -> str:
        lookup = getattr(self.app, "key_for_action", None)
        return lookup(action) if lookup else ""

    def _display(self, title: str, action: str) -> str:
        key = self._key_for(action)
        return f"{title}  ({key})" if key else title

    async def discover(self) -> Hits:
        for action, title, help_text in PALETTE:
            yield DiscoveryHit(self._display(title, action), partial(self.app.run_action, action), help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for action, title, help_text in PALETTE:
            score = matcher.match(f"{title} {help_text}")
            if score > 0:
                yield Hit(score, matcher.highlight(self._display(title, action)),
                          partial(self.app.run_action, action), help=help_text)
