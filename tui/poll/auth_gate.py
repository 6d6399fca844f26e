"""The per-profile authentication gate: one credential refresh per 401, a probe before trusting, profile stops."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable
from dataclasses import replace

from tui.clock import Clock
from tui.errors import UserError
from tui.model import ErrorKind, Snapshot, TaskError
from tui.poll.interface import REQUEUE, Failed, Fetcher, is_401
from tui.poll.one_poll import FETCH_DEADLINE, fetch_once
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
        self.reauth: asyncio.Task[tuple[bool, str | None]] | None = None
        self.unmarked = False  # stopped, but its other tasks not yet told (after the culprit settles)


class AuthGate:
    """Decides when a profile's credentials are proven, refreshed or given up on.

    Collaborators, given by the owner (the Poller): the fetcher (reauthenticate, and the one retry),
    the clock, `tasks()` (every watched task), `poll_soon(entry)` (schedule a task that was waiting for
    a verdict) and `show_stopped(entry, error)` (unschedule a task and show it stopped with this error).
    """

    def __init__(
        self,
        fetcher: Fetcher,
        clock: Clock,
        *,
        tasks: Callable[[], Iterable[Entry]],
        poll_soon: Callable[[Entry], None],
        show_stopped: Callable[[Entry, TaskError], None],
        deadline: float = FETCH_DEADLINE,
    ) -> None:
        self._fetcher = fetcher
        self.deadline = deadline  # the backstop of one whole poll (one_poll.poll_deadline)
        self._clock = clock
        self._tasks = tasks
        self._poll_soon = poll_soon
        self._show_stopped = show_stopped
        self._profiles: dict[str, ProfileState] = {}

    def profile(self, name: str) -> ProfileState:
        prof = self._profiles.get(name)
        if prof is None:
            prof = self._profiles[name] = ProfileState(name)
        return prof

    def profile_error(self, name: str) -> TaskError | None:
        """The refused request's own error while a profile is stopped on authentication, else None."""
        prof = self._profiles.get(name)
        return prof.stopped if prof is not None else None

    def reset(self, name: str) -> None:
        """New credentials: not stopped any more, and not proven yet."""
        prof = self.profile(name)
        prof.stopped = None
        prof.failures = 0
        prof.verified = False

    def reauthentications(self) -> list[asyncio.Task[tuple[bool, str | None]]]:
        """Credential refreshes under way (stop() cancels them with the schedulers)."""
        return [p.reauth for p in self._profiles.values() if p.reauth is not None]

    def admit(self, entry: Entry) -> bool:
        """May this due task's request go now? A stopped profile's task is shown stopped; while a profile's
        credentials are unproven one request goes (the probe) and the others are parked behind it."""
        prof = self.profile(entry.task.profile)
        if prof.stopped is not None:
            self.mark_stopped(entry, prof)
            return False
        if not prof.verified:
            if prof.probing is not None or prof.reauth is not None:
                entry.gen += 1
                entry.parked = True
                prof.parked.append(entry)
                return False
            prof.probing = entry.key
        return True

    def drop_probe(self, prof: ProfileState, entry: Entry) -> None:
        """This task's request was cancelled: if it was the probe, there is none now."""
        if prof.probing == entry.key:
            prof.probing = None

    async def after_401(self, host: Host, entry: Entry, prof: ProfileState, epoch: int, result: Failed) -> object:
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
        retried = await fetch_once(self._fetcher, entry, self.deadline)
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

    def judge_credentials(self, prof: ProfileState, entry: Entry, result: object) -> None:
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
            if entry.parked:
                self._poll_soon(entry)

    def _stop_profile(self, prof: ProfileState, err: TaskError, culprit: Entry) -> None:
        prof.stopped = err
        prof.verified = False
        prof.probing = None
        prof.parked = []
        # The culprit is in flight: its own answer is delivered first (listeners such as the runtime take
        # the profile's reason from the first auth error they see), then the others (OnePoll.run calls
        # tell_stopped_profile).
        prof.unmarked = True

    def tell_stopped_profile(self, prof: ProfileState) -> None:
        """Tell every idle task of a stopped profile; tasks in flight bring back their own answer."""
        prof.unmarked = False
        if prof.stopped is None:
            return
        for entry in list(self._tasks()):
            if entry.task.profile == prof.name and not entry.in_flight and entry.host is not None:
                self.mark_stopped(entry, prof)

    @staticmethod
    def _inherited(prof: ProfileState) -> TaskError:
        """The error of a task that was stopped because another task's request was refused: it says so,
        and carries none of that request's details (HTTP status, code, request id)."""
        if prof.stopped is not None and prof.stopped.http_status is None:
            return TaskError(ErrorKind.AUTH, f"stopped: profile {prof.name} has no credentials")
        return TaskError(ErrorKind.AUTH, f"stopped: profile {prof.name}'s credentials were rejected")

    def mark_stopped(self, entry: Entry, prof: ProfileState) -> None:
        """Show a task of a stopped profile as stopped (a task refused itself keeps its own error)."""
        err = entry.snapshot.error if entry.snapshot is not None else None
        if err is None or not is_401(err):
            err = self._inherited(prof)
        self._show_stopped(entry, err)

    def stopped_reason(self, entry: Entry) -> str | None:
        prof = self._profiles.get(entry.task.profile)
        if prof is not None and prof.stopped is not None:
            # Whole: the screen wraps it (a cut used to end the advice mid-word).
            why = prof.stopped.message.splitlines()[0] if prof.stopped.message else ""
            if prof.stopped.http_status is None:  # nothing was sent: there are no credentials to reject
                said = why if "no credentials" in why.lower() else f"no credentials{f' ({why})' if why else ''}"
                return f"profile {prof.name}: {said}; polling stopped"
            return f"profile {prof.name}: credentials rejected{f' ({why})' if why else ''}; polling stopped"
        err = entry.stop_error
        if err is None:
            return None
        if err.kind is ErrorKind.NOT_FOUND:
            return f"task is gone ({err.one_line()}); polling stopped"
        if err.kind is ErrorKind.AUTH:
            return f"no permission ({err.one_line()}); polling stopped"
        return f"{err.one_line()}; polling stopped"
