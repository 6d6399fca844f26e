"""A throttled host's hold, made visible: its waiting tasks say "throttled until", and a sweep does not wait long.

The gateway throttles a caller, not a task, so a 429-style answer with Retry-After holds every task of
that host until then (tui.poll.scheduler). Holding is right; silence is not. When a hold is longer than
SWEEP_WAIT_MAX, each task whose poll it delays is shown with a throttled error that carries the time the
hold ends (TaskError.until), and a sweep (`hcwatch list`) answers for those tasks at once with what it
knows (the saved snapshot, stale, plus that error) instead of waiting out the hold.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import UTC, datetime

from tui.clock import Clock
from tui.model import ErrorKind, Snapshot, TaskError
from tui.poll.scheduler import EPS, Entry, Host

# `hcwatch list` waits at most this long for a throttled host (README); shorter holds pass unseen.
SWEEP_WAIT_MAX = 10.0


class Holds:
    """Which hosts are held and until when; marks the tasks a hold delays.

    `tasks` is the poller's key → task mapping, `show(entry)` delivers a task's new snapshot (the poller's emit).
    """

    def __init__(self, clock: Clock, *, tasks: Mapping[str, Entry], show: Callable[[Entry], None]) -> None:
        self._clock = clock
        self._tasks = tasks
        self._show = show
        self._held: dict[str, Host] = {}

    def start(self, host: Host, culprit: Entry, seconds: float) -> None:
        """The culprit's answer asked the host to wait `seconds`: hold it, and say so where it matters."""
        now = self._clock.monotonic()
        host.hold_until = max(host.hold_until, now + seconds)
        self._held[host.name] = host
        snap = culprit.snapshot
        if snap is not None and snap.error is not None:
            # Its own wait may be longer than the host's (the hold is capped at backoff_cap, a Retry-After is not).
            until = self._wall(max(host.hold_until, culprit.not_before))
            culprit.snapshot = replace(snap, error=replace(snap.error, until=until))
        if host.hold_until - now <= SWEEP_WAIT_MAX:
            return  # a short wait: nobody needs telling
        for entry in list(self._tasks.values()):
            if entry is not culprit:
                self.mark_if_delayed(entry)

    def delays(self, entry: Entry) -> bool:
        """Is this task's next poll held back by its host, for longer than a sweep waits?"""
        host = entry.host
        now = self._clock.monotonic()
        return (host is not None and host.hold_until - now > SWEEP_WAIT_MAX and not entry.in_flight
                and entry.due is not None and entry.due < host.hold_until - EPS)

    def mark_if_delayed(self, entry: Entry) -> None:
        """A task its host's hold delays is shown throttled until the hold ends; a sweep waiting for it is answered."""
        host = entry.host
        if host is None or not self.delays(entry):
            return
        until = self._wall(host.hold_until)
        err = TaskError(ErrorKind.THROTTLED, "waiting: the gateway throttled another request to this host",
                        until=until)
        entry.snapshot = (entry.snapshot or Snapshot(entry.task.ref)).failed_with(err, self._clock.now())
        entry.release(entry.snapshot)
        self._show(entry)

    def due(self, entry: Entry) -> float | None:
        """When the task will really be polled (monotonic): its due time, or the end of its host's hold."""
        if entry.due is None or entry.host is None:
            return entry.due
        return max(entry.due, entry.host.hold_until)

    def until(self, key: str) -> datetime | None:
        """When this task's host hold ends (UTC), if it is held now."""
        entry = self._tasks.get(key)
        host = entry.host if entry is not None else None
        if host is None or host.hold_until <= self._clock.monotonic() + EPS:
            return None
        return self._wall(host.hold_until)

    def latest(self) -> datetime | None:
        """When the last current hold of any host ends (UTC); None when no host is held."""
        now = self._clock.monotonic()
        for name, host in list(self._held.items()):
            if host.hold_until <= now + EPS:
                del self._held[name]
        if not self._held:
            return None
        return self._wall(max(h.hold_until for h in self._held.values()))

    def _wall(self, monotonic: float) -> datetime:
        # Whole seconds: the same hold reads as the same time however often it is asked (the header compares).
        return datetime.fromtimestamp(round(self._clock.time() + (monotonic - self._clock.monotonic())), UTC)
