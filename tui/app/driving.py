"""Drive a demo app on its FakeClock without waiting on schedules: shared by the screenshot script and the tests."""

from __future__ import annotations

import asyncio

DRAIN_ROUNDS = 400  # a Build poll is a few requests of a few dozen loop turns each


async def drain(rounds: int = DRAIN_ROUNDS) -> None:
    """Give the event loop turns until nothing is ready to run (in-process requests, message queues).

    Turns are cheap where Textual's `pilot.pause()` waits at least 20 ms of wall clock for the
    process to look idle; the FakeClock needs no wall clock, so waiting for a quiet loop is enough.
    """
    loop = asyncio.get_running_loop()
    ready = getattr(loop, "_ready", None)  # CPython's queue of callbacks due now
    quiet = 0
    for _ in range(rounds):
        await asyncio.sleep(0)
        # Two quiet turns in a row: the one after ours may be what a just-finished callback scheduled.
        quiet = quiet + 1 if ready is not None and len(ready) == 0 else 0
        if quiet >= 2:
            return


async def settle(pilot, rounds: int = 8) -> None:
    """Let in-process requests and messages run to completion (no wall-clock waiting on schedules)."""
    for _ in range(rounds):
        await drain()
    pilot.app.main.flush()
    await pilot.pause()


async def advance(pilot, seconds: float, step: float = 1.0) -> None:
    """Move the demo's FakeClock forward in steps, letting the poller and the app catch up each time."""
    clock = pilot.app.runtime.clock
    left = seconds
    while left > 0:
        clock.advance(min(step, left))
        left -= step
        await drain()
        await drain()
    await settle(pilot)


async def up(pilot) -> None:
    """Wait (at most about 4 s) until the runtime's start worker has finished: the poller is running."""
    app = pilot.app
    for _ in range(400):
        if app.runtime.poller is not None and not app.workers:
            break
        await asyncio.sleep(0.01)


async def started(pilot) -> None:
    """Wait until the runtime's start worker has finished and the first polls are in."""
    await up(pilot)
    # First polls are spread over one interval; small steps, since a Build poll may need up to four
    # requests and the per-host rate limit refills on this clock.
    await advance(pilot, 11.0, step=0.5)
