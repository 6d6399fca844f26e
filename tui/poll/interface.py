"""The poller's plain types: settings, the fetcher protocol, updates, task status, cadence, results."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Protocol

from tui.model import Change, ErrorKind, Phase, RequestInfo, Service, Snapshot, TaskError, WatchedTask
from tui.poll.rate_limit import unlimited

INTERVAL_FLOOR = 2.0
INF = math.inf



@dataclass
class PollSettings:
    """The poller's knobs (from config.Settings); out-of-range values are clamped, not refused."""

    interval: float = 10.0
    finished_interval: float = 60.0
    backoff_cap: float = 300.0
    max_in_flight: int = 8
    rate: float = 20.0  # per host; 0 or inf: no rate cap
    history: int = 200

    def __post_init__(self) -> None:
        self.interval = max(INTERVAL_FLOOR, float(self.interval))
        self.finished_interval = max(INTERVAL_FLOOR, float(self.finished_interval))
        self.backoff_cap = max(INTERVAL_FLOOR, float(self.backoff_cap))
        self.max_in_flight = max(1, int(self.max_in_flight))
        self.rate = INF if unlimited(self.rate) else float(self.rate)
        self.history = max(1, int(self.history))

    @classmethod
    def from_settings(cls, settings: Any) -> "PollSettings":
        names = ("interval", "finished_interval", "backoff_cap", "max_in_flight", "rate", "history")
        return cls(**{n: getattr(settings, n) for n in names if hasattr(settings, n)})


class Fetcher(Protocol):
    """What the runtime supplies: where a task lives and how to fetch it."""

    def host(self, task: WatchedTask) -> str: ...

    async def fetch(self, task: WatchedTask) -> Snapshot: ...

    async def reauthenticate(self, profile: str) -> bool: ...


@dataclass(frozen=True)
class Update:
    """One result for one task, delivered in order per task; next_due is wall-clock epoch seconds."""

    key: str
    snapshot: Snapshot
    changes: list[Change]
    next_due: float | None


@dataclass(frozen=True)
class TaskStatus:
    """Everything the poller knows about one task."""

    task: WatchedTask
    snapshot: Snapshot | None
    history: list[Change]
    next_due: float | None
    paused: bool
    stopped_reason: str | None


def cadence(service: Service, phase: Phase, settings: PollSettings) -> float | None:
    """Seconds until the next poll after a good fetch in this phase; None: never again."""
    if phase.finished:
        # A DWS job id names one operation; Check tasks and Build jobs can run again.
        return None if service is Service.DWS else settings.finished_interval
    if phase is Phase.IDLE:
        return settings.finished_interval
    return settings.interval  # pending, running, unknown


def is_401(err: TaskError) -> bool:
    """An auth error a credential refresh may cure (403 is a missing permission: it cannot)."""
    return err.kind is ErrorKind.AUTH and err.http_status != 403


@dataclass
class Failed:
    """A fetch that ended in an error (the poller's internal result, never raised)."""

    error: TaskError
    request: RequestInfo | None = None


# Sentinels passed between the scheduler, the auth gate and the update streams.
REQUEUE = object()  # sent with credentials that were replaced meanwhile: just poll again
END = object()
