"""The per-host scheduler: due-time heap, one runner loop, long-lived workers, one poll and its fetch."""

from __future__ import annotations

import asyncio
import heapq
import logging
from collections import deque
from collections.abc import Iterable

from tui.clock import Clock
from tui.model import Change, ErrorKind, Snapshot, TaskError, WatchedTask
from tui.errors import UserError
from tui.poll.interface import INF, Failed, PollSettings, cadence, is_401
from tui.poll.rate_limit import RequestScope, TokenBucket, current_scope, enter_scope

log = logging.getLogger("tui.poll.poller")

# stop() must return within 0.5 s: leave a margin for the caller's own clean-up.
STOP_GRACE = 0.4
# Due times a hair in the future (float sums of clock steps) count as due: a microsecond early is harmless.
_EPS = 1e-6
# Work due less than this before the runner's own alarm does not wake it: the alarm is as good (and the
# times compared come from separate clock reads, so "earlier" by a few microseconds is noise).
_SLACK = 1e-3
# The HTTP client has its own timeouts; this is the backstop so one hung request cannot hold a slot forever.
FETCH_DEADLINE = 120.0
# One pass of the scheduler also starts the regular-cadence polls that fall due within this window (well
# below the 2 s interval floor): fewer wake-ups; _settle keeps the cadence on the planned due time, so
# early starts never drift. First polls (jitter), retries (backoff) and Retry-After keep exact times.
WINDOW = 0.25


class Entry:
    __slots__ = ("task", "key", "host", "snapshot", "history", "due", "gen", "failures", "not_before",
                 "stop_error", "in_flight", "again", "fresh", "parked", "removed", "waiters", "planned")

    def __init__(self, task: WatchedTask, host: "Host | None", history: int) -> None:
        self.task = task
        self.key = task.key
        self.host = host
        self.snapshot: Snapshot | None = None
        self.history: deque[Change] = deque(maxlen=history)
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
        self.waiters: list[asyncio.Future] = []
        self.planned = 0.0  # the due time the request in flight was started for (monotonic)


class Host:
    __slots__ = ("name", "heap", "wake", "in_flight", "bucket", "hold_until", "runner", "fresh", "ready",
                 "workers", "idle", "next_at", "alarm", "alarm_at")

    def __init__(self, name: str, settings: PollSettings) -> None:
        self.name = name
        self.heap: list[tuple[float, int, Entry, int]] = []
        self.wake = asyncio.Event()
        self.in_flight = 0
        self.bucket = TokenBucket(settings.rate)
        self.hold_until = 0.0
        self.runner: asyncio.Task | None = None
        self.fresh = 0
        # Requests are made by at most max_in_flight long-lived workers per host: a task per request
        # costs httpx/anyio ~0.4 ms of CPU more per poll (fresh per-task state), measured.
        self.ready: asyncio.Queue[Entry] = asyncio.Queue()
        self.workers: set[asyncio.Task] = set()
        self.idle = 0
        # When the runner will next look at the heap by itself (INF: only when woken). Wakes are sent
        # only for work due before then, so a poll that reschedules its task 10 s ahead wakes nobody.
        self.next_at = INF
        # One timer per host (a loop TimerHandle on the real clock, else a sleeping task), kept across
        # passes while it still fires in time: no futures, asyncio.wait or gather per sleep.
        self.alarm: asyncio.TimerHandle | asyncio.Task | None = None
        self.alarm_at = INF


