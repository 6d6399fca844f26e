"""App-wide messages: small dataclasses posted from the runtime's callbacks into the Textual app."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual.message import Message

if TYPE_CHECKING:
    from tui.poll.interface import Update


@dataclass
class TaskUpdated(Message):
    """The poller reported on one task (a fresh snapshot, an error, maybe changes)."""

    update: Update

    def can_replace(self, message: Message) -> bool:
        # Textual drops *this* message when it returns True for the next queued one. A report
        # that carries no change is superseded by a newer report on the same task; reports
        # with changes are never dropped, so no change is lost.
        return (
            isinstance(message, TaskUpdated)
            and message.update.key == self.update.key
            and not self.update.changes
        )


@dataclass
class RuntimeFailed(Message):
    """Starting the runtime failed with a one-line reason."""

    reason: str

    def __post_init__(self) -> None:
        super().__init__()
