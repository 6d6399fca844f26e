"""One poll of one task: the fetch (deadline, errors made results), the 401 path, then the owner's settle."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from tui.cloud.deadline import TIMEOUT_CODE
from tui.model import ErrorKind, Snapshot, TaskError
from tui.poll.interface import Failed, Fetcher, is_401
from tui.poll.rate_limit import current_scope
from tui.poll.scheduler import Entry, Host

if TYPE_CHECKING:
    from tui.poll.auth_gate import AuthGate, ProfileState

log = logging.getLogger("tui.poll.poller")

# Each request has its own deadline (config request_timeout, tui.cloud.deadline); this is the backstop for
# a whole poll (up to three requests for an idle Build job, plus IAM), so one hung poll cannot hold a slot.
FETCH_DEADLINE = 120.0


def poll_deadline(request_timeout: float) -> float:
    """The backstop of one poll: FETCH_DEADLINE, or room for four requests if they may take longer."""
    return max(FETCH_DEADLINE, 4 * request_timeout)

# What a poll settles with: a Snapshot, a Failed, or interface.REQUEUE (poll again, credentials were replaced).
Settle = Callable[[Host, Entry, "ProfileState", object], None]


async def fetch_once(fetcher: Fetcher, entry: Entry, deadline: float = FETCH_DEADLINE) -> Snapshot | Failed:
    """One request for the task, within `deadline` s; every failure comes back as a Failed, never raised."""
    scope = current_scope()
    if scope is not None:
        scope.profile = entry.task.profile  # caches of per-credential answers are kept per profile
    try:
        async with asyncio.timeout(deadline):
            snap = await fetcher.fetch(entry.task)
    except TimeoutError:
        return Failed(TaskError(ErrorKind.NETWORK, f"no answer within {deadline:g} s", code=TIMEOUT_CODE))
    except asyncio.CancelledError:
        raise
    except Exception as exc:
        err = getattr(exc, "error", None)
        if isinstance(err, TaskError):
            return Failed(err, getattr(exc, "request", None))
        # A bug or an unexpected library error: keep polling the others, say what kind it was.
        log.debug("fetch of %s raised", entry.key, exc_info=True)
        return Failed(TaskError(ErrorKind.BAD_RESPONSE, f"unexpected {type(exc).__name__} while fetching"))
    if not isinstance(snap, Snapshot):
        return Failed(TaskError(ErrorKind.BAD_RESPONSE, "fetcher returned no snapshot"))
    return snap


class OnePoll:
    """Runs one poll for a scheduler worker: fetch, let the auth gate handle a 401, then settle the result.

    `settle(host, entry, profile, result)` is the owner's; `cancelled(entry)` puts back a task whose request
    was cancelled (the poller stopping).
    """

    def __init__(self, fetcher: Fetcher, gate: AuthGate, *, settle: Settle, cancelled: Callable[[Entry], None]) -> None:
        self._fetcher = fetcher
        self._gate = gate
        self._settle = settle
        self._cancelled = cancelled

    async def run(self, host: Host, entry: Entry) -> None:
        gate = self._gate
        prof = gate.profile(entry.task.profile)
        result: object
        try:
            epoch = prof.epoch
            result = await fetch_once(self._fetcher, entry, gate.deadline)
            if isinstance(result, Failed) and is_401(result.error):
                result = await gate.after_401(host, entry, prof, epoch, result)
        except asyncio.CancelledError:
            gate.drop_probe(prof, entry)
            self._cancelled(entry)
            raise
        finally:
            host.in_flight -= 1
        entry.in_flight = False
        self._settle(host, entry, prof, result)
        if prof.unmarked:
            gate.tell_stopped_profile(prof)
