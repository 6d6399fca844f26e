"""Drive a demo app on its FakeClock without waiting on schedules: shared by the screenshot script and the tests."""

from __future__ import annotations

import asyncio


async def settle(pilot, rounds: int = 8) -> None:
    """Let in-process requests and messages run to completion (no wall-clock waiting on schedules)."""
    for _ in range(rounds):
        await asyncio.sleep(0)
        await pilot.pause()
    pilot.app.main.flush()
    await pilot.pause()


async def advance(pilot, seconds: float, step: float = 1.0) -> None:
    """Move the demo's FakeClock forward in steps, letting the poller and the app catch up each time."""
    clock = pilot.app.runtime.clock
    left = seconds
    while left > 0:
        clock.advance(min(step, left))
        left -= step
        await settle(pilot, rounds=4)
    await settle(pilot)


async def started(pilot) -> None:
    """Wait until the runtime's start worker has finished and the first polls are in."""
    app = pilot.app
    for _ in range(200):
        if app.runtime.poller is not None and not app.workers:
            break
        await asyncio.sleep(0.005)
    # First polls are spread over one interval; small steps, since a Build poll may need up to four
    # requests and the per-host rate limit refills on this clock.
    await advance(pilot, 11.0, step=0.5)
