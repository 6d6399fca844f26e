"""The `m` action of the main screen: mute or unmute the selected task (its changes flash, nothing notifies)."""

from __future__ import annotations

from tui.errors import UserError
from tui.model import clean_text
from tui.notify.mute import set_muted


class MuteAction:
    """Mixed into MainScreen, which keeps its own module small; uses its table, runtime and board."""

    def action_mute(self) -> None:
        task = self.selected_task()  # type: ignore[attr-defined]
        if task is None:
            return
        try:
            task = set_muted(self.runtime, task.key, not task.muted)  # type: ignore[attr-defined]
        except UserError as exc:
            self.fail(exc)  # type: ignore[attr-defined]
            return
        self.after_edit()  # type: ignore[attr-defined]
        what = "muted (flashes only, no bell, notification or hook)" if task.muted else "unmuted"
        self.notify(f"{clean_text(task.label, 80)} {what}", markup=False, timeout=3)  # type: ignore[attr-defined]
