"""The per-host scheduler: due-time heap, one runner loop and long-lived workers per host, within the caps."""

from __future__ import annotations

import asyncio
import heapq
import itertools
import logging
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from tui.clock import Clock
from tui.errors import UserError
from tui.history import ChangeLog
from tui.model import ErrorKind, Snapshot, TaskError, WatchedTask
from tui.poll.interface import INF, PollSettings
from tui.poll.rate_limit import RequestScope, TokenBucket, enter_scope

log = logging.getLogger("tui.poll.poller")

# stop() must return within 0.5 s: leave a margin for the caller's own clean-up.
STOP_GRACE = 0.4
# Due times a hair in the future (float sums of clock steps) count as due: a microsecond early is harmless.
EPS = 1e-6
# Work due less than this before the runner's own alarm does not wake it: the alarm is as good (and the
# times compared come from separate clock reads, so "earlier" by a few microseconds is noise).
_SLACK = 1e-3
# One pass of the scheduler also starts the regular-cadence polls that fall due within this window (well
# below the 2 s interval floor): fewer wake-ups; the poller's settle keeps the cadence on the planned due
# time, so early starts never drift. First polls (jitter), retries (backoff) and Retry-After keep exact times.
# Kept short: polls started together hold a connection each, and httpcore checks every pooled connection
# twice per request (a poll() and a getpeername() each). At 0.25 s, 50 polls/s went out in bursts of 8 over
# 8 connections; at 0.05 s they reuse two or three (measured: a few tenths of a ms CPU less per poll) for a
# few more wake-ups a second (tens of microseconds each).
WINDOW = 0.05


class Entry:
    """One watched task as the poller holds it (its schedule, last result, flags)."""

    __slots__ = ("task", "key", "host", "snapshot", "history", "due", "gen", "failures", "not_before",
                 "stop_error", "in_flight", "again", "fresh", "parked", "removed", "waiters", "planned")

    def __init__(self, task: WatchedTask, host: Host | None, history: int) -> None:
        self.task = task
        self.key = task.key
        self.host = host
        self.snapshot: Snapshot | None = None
        self.history = ChangeLog(history)  # packed; the state store may share it (tui.history)
        self.due: float | None = None  # monotonic
        self.gen = 0  # bumps invalidate heap items (lazy deletion)
        self.failures = 0
        self.not_before = 0.0  # Retry-After, monotonic
        self.stop_error: TaskError | None = None
        self.in_flight = False
        self.again = False  # refresh asked while a request was in flight
        self.fresh = True  # not polled yet by this poller
        self.parked = False
        self.removed = False
        self.waiters: list[asyncio.Future[Snapshot | None]] = []
        self.planned = 0.0  # the due time the request in flight was started for (monotonic)

    def release(self, snapshot: Snapshot | None) -> None:
        """Answer whoever waits for this task's next result (a sweep) with this snapshot."""
        waiters, self.waiters = self.waiters, []
        for fut in waiters:
            if not fut.done():
                fut.set_result(snapshot)


class Host:
    """One API host's schedule: its heap of due tasks, runner, workers, rate bucket and Retry-After hold."""

    __slots__ = ("name", "heap", "wake", "in_flight", "bucket", "hold_until", "runner", "fresh", "ready",
                 "workers", "idle", "next_at", "alarm", "alarm_at")

    def __init__(self, name: str, settings: PollSettings) -> None:
        self.name = name
        self.heap: list[tuple[float, int, Entry, int]] = []
        self.wake = asyncio.Event()
        self.in_flight = 0
        self.bucket = TokenBucket(settings.rate)
        self.hold_until = 0.0
        self.runner: asyncio.Task[None] | None = None
        self.fresh = 0
        # Requests are made by at most max_in_flight long-lived workers per host: a task per request
        # costs httpx/anyio ~0.4 ms of CPU more per poll (fresh per-task state), measured.
        self.ready: asyncio.Queue[Entry] = asyncio.Queue()
        self.workers: set[asyncio.Task[None]] = set()
        self.idle = 0
        # When the runner will next look at the heap by itself (INF: only when woken). Wakes are sent
        # only for work due before then, so a poll that reschedules its task 10 s ahead wakes nobody.
        self.next_at = INF
        # One timer per host (a loop TimerHandle on the real clock, else a sleeping task), kept across
        # passes while it still fires in time: no futures, asyncio.wait or gather per sleep.
        self.alarm: asyncio.TimerHandle | asyncio.Task[None] | None = None
        self.alarm_at = INF


