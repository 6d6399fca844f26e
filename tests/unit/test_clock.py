"""The sped-up clock of the demo under HCWATCH_DEMO_SPEED: still until the poller starts, then fast."""

from __future__ import annotations

from tui.clock import ScaledClock


async def test_the_scaled_clock_stands_still_until_the_first_sleep_then_runs_fast():
    clock = ScaledClock(100)
    t0, m0 = clock.time(), clock.monotonic()
    assert (clock.time(), clock.monotonic()) == (t0, m0)   # a slow start costs the demo nothing
    await clock.sleep(2.0)                                  # 20 ms of real time
    assert clock.monotonic() - m0 >= 2.0 and clock.time() - t0 >= 2.0