class HostScheduler:
    """Mixin of Poller: when each task is polled, per host, within the in-flight and rate caps.

    Uses the façade's settings, _entries, _hosts, _fetcher, _clock, _rng, _seq, _started, _sweeps and
    its _settle, plus the AuthGate's _profile, _after_401 and _mark_profile_stopped.
    """

    def _host_for(self, task: WatchedTask) -> tuple[Host | None, TaskError | None]:
        try:
            name = self._fetcher.host(task)
        except Exception as exc:
            text = str(exc).splitlines()[0][:300] if isinstance(exc, UserError) and str(exc) else ""
            return None, TaskError(ErrorKind.CONFIG, text or f"no endpoint for this task ({type(exc).__name__})")
        host = self._hosts.get(name)
        if host is None:
            host = self._hosts[name] = Host(name, self.settings)
            self._ensure_runner(host)
        return host, None

    def _spread(self, host: Host, n: int) -> float:
        return min(self.settings.interval, n / self.settings.rate)

    def _first_delay(self, host: Host) -> float:
        return self._rng.uniform(0, self._spread(host, host.fresh))

    def _schedulable(self, entry: Entry) -> bool:
        return (entry.host is not None and not entry.task.paused and entry.stop_error is None
                and self._profile(entry.task.profile).stopped is None)

    def _wants_polling(self, entry: Entry) -> bool:
        """Should an unscheduled task be polled when the poller (re)starts?"""
        if entry.in_flight or entry.parked or not self._schedulable(entry):
            return False
        snap = entry.snapshot
        if entry.fresh or snap is None or snap.error is not None or snap.stale:
            return True
        return cadence(entry.task.ref.service, snap.phase, self.settings) is not None

    def _schedule(self, entry: Entry, delay: float, after: float = 0.0, wake: bool = True) -> None:
        """Make a task due `delay` s after now (or after `after`, if later), never before its Retry-After."""
        host = entry.host
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

    def _unschedule(self, entry: Entry) -> None:
        entry.gen += 1
        entry.due = None
        entry.parked = False

    def _ensure_runner(self, host: Host) -> None:
        if host.runner is None and (self._started or self._sweeps):
            host.runner = asyncio.get_running_loop().create_task(self._run(host))

    async def _halt_runners(self, also: Iterable[asyncio.Task] = ()) -> None:
        """Cancel every scheduler and worker (requests in flight too) and wait for them, briefly."""
        tasks = list(also)
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
                if self._current(entry):
                    self._schedule_quietly(entry)

    async def _run(self, host: Host) -> None:
        """The one loop per host: start what is due, then wait once, for the alarm or a wake."""
        wake = host.wake
        while True:
            wake.clear()
            self._arm(host, self._dispatch(host))
            await wake.wait()

    def _arm(self, host: Host, delay: float | None) -> None:
        """Have the runner woken after `delay` s (None: only by a wake); reuse a timer that fires in time."""
        alarm_live = host.alarm is not None
        if delay is None:
            host.next_at = host.alarm_at if alarm_live else INF
            return  # a live alarm may fire early: one idle pass, cheaper than cancelling it
        # Wake a hair early (see _EPS): float sums of clock steps must not cost a whole extra step.
        at = self._clock.monotonic() + max(0.0, delay - _EPS)
        if alarm_live and host.alarm_at <= at + _EPS:
            host.next_at = host.alarm_at
            return
        if alarm_live:
            host.alarm.cancel()
        host.alarm_at = host.next_at = at
        clock = self._clock
        loop = asyncio.get_running_loop()
        if type(clock) is Clock:
            # The real clock's monotonic() is the loop's time base: a bare timer, no task.
            host.alarm = loop.call_at(at, self._ring, host, None)
        else:
            # sleep_until: the deadline is fixed now, even if time moves before the task first runs.
            alarm = host.alarm = loop.create_task(clock.sleep_until(at))
            alarm.add_done_callback(lambda t: self._ring(host, t))

    @staticmethod
    def _ring(host: Host, task: asyncio.Task | None) -> None:
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
            if due > now + _EPS and (due > now + WINDOW or not self._steady(entry, now)):
                return due - now
            if host.in_flight >= cap:
                return None
            if now + _EPS < host.hold_until:
                return host.hold_until - now
            wait = host.bucket.delay(now)
            if wait > 0:
                return wait
            heapq.heappop(heap)
            prof = self._profile(entry.task.profile)
            if prof.stopped is not None:
                self._mark_profile_stopped(entry, prof)
                continue
            if not prof.verified:
                if prof.probing is not None or prof.reauth is not None:
                    entry.gen += 1
                    entry.parked = True
                    prof.parked.append(entry)
                    continue
                prof.probing = entry.key
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
                if self._current(entry) and not entry.in_flight and self._started:
                    self._schedule(entry, self.settings.interval)
            # Start the next due request from here, in the same loop step: the connection just freed
            # is reused at once instead of idling while the scheduler wakes (measured: −0.3 ms CPU/poll).
            # The runner is woken only if this found work due before it planned to look.
            delay = self._dispatch(host)
            if delay is not None and self._clock.monotonic() + delay < host.next_at - _SLACK:
                host.wake.set()

    # ----- one poll -------------------------------------------------------------------------

    async def _poll(self, host: Host, entry: Entry) -> None:
        prof = self._profile(entry.task.profile)
        try:
            epoch = prof.epoch
            result = await self._fetch(entry)
            if isinstance(result, Failed) and is_401(result.error):
                result = await self._after_401(host, entry, prof, epoch, result)
        except asyncio.CancelledError:
            if prof.probing == entry.key:
                prof.probing = None
            if self._current(entry):
                entry.in_flight = False
                self._schedule_quietly(entry)
            raise
        finally:
            host.in_flight -= 1
        entry.in_flight = False
        self._settle(host, entry, prof, result)
        if prof.unmarked:
            self._mark_profile_tasks(prof)

    def _schedule_quietly(self, entry: Entry) -> None:
        """After a cancelled request: due now, picked up if the poller starts again."""
        entry.gen += 1
        entry.due = self._clock.monotonic()
        heapq.heappush(entry.host.heap, (entry.due, next(self._seq), entry, entry.gen))

    async def _pay_extra(self, host: Host) -> None:
        """One more request for the poll in hand: wait for the host's hold and a token, then take it."""
        while True:
            now = self._clock.monotonic()
            wait = max(host.hold_until - now, host.bucket.delay(now))
            if wait <= _EPS:
                break
            await self._clock.sleep(wait)
        host.bucket.take(now)

    async def _fetch(self, entry: Entry) -> Snapshot | Failed:
        scope = current_scope()
        if scope is not None:
            scope.profile = entry.task.profile  # caches of per-credential answers are kept per profile
        try:
            async with asyncio.timeout(FETCH_DEADLINE):
                snap = await self._fetcher.fetch(entry.task)
        except TimeoutError:
            return Failed(TaskError(ErrorKind.NETWORK, f"no answer within {FETCH_DEADLINE:g} s"))
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

    def _current(self, entry: Entry) -> bool:
        return not entry.removed and self._entries.get(entry.key) is entry

