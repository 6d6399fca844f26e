"""What each row's view was built from, so a poll that brought nothing the row shows does not rebuild it.

A row (tui.app.formatting.row_view) is made from the task, its snapshot, its change history, its run
book, the marker and whether profiles are shown, and from the time it is drawn. The snapshot's fetch
times, request line and raw fields are not in the row, so two snapshots that differ only there show
the same. The relative times ("12s ago", how long it has run) and a finished or waiting task's ETA
move with the board's 5 s tick (RowView.retimed) from the view as it is. A running task's estimate is
different: tui.facts makes it as of the fetch time (a percent read later with no progress is a
stall), so a running row with an ETA is built again after every poll.
"""

from __future__ import annotations

from dataclasses import fields
from typing import TYPE_CHECKING, Any

from tui.model import Phase, Snapshot

if TYPE_CHECKING:
    from tui.app.formatting import RowView
    from tui.poll.interface import TaskStatus
    from tui.runs import RunBook

# Snapshot fields no row shows (the detail pane, which shows them, is drawn again on its own).
NOT_IN_ROW = frozenset({"fetched_at", "checked_at", "request", "fields"})
_COMPARED = tuple(f.name for f in fields(Snapshot) if f.name not in NOT_IN_ROW)


def same_in_row(a: Snapshot | None, b: Snapshot | None) -> bool:
    """Whether a row shows the two snapshots alike: every field but the ones in NOT_IN_ROW."""
    if a is b:
        return True
    if a is None or b is None or (a.fetched_at is None) != (b.fetched_at is None):
        return False  # (a snapshot never fetched has no ETA, one fetched may)
    return all(getattr(a, name) == getattr(b, name) for name in _COMPARED)


class RowMemo:
    """Per row, the inputs its current view was built from (the board keeps the views)."""

    def __init__(self) -> None:
        self._inputs: dict[str, tuple[Any, ...]] = {}

    def clear(self) -> None:
        self._inputs.clear()

    def forget(self, key: str) -> None:
        self._inputs.pop(key, None)

    @staticmethod
    def book(runtime: Any, key: str) -> RunBook | None:
        """The task's run book (its runs and when the current one began), None for a stand-in runtime."""
        runs = getattr(getattr(runtime, "state", None), "runs", None)
        return runs(key) if runs is not None else None

    def unchanged(self, key: str, status: TaskStatus, marker: str, several: bool, book: RunBook | None,
                  view: RowView) -> bool:
        """Whether `view` still shows this poll's status; if not, the inputs are kept for the view built next."""
        history = status.history
        inputs = (status.task, status.snapshot, len(history), history[-1] if history else None, status.paused,
                  marker, several, book)
        old = self._inputs.get(key)
        self._inputs[key] = inputs
        if old is None or (view.eta is not None and view.phase is Phase.RUNNING):
            return False
        return same_in_row(old[1], inputs[1]) and old[0] == inputs[0] and old[2:] == inputs[2:]
