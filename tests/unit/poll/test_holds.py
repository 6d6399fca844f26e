"""A long Retry-After holds the whole host and says so: held tasks read "throttled until", a sweep does not wait."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from tests.unit.poll.test_poller import FakeFetcher, MinRng, advance, err, make, settle, task
from tui.clock import FakeClock
from tui.model import ErrorKind, Phase, Snapshot
from tui.poll.holds import SWEEP_WAIT_MAX
from tui.poll.poller import Update


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def fetcher(clock: FakeClock) -> FakeFetcher:
    return FakeFetcher(clock)


def throttle_first(fetcher, key: str, retry_after: float) -> None:
    fetcher.scripts[key] = (lambda tk, n: err(ErrorKind.THROTTLED, 429, retry_after=retry_after, code="APIG.0308")
                            if n == 0 else fetcher.snap(tk, Phase.RUNNING))


async def test_a_long_hold_marks_every_task_it_delays(clock, fetcher) -> None:
    a, b, c = task("check:a"), task("check:b"), task("check:c")
    other = task("build:x")  # another host: not held
    throttle_first(fetcher, a.key, 300)
    updates: list[Update] = []
    p = make(fetcher, clock, rng=MinRng(), updates=updates)
    p.add(a)
    await p.start()
    await settle()
    for t in (b, c, other):
        p.add(t)
    await advance(clock, 1, step=0.25)
    assert fetcher.count(b.key) == fetcher.count(c.key) == 0
    until = clock.now() + timedelta(seconds=299)
    for t in (a, b, c):
        snap = p.status(t.key).snapshot
        assert snap is not None and snap.error is not None and snap.error.kind is ErrorKind.THROTTLED, t.key
        assert snap.error.until is not None and abs((snap.error.until - until).total_seconds()) <= 2
        assert f"until {snap.error.until_local}" in snap.error.one_line()
    assert p.status(other.key).snapshot.error is None
    # The detail pane's "next poll" is the end of the hold, not the due time the hold overrides.
    assert p.status(b.key).next_due >= clock.time() + 290
    assert p.holds.latest() is not None and p.holds.until(b.key) is not None and p.holds.until(other.key) is None
    # When the hold ends the held tasks are polled and their error goes.
    await advance(clock, 301, step=1)
    assert fetcher.count(b.key) >= 1 and p.status(b.key).snapshot.error is None
    assert p.holds.latest() is None
    await p.stop()


async def test_a_short_hold_passes_unseen(clock, fetcher) -> None:
    a, b = task("check:a"), task("check:b")
    throttle_first(fetcher, a.key, SWEEP_WAIT_MAX / 2)
    p = make(fetcher, clock, rng=MinRng())
    p.add(a)
    await p.start()
    await settle()
    p.add(b)
    await advance(clock, 1, step=0.25)
    assert p.status(b.key).snapshot is None  # nothing to say: it is polled in a moment
    await p.stop()


async def test_a_sweep_answers_held_tasks_at_once_with_what_it_knows(clock, fetcher) -> None:
    a, b = task("check:a"), task("check:b")
    throttle_first(fetcher, a.key, 300)
    p = make(fetcher, clock, rng=MinRng(), max_in_flight=1)
    saved = Snapshot(b.ref, Phase.RUNNING, 40.0, "compiling", "0", {}, clock.now(), clock.now())
    p.seed(b.key, saved)
    job = asyncio.create_task(p.sweep([a, b]))
    # Far less fake time than the 300 s hold: the sweep must not wait it out.
    for _ in range(40):
        if job.done():
            break
        await advance(clock, 0.25, step=0.25)
    assert job.done(), "the sweep waited for the throttled host"
    result = job.result()
    assert fetcher.count(b.key) == 0
    held = result[b.key]
    assert (held.phase, held.progress, held.message, held.stale) == (Phase.RUNNING, 40.0, "compiling", True)
    assert held.error is not None and held.error.kind is ErrorKind.THROTTLED and held.error.until is not None
    assert result[a.key].error is not None and result[a.key].error.code == "APIG.0308"
