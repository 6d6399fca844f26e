"""An Input whose editing keys keep their place among typed characters (keys that arrive in one burst)."""

from __future__ import annotations

from textual import events, on
from textual.widgets import Input


class OrderedInput(Input):
    """Input that runs its own bindings (backspace, ctrl+u, enter…) as the key arrives.

    Textual inserts printable characters at once but runs bound keys only after the key has
    bubbled up to the App, so keys that arrive together (a slow SSH link, tmux send-keys, a
    macro) are applied out of order: "ctrl+u abc enter" submits an empty field. Upstream:
    Textualize/textual#6605 (fix proposed in #6631); drop this class once that is released.
    """

    @on(events.Key)
    async def _editing_key_now(self, event: events.Key) -> None:
        # Input._on_key (typing) runs after this: Textual calls the handlers of each class in the
        # MRO in turn, this class's first, and stops at prevent_default().
        if not event.is_printable:
            for binding in self._bindings.key_to_bindings.get(event.key, ()):
                if binding.priority:
                    continue  # priority bindings were already checked before the key got here
                if await self.app.run_action(binding.action, self):
                    event.stop()
                    event.prevent_default()
                    return
