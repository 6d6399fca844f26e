"""The per-profile authentication gate: one credential refresh per 401, a probe before trusting, profile stops."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from tui.model import ErrorKind, Snapshot, TaskError
from tui.errors import UserError
from tui.poll.interface import REQUEUE, Failed, is_401

if TYPE_CHECKING:
    from tui.poll.scheduler import Entry, Host

log = logging.getLogger("tui.poll.poller")


class ProfileState:
    __slots__ = ("name", "verified", "probing", "parked", "stopped", "failures", "epoch", "reauth", "unmarked")

    def __init__(self, name: str) -> None:
        self.name = name
        self.verified = False  # a request with the current credentials got past authentication
        self.probing: str | None = None
        self.parked: list[Entry] = []
        self.stopped: TaskError | None = None
        self.failures = 0  # 401s in a row
        self.epoch = 0  # bumps when credentials are refreshed
        self.reauth: asyncio.Task | None = None
        self.unmarked = False  # stopped, but its other tasks not yet told (after the culprit settles)


class AuthGate:
    """Mixin of Poller: decides when a profile's credentials are proven, refreshed or given up on.

    Uses the façade's _entries, _profiles, _fetcher, _clock and its _schedule/_unschedule/_release/
    _emit/_fetch/_current methods.
    """

    def _profile(self, name: str) -> ProfileState:
        prof = self._profiles.get(name)
        if prof is None:
            prof = self._profiles[name] = ProfileState(name)
        return prof

    async def _after_401(self, host: Host, entry: Entry, prof: ProfileState, epoch: int, result: Failed) -> Any:
        """One shared credential refresh, one retry; a second 401 in a row stops the profile."""
        if prof.stopped is not None:
            return result
        if prof.reauth is not None or epoch != prof.epoch:
            # This request left before the credentials were refreshed: not a new failure of ours.
            if prof.reauth is not None:
                await asyncio.shield(prof.reauth)
            return REQUEUE
        prof.failures += 1
        prof.verified = False
        if prof.failures >= 2:
            self._stop_profile(prof, result.error, entry)
            return result
        prof.probing = entry.key
        prof.reauth = asyncio.get_running_loop().create_task(self._reauthenticate(prof))
        ok, why = await asyncio.shield(prof.reauth)
        if prof.stopped is not None:
            return result
        if not ok:
            err = replace(result.error, message=why) if why else result.error
            self._stop_profile(prof, err, entry)
            return Failed(err, result.request)
        await self._take_token(host)
        prof.probing = entry.key
        epoch = prof.epoch
        retried = await self._fetch(entry)
        if isinstance(retried, Failed) and is_401(retried.error) and epoch == prof.epoch:
            prof.failures += 1
            self._stop_profile(prof, retried.error, entry)
        return retried

    async def _reauthenticate(self, prof: ProfileState) -> tuple[bool, str | None]:
        try:
            return bool(await self._fetcher.reauthenticate(prof.name)), None
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            # UserError subclasses (auth.AuthError) carry a one-line, secret-free reason.
            why = str(exc).splitlines()[0][:300] if isinstance(exc, UserError) and str(exc) else None
            log.debug("reauthentication of profile %s failed", prof.name, exc_info=True)
            return False, why or f"could not refresh the credentials ({type(exc).__name__})"
        finally:
            prof.reauth = None
            prof.epoch += 1

    async def _take_token(self, host: Host) -> None:
        while (wait := host.bucket.delay(self._clock.monotonic())) > 0:
            await self._clock.sleep(wait)
        host.bucket.take(self._clock.monotonic())

    def _judge_credentials(self, prof: ProfileState, entry: Entry, result: Any) -> None:
        """A probe's answer decides whether the profile's other tasks may go (concurrently)."""
        proven = isinstance(result, Snapshot) or (
            isinstance(result, Failed) and result.error.http_status is not None and not is_401(result.error))
        if proven:
            prof.failures = 0
        was_probe = prof.probing == entry.key
        if was_probe:
            prof.probing = None
        if proven and not prof.verified and prof.stopped is None:
            prof.verified = True
            self._unpark(prof)
        elif was_probe and not prof.verified:
            self._unpark(prof)  # no verdict (network error): let the next task try

    def _unpark(self, prof: ProfileState) -> None:
        parked, prof.parked = prof.parked, []
        for entry in parked:
            if entry.parked and self._current(entry) and not entry.in_flight:
                self._schedule(entry, 0.0)

    def _stop_profile(self, prof: ProfileState, err: TaskError, culprit: Entry) -> None:
        prof.stopped = err
        prof.verified = False
        prof.probing = None
        prof.parked = []
        # The culprit is in flight: its own answer is delivered first (listeners such as the runtime take
        # the profile's reason from the first auth error they see), then the others (_poll calls
        # _mark_profile_tasks).
        prof.unmarked = True

    def _mark_profile_tasks(self, prof: ProfileState) -> None:
        """Tell every idle task of a stopped profile; tasks in flight bring back their own answer."""
        prof.unmarked = False
        if prof.stopped is None:
            return
        for entry in list(self._entries.values()):
            if entry.task.profile == prof.name and not entry.in_flight and entry.host is not None:
                self._mark_profile_stopped(entry, prof)

    @staticmethod
    def _inherited(prof: ProfileState) -> TaskError:
        """The error of a task that was stopped because another task's request was refused: it says so,
        and carries none of that request's details (HTTP status, code, request id)."""
        return TaskError(ErrorKind.AUTH, f"stopped: profile {prof.name}'s credentials were rejected")

    def _mark_profile_stopped(self, entry: Entry, prof: ProfileState) -> None:
        self._unschedule(entry)
        err = entry.snapshot.error if entry.snapshot is not None else None
        if err is None or not is_401(err):  # a task refused itself keeps its own error
            err = self._inherited(prof)
        entry.snapshot = (entry.snapshot or Snapshot(entry.task.ref)).failed_with(err, self._clock.now())
        self._release(entry, entry.snapshot)
        self._emit(entry, [])

    def _stopped_reason(self, entry: Entry) -> str | None:
        prof = self._profiles.get(entry.task.profile)
        if prof is not None and prof.stopped is not None:
            why = prof.stopped.message.splitlines()[0][:200] if prof.stopped.message else ""
            return f"profile {prof.name}: credentials rejected{f' ({why})' if why else ''}; polling stopped"
        err = entry.stop_error
        if err is None:
            return None
        if err.kind is ErrorKind.NOT_FOUND:
            return f"task is gone ({err.one_line()}); polling stopped"
        if err.kind is ErrorKind.AUTH:
            return f"no permission ({err.one_line()}); polling stopped"
        return f"{err.one_line()}; polling stopped"

