"""The command palette provider: the actions table's palette entries, each with the key bound to it now."""

from __future__ import annotations

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.screen import Screen

from tui.app.actions import Action, palette


def key_for_action(screen: Screen, action: str) -> str:
    """The key bound to an action on `screen` (after [keymap]), as the footer would show it."""
    app = screen.app
    for _key, active in screen.active_bindings.items():
        if active.binding.action == action:
            return app.get_key_display(active.binding)
    # Shadowed keys still work: enter is the table's own "select", which opens the details.
    for _, bindings in screen._binding_chain:
        for bound in bindings.key_to_bindings.values():
            for binding in bound:
                if binding.action == action:
                    return app.get_key_display(binding)
    return ""


class HcwatchCommands(Provider):
    """The same actions the keys run, on the main screen; the palette adds no behaviour of its own."""

    @property
    def main(self) -> Screen:
        """The main screen (the first on the stack), whichever screen the palette was opened over."""
        return self.app.screen_stack[0]

    def _display(self, action: Action) -> str:
        key = key_for_action(self.main, action.name)
        return f"{action.title}  ({key})" if key else action.title

    def _run(self, action: Action):
        return partial(self.app.run_action, action.name, self.main)

    async def discover(self) -> Hits:
        for action in palette():
            yield DiscoveryHit(self._display(action), self._run(action), help=action.help)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for action in palette():
            score = matcher.match(f"{action.title} {action.help}")
            if score > 0:
                yield Hit(score, matcher.highlight(self._display(action)), self._run(action), help=action.help)
