"""Time sources, injectable so tests and the simulator can move time without sleeping."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime


class Clock:
    """The real clock: wall time for display, monotonic time for schedules."""

    def time(self) -> float:
        """Seconds since the epoch (wall clock)."""
        return time.time()

    def monotonic(self) -> float:
        return time.monotonic()

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.time(), UTC)

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(max(0.0, seconds))

    async def sleep_until(self, when: float) -> None:
        """Sleep until monotonic time `when` (fixed now, however late the sleeping task starts)."""
        await self.sleep(when - self.monotonic())


class FakeClock(Clock):
    """A clock that moves only when told to; `sleep` waits until `advance` passes the deadline."""

    def __init__(self, start: float = 1_767_225_600.0) -> None:  # 2026-01-01T00:00:00Z
        self._wall = start
        self._mono = 1000.0
        self._waiters: list[tuple[float, asyncio.Future[None]]] = []

    def time(self) -> float:
        return self._wall

    def monotonic(self) -> float:
        return self._mono

    def advance(self, seconds: float) -> None:
        """Move time forward and wake every sleeper whose deadline has passed."""
        self._wall += seconds
        self._mono += seconds
        still = []
        for deadline, fut in self._waiters:
            if deadline <= self._mono:
                if not fut.done():
                    fut.set_result(None)
            else:
                still.append((deadline, fut))
        self._waiters = still

    def sleepers(self) -> int:
        """How many sleeps are waiting for time to pass (a test's view of the timers in use)."""
        return sum(1 for _, fut in self._waiters if not fut.done())

    async def sleep(self, seconds: float) -> None:
        await self.sleep_until(self._mono + seconds)

    async def sleep_until(self, when: float) -> None:
        if when <= self._mono:
            await asyncio.sleep(0)
            return
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append((when, fut))
        await fut


class ScaledClock(Clock):
    """Real time sped up `speed` times: the demo under HCWATCH_DEMO_SPEED (end-to-end tests see a minute in seconds).

    It stands still until the first sleep (the poller starting), so however long the program
    takes to start, the first poll still sees the demo's tasks at their beginning.
    """

    def __init__(self, speed: float) -> None:
        self.speed = max(1.0, float(speed))
        self._wall0, self._mono0 = time.time(), time.monotonic()
        self._real0: tuple[float, float] | None = None     # real (wall, monotonic) when time began to move

    def _elapsed(self, index: int) -> float:
        if self._real0 is None:
            return 0.0
        return ((time.time(), time.monotonic())[index] - self._real0[index]) * self.speed

    def time(self) -> float:
        return self._wall0 + self._elapsed(0)

    def monotonic(self) -> float:
        return self._mono0 + self._elapsed(1)

    async def sleep(self, seconds: float) -> None:
        if self._real0 is None:
            self._real0 = (time.time(), time.monotonic())
        await asyncio.sleep(max(0.0, seconds) / self.speed)