class Scheduler:
    """When each task is polled, per host, within the in-flight and rate caps.

    Collaborators, all given by the owner (the Poller): `locate(task)` names the host of a task (the
    fetcher's host(); it raises when no endpoint is configured); `admit(entry)` says whether a due task may go now
    (the auth gate: it may park or stop it instead); `poll(host, entry)` makes one poll and settles it;
    `recover(entry)` reschedules a task whose poll raised; `is_current(entry)` is false for a removed task.
    """

    def __init__(
        self,
        settings: PollSettings,
        clock: Clock,
        *,
        locate: Callable[[WatchedTask], str],
        admit: Callable[[Entry], bool],
        poll: Callable[[Host, Entry], Awaitable[None]],
        recover: Callable[[Entry], None],
        is_current: Callable[[Entry], bool],
        running: Callable[[], bool],
    ) -> None:
        self.settings = settings
        self._clock = clock
        self._locate = locate
        self._admit = admit
        self._poll = poll
        self._recover = recover
        self._is_current = is_current
        self._hosts: dict[str, Host] = {}
        self._seq = itertools.count()
        # Whether runners may run: the poller is started or a sweep is under way.
        self._running = running

    def host_for(self, task: WatchedTask) -> Host | TaskError:
        """The task's host, or the config error that says why it has none."""
        try:
            name = self._locate(task)
        except Exception as exc:
            text = str(exc).splitlines()[0][:300] if isinstance(exc, UserError) and str(exc) else ""
            return TaskError(ErrorKind.CONFIG, text or f"no endpoint for this task ({type(exc).__name__})")
        return self.host(name)

    def host(self, name: str) -> Host:
        """The scheduler of one host, made (and its runner started, if running) on first use."""
        host = self._hosts.get(name)
        if host is None:
            host = self._hosts[name] = Host(name, self.settings)
            self._ensure_runner(host)
        return host

    def spread(self, n: int) -> float:
        """Seconds over which n first polls of one host are spread: min(interval, n/rate)."""
        return min(self.settings.interval, n / self.settings.rate)

    def schedule(self, entry: Entry, delay: float, after: float = 0.0, wake: bool = True) -> None:
        """Make a task due `delay` s after now (or after `after`, if later), never before its Retry-After."""
        host = entry.host
        assert host is not None, "a task without a host is never scheduled"
        now = self._clock.monotonic()
        due = max(max(now, after) + max(0.0, delay), entry.not_before)
        entry.due = due
        entry.gen += 1
        entry.parked = False
        heapq.heappush(host.heap, (due, next(self._seq), entry, entry.gen))
        # wake=False: called by a worker that dispatches next anyway (and wakes the runner if need be);
        # likewise, with every slot taken, the worker that frees one does.
        if wake and due < host.next_at - _SLACK and host.in_flight < self.settings.max_in_flight:
            host.wake.set()
        self._ensure_runner(host)

    @staticmethod
    def unschedule(entry: Entry) -> None:
        entry.gen += 1
        entry.due = None
        entry.parked = False

    def schedule_quietly(self, entry: Entry) -> None:
        """After a cancelled request: due now, picked up if the poller starts again."""
        host = entry.host
        assert host is not None, "a task without a host is never polled"
        entry.gen += 1
        due = entry.due = self._clock.monotonic()
        heapq.heappush(host.heap, (due, next(self._seq), entry, entry.gen))

    def start_runners(self) -> None:
        for host in self._hosts.values():
            self._ensure_runner(host)

    def _ensure_runner(self, host: Host) -> None:
        if host.runner is None and self._running():
            host.runner = asyncio.get_running_loop().create_task(self._run(host))

    async def halt(self, also: Iterable[asyncio.Task[Any]] = ()) -> None:
        """Cancel every runner and worker (requests in flight too) and wait for them, briefly."""
        tasks: list[asyncio.Task[Any]] = list(also)
        for host in self._hosts.values():
            if host.runner is not None:
                tasks.append(host.runner)
            tasks.extend(host.workers)
            if isinstance(host.alarm, asyncio.Task):
                tasks.append(host.alarm)
            if host.alarm is not None:
                host.alarm.cancel()
            host.runner = host.alarm = None
            host.alarm_at = host.next_at = INF
            host.workers = set()
            host.idle = 0
        for t in tasks:
            t.cancel()
        if tasks:
            _, pending = await asyncio.wait(tasks, timeout=STOP_GRACE)
            if pending:
                log.debug("%d poller tasks ignored cancellation", len(pending))
        for host in self._hosts.values():
            # Handed to a worker but not started: due again if the poller starts again.
            while not host.ready.empty():
                entry = host.ready.get_nowait()
                host.in_flight -= 1
                entry.in_flight = False
                if self._is_current(entry):
                    self.schedule_quietly(entry)

    async def _run(self, host: Host) -> None:
        """The one loop per host: start what is due, then wait once, for the alarm or a wake."""
        wake = host.wake
        while True:
            wake.clear()
            self._arm(host, self._dispatch(host))
            await wake.wait()

    def _arm(self, host: Host, delay: float | None) -> None:
        """Have the runner woken after `delay` s (None: only by a wake); reuse a timer that fires in time."""
        alarm = host.alarm
        if delay is None:
            host.next_at = host.alarm_at if alarm is not None else INF
            return  # a live alarm may fire early: one idle pass, cheaper than cancelling it
        # Wake a hair early (see EPS): float sums of clock steps must not cost a whole extra step.
        at = self._clock.monotonic() + max(0.0, delay - EPS)
        if alarm is not None:
            if host.alarm_at <= at + EPS:
                host.next_at = host.alarm_at
                return
            alarm.cancel()
        host.alarm_at = host.next_at = at
        clock = self._clock
        loop = asyncio.get_running_loop()
        if type(clock) is Clock:
            # The real clock's monotonic() is the loop's time base: a bare timer, no task.
            host.alarm = loop.call_at(at, self._ring, host, None)
        else:
            # sleep_until: the deadline is fixed now, even if time moves before the task first runs.
            sleeper = host.alarm = loop.create_task(clock.sleep_until(at))
            sleeper.add_done_callback(lambda t: self._ring(host, t))

    @staticmethod
    def _ring(host: Host, task: asyncio.Task[None] | None) -> None:
        if task is not None and task.cancelled():
            return
        if host.alarm is task or task is None:
            host.alarm = None
            host.alarm_at = INF
        host.wake.set()

    def _dispatch(self, host: Host) -> float | None:
        """Launch every due request the caps allow; seconds until the next chance (None: wait for a wake)."""
        heap = host.heap
        cap = self.settings.max_in_flight
        while heap:
            due, _, entry, gen = heap[0]
            if gen != entry.gen or entry.removed:
                heapq.heappop(heap)
                continue
            now = self._clock.monotonic()
            if due > now + EPS and (due > now + WINDOW or not self._steady(entry, now)):
                return due - now
            if host.in_flight >= cap:
                return None
            if now + EPS < host.hold_until:
                return host.hold_until - now
            wait = host.bucket.delay(now)
            if wait > 0:
                return wait
            heapq.heappop(heap)
            if not self._admit(entry):
                continue
            host.bucket.take(now)
            self._launch(host, entry)
        return None

    @staticmethod
    def _steady(entry: Entry, now: float) -> bool:
        """May this task go up to WINDOW early? Only a task on its regular cadence: first polls keep
        their jitter, retries their backoff, and a Retry-After is a floor."""
        return not entry.fresh and entry.failures == 0 and entry.not_before <= now

    def _launch(self, host: Host, entry: Entry) -> None:
        entry.in_flight = True
        entry.again = False
        entry.gen += 1
        entry.planned = entry.due or 0.0
        entry.due = None
        host.in_flight += 1
        host.ready.put_nowait(entry)
        if host.ready.qsize() > host.idle and len(host.workers) < self.settings.max_in_flight:
            worker = asyncio.get_running_loop().create_task(self._work(host))
            host.workers.add(worker)
            worker.add_done_callback(host.workers.discard)

    async def _work(self, host: Host) -> None:
        # A fetch that makes extra requests (Build's outcome lookup) pays for them from this host's bucket.
        enter_scope(RequestScope(lambda: self._pay_extra(host)))
        while True:
            host.idle += 1
            try:
                entry = await host.ready.get()
            finally:
                host.idle -= 1
            try:
                await self._poll(host, entry)
            except asyncio.CancelledError:
                raise
            except Exception:  # a bug in settling one answer must not take this worker down
                log.debug("settling %s failed", entry.key, exc_info=True)
                self._recover(entry)
            # Start the next due request from here, in the same loop step: the connection just freed
            # is reused at once instead of idling while the scheduler wakes (measured: −0.3 ms CPU/poll).
            # The runner is woken only if this found work due before it planned to look.
            delay = self._dispatch(host)
            if delay is not None and self._clock.monotonic() + delay < host.next_at - _SLACK:
                host.wake.set()

    async def _pay_extra(self, host: Host) -> None:
        """One more request for the poll in hand: wait for the host's hold and a token, then take it."""
        while True:
            now = self._clock.monotonic()
            wait = max(host.hold_until - now, host.bucket.delay(now))
            if wait <= EPS:
                break
            await self._clock.sleep(wait)
        host.bucket.take(now)
