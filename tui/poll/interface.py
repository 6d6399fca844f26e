"""The poller's plain types: the fetcher protocol, updates, task status, cadence, results (settings: tui.config)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

# The settings are declared with the rest of config.toml; the poller takes them from here too.
from tui.config.settings import INTERVAL_FLOOR, PollSettings
from tui.model import Change, ErrorKind, Phase, RequestInfo, Service, Snapshot, TaskError, WatchedTask

__all__ = ["END", "INF", "INTERVAL_FLOOR", "REQUEUE", "Failed", "Fetcher", "PollSettings", "TaskStatus", "Update",
           "cadence", "is_401"]

INF = math.inf


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
    history: Sequence[Change]  # tui.history.Changes from the poller: decoded as read
    next_due: float | None
    paused: bool
    stopped_reason: str | None


def cadence(service: Service, phase: Phase | None, settings: PollSettings) -> float | None:
    """Seconds until the next poll after a good fetch in this phase; None: never again."""
    if phase is None:
        return settings.interval  # no phase yet: nothing says it could wait
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
