"""Background polling: one scheduler per host with due times, caps, backoff, auth stops and change history.

Rules as built (the README describes the same):
- Cadence after a good fetch: pending/running/unknown every `interval` (floor 2 s); finished or
  idle Check/Build tasks every `finished_interval`; finished DWS jobs never again; paused never.
- refresh(key) polls now whatever the schedule: also a paused task (once; it stays paused), a
  finished DWS job and a task stopped as gone/forbidden. It still waits for a Retry-After and
  never touches a profile stopped for authentication (that needs resume_profile).
- throttled/server/network/bad_response: the task keeps its last status plus the error and is
  retried after backoff (uniform in [1 s, min(cap, interval·2^(n−1))], never before Retry-After);
  a 429-style `throttled` answer with Retry-After also holds the whole host until then (holds: a long
  hold marks each task it delays "throttled until HH:MM", and a sweep answers for those at once).
- 401 (auth): one shared reauthenticate(profile), the task is retried once, a second 401 stops
  every task of the profile until resume_profile(). A profile whose credentials are not yet
  proven (at start, after a refresh, after resume_profile) has one request in flight: the
  others wait behind it, so wrong credentials cost at most two failed attempts in a row.
- A poll that needs more than one request (an idle Build job's outcome lookup) pays for each extra
  request from the host's rate limit (tui.poll.rate_limit.pay_for_extra_request, via the worker's scope).
- 403 is per-resource permission: reauthentication cannot help, so that task stops with its
  error. not_found (gone) and config errors stop the task too.

Layout: interface (plain types, cadence), timing (backoff), scheduler (Scheduler, per host), one_poll
(OnePoll: fetch, 401 path), auth_gate (AuthGate, per profile), holds (throttled hosts). This façade owns
the tasks and one of each, wired with callbacks; it settles results and delivers updates.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import replace
from typing import Any

from tui.clock import Clock
from tui.config.settings import INTERVAL_FLOOR, PollSettings
from tui.history import ChangeLog
from tui.model import Change, ErrorKind, Snapshot, TaskError, WatchedTask, diff
from tui.poll.auth_gate import AuthGate, ProfileState
from tui.poll.holds import Holds
from tui.poll.interface import END, REQUEUE, Failed, Fetcher, TaskStatus, Update, cadence, is_401
from tui.poll.one_poll import FETCH_DEADLINE, OnePoll, poll_deadline
from tui.poll.scheduler import STOP_GRACE, Entry, Host, Scheduler
from tui.poll.timing import backoff_delay

__all__ = ["FETCH_DEADLINE", "INTERVAL_FLOOR", "STOP_GRACE", "Fetcher", "PollSettings", "Poller", "TaskStatus",
           "Update", "cadence"]

log = logging.getLogger(__name__)


class Poller:
    """Polls watched tasks in the background; see the module docstring for the rules."""

    def __init__(
        self,
        fetcher: Fetcher,
        settings: PollSettings | Any = None,
        clock: Clock | None = None,
        on_update: Callable[[Update], Any] | None = None,
        rng: random.Random | None = None,
    ) -> None:
        if settings is None:
            settings = PollSettings()
        elif not isinstance(settings, PollSettings):
            settings = PollSettings.from_settings(settings)
        self._fetcher = fetcher
        self.settings = settings
        self._clock = clock or Clock()
        self._on_update = on_update
        self._rng = rng or random.Random()
        self._entries: dict[str, Entry] = {}
        self._seeds: dict[str, tuple[Snapshot, ChangeLog]] = {}
        self._queues: list[asyncio.Queue[object]] = []
        self._started = False
        self._sweeps = 0
        self._gate = AuthGate(fetcher, self._clock, tasks=self._entries.values, poll_soon=self._poll_parked,
                              show_stopped=self._show_stopped, deadline=poll_deadline(settings.request_timeout))
        self._one_poll = OnePoll(fetcher, self._gate, settle=self._settle, cancelled=self._put_back)
        self.holds = Holds(self._clock, tasks=self._entries, show=lambda entry: self._emit(entry, []))
        self._scheduler = Scheduler(settings, self._clock, locate=fetcher.host, admit=self._gate.admit,
                                    poll=self._one_poll.run, recover=self._recover, is_current=self._current,
                                    running=self._running)

    # ----- public interface ----------------------------------------------------------------

    def seed(self, key: str, snapshot: Snapshot, history: Iterable[Change] = ()) -> None:
        """Restore a task's last known state (marked stale) before its first poll."""
        snapshot = snapshot if snapshot.stale else replace(snapshot, stale=True)
        entry = self._entries.get(key)
        if entry is None:
            self._seeds[key] = (snapshot, ChangeLog.of(history, self.settings.history))
        elif entry.fresh and not entry.in_flight:
            entry.snapshot = snapshot
            entry.history = ChangeLog.of(history, self.settings.history)  # a loaded log: shared, not copied

    def add(self, task: WatchedTask) -> None:
        """Watch a task; a known key is updated in place (name, profile, paused)."""
        entry = self._entries.get(task.key)
        if entry is not None:
            self._update_task(entry, task)
            return
        host = self._scheduler.host_for(task)
        entry = Entry(task, host if isinstance(host, Host) else None, self.settings.history)
        seeded = self._seeds.pop(task.key, None)
        if seeded:
            entry.snapshot, entry.history = seeded
        self._entries[task.key] = entry
        if not isinstance(host, Host):
            # An endpoint the user must configure: show why, do not poll.
            entry.stop_error = host
            entry.snapshot = (entry.snapshot or Snapshot(task.ref)).failed_with(host, self._clock.now())
            self._emit(entry, [])
            return
        host.fresh += 1
        prof = self._gate.profile(task.profile)
        if prof.stopped is not None:
            self._gate.mark_stopped(entry, prof)
        elif self._started and not task.paused:
            self._scheduler.schedule(entry, self._rng.uniform(0, self._scheduler.spread(host.fresh)))
            self.holds.mark_if_delayed(entry)  # added while its host is held: say so now

    def remove(self, key: str) -> None:
        """Stop watching; a result still in flight for it is dropped."""
        entry = self._entries.pop(key, None)
        if entry is None:
            return
        entry.removed = True
        entry.gen += 1
        if entry.fresh and entry.host is not None:
            entry.host.fresh -= 1
        entry.release(None)

    def pause(self, key: str) -> None:
        entry = self._entries.get(key)
        if entry is None or entry.task.paused:
            return
        entry.task = replace(entry.task, paused=True)
        self._scheduler.unschedule(entry)
        if not entry.in_flight:
            entry.release(entry.snapshot)
        self._emit(entry, [])

    def resume(self, key: str) -> None:
        """Unpause a task and poll it soon."""
        entry = self._entries.get(key)
        if entry is None or not entry.task.paused:
            return
        entry.task = replace(entry.task, paused=False)
        if self._schedulable(entry) and not entry.in_flight:
            self._scheduler.schedule(entry, 0.0)
        self._emit(entry, [])

    def refresh(self, key: str | None = None) -> None:
        """Poll one task (or every task) now, whatever its schedule (see module docstring)."""
        entries = list(self._entries.values()) if key is None else [self._entries.get(key)]
        for entry in entries:
            if entry is None or entry.host is None or self._gate.profile(entry.task.profile).stopped:
                continue
            if entry.in_flight:
                entry.again = True
            else:
                self._scheduler.schedule(entry, 0.0)

    def resume_profile(self, profile: str) -> None:
        """The credentials of a profile changed: poll its tasks again (proving them with one first)."""
        self._gate.reset(profile)
        for entry in list(self._entries.values()):
            if entry.task.profile != profile or entry.host is None:
                continue
            if entry.stop_error is not None and entry.stop_error.kind is ErrorKind.AUTH:
                entry.stop_error = None  # a 403 may be cured by other credentials too
            if self._schedulable(entry) and not entry.in_flight:
                self._scheduler.schedule(entry, self._rng.uniform(0, self._scheduler.spread(len(self._entries))))
                self._emit(entry, [])

    def status(self, key: str) -> TaskStatus:
        """What the poller knows about a task; KeyError if it is not watched."""
        entry = self._entries[key]
        return TaskStatus(
            task=entry.task,
            snapshot=entry.snapshot,
            history=entry.history.view(),
            next_due=self._wall(self.holds.due(entry)),
            paused=entry.task.paused,
            stopped_reason=self._gate.stopped_reason(entry),
        )

    def log(self, key: str) -> ChangeLog | None:
        """The task's change log itself (None if not watched): the state store may hold the same one."""
        entry = self._entries.get(key)
        return entry.history if entry is not None else None

    def profile_error(self, profile: str) -> TaskError | None:
        """The refused request's own error while a profile is stopped on authentication, else None."""
        return self._gate.profile_error(profile)

    def keys(self) -> list[str]:
        return list(self._entries)

    def updates(self) -> AsyncIterator[Update]:
        """Every Update from now on, in order per task; ends when the poller stops."""
        queue: asyncio.Queue[object] = asyncio.Queue()
        self._queues.append(queue)

        async def stream() -> AsyncIterator[Update]:
            try:
                while (item := await queue.get()) is not END:
                    assert isinstance(item, Update)
                    yield item
            finally:
                if queue in self._queues:
                    self._queues.remove(queue)

        return stream()

    async def start(self) -> None:
        """Begin polling: first polls spread over min(interval, n/rate) per host."""
        if self._started:
            return
        self._started = True
        by_host: dict[Host, list[Entry]] = {}
        for entry in self._entries.values():
            if entry.due is None and entry.host is not None and self._wants_polling(entry):
                by_host.setdefault(entry.host, []).append(entry)
        for entries in by_host.values():
            spread = self._scheduler.spread(len(entries))
            for entry in entries:
                self._scheduler.schedule(entry, self._rng.uniform(0, spread))
        self._scheduler.start_runners()

    async def stop(self) -> None:
        """Stop polling within 0.5 s: cancel the schedulers and every request in flight."""
        self._started = False
        await self._scheduler.halt(also=self._gate.reauthentications())
        for entry in self._entries.values():
            entry.release(entry.snapshot)
        for queue in self._queues:
            queue.put_nowait(END)

    async def sweep(self, tasks: Iterable[WatchedTask]) -> dict[str, Snapshot]:
        """Fetch each task once, concurrently within the caps; failures come back as snapshots with .error."""
        loop = asyncio.get_running_loop()
        waits: list[tuple[str, asyncio.Future[Snapshot | None]]] = []
        self._sweeps += 1
        try:
            for task in tasks:
                if task.key not in self._entries:
                    self.add(task)
                entry = self._entries[task.key]
                fut: asyncio.Future[Snapshot | None] = loop.create_future()
                waits.append((task.key, fut))
                prof = self._gate.profile(entry.task.profile)
                if entry.host is None or prof.stopped is not None:
                    fut.set_result(entry.snapshot)
                    continue
                entry.waiters.append(fut)
                if not entry.in_flight:
                    self._scheduler.schedule(entry, 0.0)
                self.holds.mark_if_delayed(entry)  # its host is held for long: answer with what is known
            results = await asyncio.gather(*(f for _, f in waits))
        finally:
            self._sweeps -= 1
            if not self._started and not self._sweeps:
                await self._scheduler.halt()
        return {key: snap for (key, _), snap in zip(waits, results, strict=True) if snap is not None}

    # ----- the tasks, as the scheduler and the gate see them -----------------------------------

    def _running(self) -> bool:
        return self._started or self._sweeps > 0

    def _update_task(self, entry: Entry, task: WatchedTask) -> None:
        was_paused = entry.task.paused
        entry.task = replace(task, paused=was_paused)
        if task.paused != was_paused:
            (self.pause if task.paused else self.resume)(entry.key)

    def _current(self, entry: Entry) -> bool:
        return not entry.removed and self._entries.get(entry.key) is entry

    def _schedulable(self, entry: Entry) -> bool:
        return (entry.host is not None and not entry.task.paused and entry.stop_error is None
                and self._gate.profile(entry.task.profile).stopped is None)

    def _wants_polling(self, entry: Entry) -> bool:
        """Should an unscheduled task be polled when the poller (re)starts?"""
        if entry.in_flight or entry.parked or not self._schedulable(entry):
            return False
        snap = entry.snapshot
        if entry.fresh or snap is None or snap.error is not None or snap.stale:
            return True
        return cadence(entry.task.ref.service, snap.phase, self.settings) is not None

    def _poll_parked(self, entry: Entry) -> None:
        """A task parked behind a profile's probe may go now."""
        if self._current(entry) and not entry.in_flight:
            self._scheduler.schedule(entry, 0.0)

    def _put_back(self, entry: Entry) -> None:
        """Its request was cancelled (the poller stopping): due again if the poller starts again."""
        if self._current(entry):
            entry.in_flight = False
            self._scheduler.schedule_quietly(entry)

    def _recover(self, entry: Entry) -> None:
        """Settling its answer raised (a bug): try again after an interval."""
        if self._current(entry) and not entry.in_flight and self._started:
            self._scheduler.schedule(entry, self.settings.interval)

    def _show_stopped(self, entry: Entry, err: TaskError) -> None:
        """No more polls for this task (its profile is stopped): show it with this error."""
        self._scheduler.unschedule(entry)
        entry.snapshot = (entry.snapshot or Snapshot(entry.task.ref)).failed_with(err, self._clock.now())
        entry.release(entry.snapshot)
        self._emit(entry, [])

    # ----- results --------------------------------------------------------------------------

    def _settle(self, host: Host, entry: Entry, prof: ProfileState, result: object) -> None:
        self._gate.judge_credentials(prof, entry, result)
        if not self._current(entry):
            return  # removed while in flight: drop the answer
        if result is REQUEUE:
            self._scheduler.schedule(entry, 0.0, wake=False)  # settled by a worker, which dispatches next
            return
        if entry.fresh:
            entry.fresh = False
            host.fresh -= 1
        now = self._clock.now()
        changes: list[Change] = []
        delay: float | None
        if isinstance(result, Snapshot):
            change = diff(entry.snapshot, result)
            entry.snapshot = result
            entry.failures = 0
            entry.not_before = 0.0
            entry.stop_error = None
            if change is not None:
                entry.history.append(change)
                changes.append(change)
            delay = cadence(entry.task.ref.service, result.phase, self.settings)
        else:
            assert isinstance(result, Failed)
            err = result.error
            entry.snapshot = (entry.snapshot or Snapshot(entry.task.ref)).failed_with(err, now, result.request)
            delay = self._after_error(host, entry, err)
        if entry.again and entry.stop_error is None:
            delay = 0.0  # refreshed while in flight: poll again (even a finished DWS job, once)
        entry.again = False
        if (delay is None or not self._started or entry.task.paused or prof.stopped is not None
                or entry.stop_error is not None):
            self._scheduler.unschedule(entry)
        else:
            # A good answer keeps the cadence on the planned due time (the scheduler may start a poll
            # up to scheduler.WINDOW early; counting from then would drift the task earlier each round).
            self._scheduler.schedule(entry, delay, entry.planned if isinstance(result, Snapshot) else 0.0, wake=False)
        entry.release(entry.snapshot)
        self._emit(entry, changes)

    def _after_error(self, host: Host, entry: Entry, err: TaskError) -> float | None:
        if err.kind.transient:
            entry.failures += 1
            s = self.settings
            delay = backoff_delay(entry.failures, s.interval, s.backoff_cap, self._rng, err.retry_after)
            if err.retry_after:
                entry.not_before = self._clock.monotonic() + delay
                if err.kind is ErrorKind.THROTTLED:
                    # The gateway throttles a caller, not a task: the whole host waits (and its tasks say so).
                    self.holds.start(host, entry, min(delay, s.backoff_cap))
            return delay
        if err.kind is ErrorKind.AUTH and is_401(err):
            return None  # the profile is stopped (or was, for an answer that came back late)
        entry.stop_error = err  # not_found, 403, config: polling this task cannot help
        return None

    def _wall(self, due: float | None) -> float | None:
        if due is None:
            return None
        return self._clock.time() + max(0.0, due - self._clock.monotonic())

    def _emit(self, entry: Entry, changes: list[Change]) -> None:
        if entry.snapshot is None:
            return
        update = Update(entry.key, entry.snapshot, changes, self._wall(entry.due))
        if self._on_update is not None:
            try:
                self._on_update(update)
            except Exception:  # a broken listener must not stop the polling of every task
                log.debug("on_update raised", exc_info=True)
        for queue in self._queues:
            queue.put_nowait(update)
