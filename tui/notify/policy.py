"""Which changes notify: the `on` phases, per-task mute, quiet hours, and one notification per burst.

Time comes from an injectable clock (and time zone), so tests move it without waiting.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from enum import Enum
from typing import Any

from tui.clock import Clock
from tui.config.notify_config import DEFAULT_ON, QuietHours
from tui.model import Change, Phase, Snapshot, WatchedTask

COALESCE_SECONDS = 2.0   # changes within this long of the first one go out as one notification


class Verdict(Enum):
    """What to do with one change."""

    SEND = "send"       # notify now (after coalescing)
    HOLD = "hold"       # quiet hours: summed up once when they end
    DROP = "drop"       # not a change that notifies (phase not in `on`, muted, happened while closed)


class Policy:
    """`on`, mute and quiet hours, over a clock; the Board asks it about the bell, the Dispatcher about the rest."""

    def __init__(self, on: tuple[Phase, ...] = DEFAULT_ON, quiet: QuietHours | None = None,
                 clock: Clock | None = None, tz: tzinfo | None = None) -> None:
        self.on = tuple(on)
        self.quiet = quiet
        self.clock = clock or Clock()
        self.tz = tz     # None: the machine's local time zone

    @classmethod
    def from_settings(cls, notify: Any, clock: Clock | None = None, tz: tzinfo | None = None) -> Policy:
        """From a NotifySettings (or anything with some of its attributes)."""
        return cls(getattr(notify, "on", DEFAULT_ON), getattr(notify, "quiet", None), clock, tz)

    def local(self) -> datetime:
        return self.clock.now().astimezone(self.tz)

    def is_quiet(self) -> bool:
        return self.quiet is not None and self.quiet.contains(self.local())

    def quiet_ends_in(self) -> float:
        """Seconds until the current quiet span ends (0 when not quiet)."""
        if self.quiet is None or not self.is_quiet():
            return 0.0
        now = self.local()
        return max(0.0, (self.quiet.end_after(now) - now).total_seconds())

    def verdict(self, task: WatchedTask | None, change: Change, on: tuple[Phase, ...] | None = None) -> Verdict:
        """SEND, HOLD (quiet hours, not a failure) or DROP, for a desktop notification or the bell."""
        if not change.major or change.while_closed or (task is not None and task.muted):
            return Verdict.DROP
        if change.to_phase not in (self.on if on is None else on):
            return Verdict.DROP
        if change.to_phase is not Phase.FAILED and self.is_quiet():
            return Verdict.HOLD
        return Verdict.SEND


@dataclass
class Pending:
    """One task's changes within a burst, in order (the latest that matters wins)."""

    key: str
    task: WatchedTask | None
    changes: list[tuple[Snapshot, Change]] = field(default_factory=list)

    def latest(self, wanted: Any) -> tuple[Snapshot, Change] | None:
        """The last (snapshot, change) for which `wanted(change)` is true."""
        return next((sc for sc in reversed(self.changes) if wanted(sc[1])), None)


@dataclass
class Coalescer:
    """Collects changes for COALESCE_SECONDS after the first, so a burst or a flapping task notifies once."""

    window: float = COALESCE_SECONDS
    items: dict[str, Pending] = field(default_factory=dict)
    opened_at: float | None = None      # monotonic time of the burst's first change

    def add(self, key: str, task: WatchedTask | None, snapshot: Snapshot, change: Change, now: float) -> bool:
        """Keep the change; returns True when it opened a new burst (the caller schedules the flush)."""
        opened = not self.items
        item = self.items.pop(key, None) or Pending(key, task)
        item.task = task or item.task
        item.changes.append((snapshot, change))
        self.items[key] = item      # re-inserted: a burst lists tasks in the order they last changed
        if opened:
            self.opened_at = now
        return opened

    def due(self, now: float) -> bool:
        return bool(self.items) and self.opened_at is not None and now - self.opened_at >= self.window

    def take(self) -> list[Pending]:
        items, self.items, self.opened_at = list(self.items.values()), {}, None
        return items
