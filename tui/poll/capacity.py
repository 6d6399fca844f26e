"""Whether the caps let every task be polled at its cadence: per host, the effective interval and what to change.

Pure arithmetic over what the poller holds (tasks per host and their cadence), the settings
(rate per host, max_in_flight) and the latency measured per host. The scheduler serves due
tasks oldest-first, so when a host cannot keep up every task on it is polled less often by the
same factor (none starves); this module says by how much, once, in the header and the CLI.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from tui.model import Phase, Service, WatchedTask
from tui.poll.interface import PollSettings, Update, cadence

# Below this shortfall the effective interval is the configured one give or take jitter: say nothing.
TOLERANCE = 1.1


def _up(x: float) -> int:
    return math.ceil(x - 1e-6)  # 340 tasks / 10 s is 34 requests/s, not 35 by a float's last bit


@dataclass(frozen=True)
class Shortfall:
    """One host whose tasks cannot all be polled at their interval: how often they are, and why."""

    host: str
    tasks: int              # tasks polled at the regular interval on this host
    interval: float         # configured
    effective: float        # what the caps allow, seconds between two polls of one task
    cause: str              # "rate" or "max_in_flight"
    needed: float           # the value of `cause` that would meet the interval

    def line(self) -> str:
        """One line for the header's tooltip, `list` and `watch`."""
        if self.cause == "rate":
            change = f"raise rate to {_up(self.needed)} (requests per second per host)"
        else:
            change = f"raise max_in_flight to {_up(self.needed)}"
        return (f"{self.tasks} tasks on {self.host} are polled every {self.effective:.0f} s, not every "
                f"{self.interval:g} s: {change} or interval to {_up(self.effective)} in config.toml")


def shortfalls(demand: Mapping[str, Iterable[float]], settings: PollSettings,
               latency: Mapping[str, float] | None = None) -> list[Shortfall]:
    """The hosts that cannot keep up. `demand`: per host, each polled task's seconds between polls;
    `latency`: per host, seconds one request takes (measured; absent: only the rate is checked)."""
    out = []
    for host, cadences in demand.items():
        cadences = [c for c in cadences if c and c > 0]
        if not cadences:
            continue
        wanted = sum(1.0 / c for c in cadences)        # requests per second the cadences ask for
        regular = [c for c in cadences if c <= settings.interval]
        caps = [("rate", settings.rate)]
        seconds = (latency or {}).get(host)
        if seconds and seconds > 0:
            caps.append(("max_in_flight", settings.max_in_flight / seconds))
        cause, allowed = min(caps, key=lambda c: c[1])
        if allowed <= 0 or wanted <= allowed * TOLERANCE:
            continue
        factor = wanted / allowed
        needed = settings.rate * factor if cause == "rate" else settings.max_in_flight * factor
        out.append(Shortfall(host, len(regular) or len(cadences), settings.interval,
                             settings.interval * factor, cause, needed))
    return sorted(out, key=lambda s: s.host)


class CadenceWatch:
    """Each task's cadence and host as the poll results come, and the shortfalls, each said once.

    `note_result()` costs a dict write per poll; the sums are redone at most every CHECK_EVERY seconds.
    """

    CHECK_EVERY = 30.0

    def __init__(self, settings: PollSettings, host_of: Callable[[WatchedTask], str]) -> None:
        self.settings = settings
        self.host_of = host_of                               # the fetcher's host(); raises without an endpoint
        self.cadences: dict[str, tuple[str, float]] = {}    # key -> (host, seconds between polls)
        self.tasks: dict[str, tuple[str, Service, bool]] = {}  # key -> (host, service, paused)
        self.current: list[Shortfall] = []
        self.said: set[str] = set()                         # host names already reported
        self._checked_at: float | None = None

    def start(self, tasks: Iterable[WatchedTask], saved: Mapping[str, Any], now: float) -> list[str]:
        """Every watched task with its saved phase (`saved`: key -> something with .snapshot); what to say."""
        for task in tasks:
            snapshot = saved[task.key].snapshot if task.key in saved else None
            self.note_task(task, snapshot.phase if snapshot is not None else None)
        return self.check(now)  # the rate cap is known before any request; latency only after some

    def on_result(self, update: Update, status_of: Callable[[str], Any], now: float,
                  latency: Callable[[], Mapping[str, float]]) -> list[str]:
        """One poll result; returns the lines to say (at most every CHECK_EVERY seconds, each host once)."""
        if not self.note_result(update.key, update.snapshot.phase):
            status = status_of(update.key)  # a task added since the start: once
            if status is not None:
                self.note_task(status.task, update.snapshot.phase)
        return self.check(now, latency()) if self.due(now) else []

    def note_task(self, task: WatchedTask, phase: Phase | None) -> None:
        """A watched task and its last known phase (at the start, or when first polled)."""
        try:
            host = self.host_of(task)
        except Exception:  # no endpoint: the task's row says so, and it makes no requests
            return
        self.tasks[task.key] = (host, task.ref.service, task.paused)
        self.note_result(task.key, phase)

    def note_result(self, key: str, phase: Phase | None) -> bool:
        """A poll result's phase (a dict write); False if the task is not known yet (note_task it)."""
        known = self.tasks.get(key)
        if known is None:
            return False
        host, service, paused = known
        seconds = None if paused else cadence(service, phase, self.settings)
        if seconds is None:
            self.cadences.pop(key, None)
        else:
            self.cadences[key] = (host, seconds)
        return True

    def forget(self, keep: Iterable[str]) -> None:
        """Only these tasks are watched now."""
        keep = set(keep)
        for key in [k for k in self.tasks if k not in keep]:
            del self.tasks[key]
            self.cadences.pop(key, None)

    def due(self, now: float) -> bool:
        """Whether CHECK_EVERY seconds have passed since the last check (the first time: yes)."""
        return self._checked_at is None or now - self._checked_at >= self.CHECK_EVERY

    def check(self, now: float, latency: Mapping[str, float] | None = None) -> list[str]:
        """Recompute the shortfalls; returns the lines of hosts not reported before (say them once)."""
        self._checked_at = now
        demand: dict[str, list[float]] = {}
        for host, seconds in self.cadences.values():
            demand.setdefault(host, []).append(seconds)
        self.current = shortfalls(demand, self.settings, latency)
        new = [s for s in self.current if s.host not in self.said]
        self.said.update(s.host for s in new)
        return [s.line() for s in new]

    @property
    def note_text(self) -> str:
        """The header's short form: the slowest effective interval, '' when every host keeps up."""
        if not self.current:
            return ""
        return f"every {max(s.effective for s in self.current):.0f}s"
