"""Poller behaviour on a FakeClock with a scripted fake fetcher: cadence, backoff, auth, caps, changes."""

from __future__ import annotations

import asyncio
import random
import time
from dataclasses import replace
from datetime import timedelta

import pytest

from tui.clock import FakeClock
from tui.errors import ApiError
from tui.model import Change, ErrorKind, Phase, Snapshot, TaskError, TaskRef, WatchedTask
from tui.poll.poller import Poller, PollSettings, Update, cadence
from tui.poll.rate_limit import TokenBucket
from tui.poll.timing import MIN_DELAY, backoff_delay, ceiling


async def settle(rounds: int = 40) -> None:
    """Let every ready callback run (no real time passes)."""
    for _ in range(rounds):
        await asyncio.sleep(0)


async def advance(clock: FakeClock, seconds: float, step: float = 0.5) -> None:
    """Move the fake clock in steps, letting the loop run after each one."""
    await settle()
    left = seconds
    while left > 1e-9:
        d = min(step, left)
        clock.advance(d)
        left -= d
        await settle()


def task(ref: str, profile: str = "default", paused: bool = False) -> WatchedTask:
    return WatchedTask(TaskRef.parse(ref), None, profile, paused=paused)


def err(kind: ErrorKind, status: int | None = None, retry_after: float | None = None, code: str | None = None) -> ApiError:
    return ApiError(TaskError(kind, f"{kind.value} happened", code, status, None, retry_after))


class MaxRng(random.Random):
    """Full jitter pinned to its upper bound, so delays are exact."""

    def uniform(self, a: float, b: float) -> float:
        return b


class MinRng(random.Random):
    def uniform(self, a: float, b: float) -> float:
        return a


class FakeFetcher:
    """Scripted answers per task key; records calls, concurrency and reauthentications."""

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.calls: list[tuple[str, float]] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self.reauths: list[str] = []
        self.reauth_ok = True
        self.on_reauth = None
        self.gate: asyncio.Event | None = None
        self.scripts: dict[str, object] = {}  # key -> callable(task, n) -> Snapshot | Exception
        self.default_phase = Phase.RUNNING
        self.free: set[str] = set()  # keys the gate never holds (to prove a profile's credentials)

    def host(self, t: WatchedTask) -> str:
        return f"{t.ref.service.value}.example"

    def count(self, key: str) -> int:
        return sum(1 for k, _ in self.calls if k == key)

    async def fetch(self, t: WatchedTask) -> Snapshot:
        n = self.count(t.key)
        self.calls.append((t.key, self.clock.monotonic()))
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            if self.gate is not None and t.key not in self.free:
                await self.gate.wait()
            await asyncio.sleep(0)
            script = self.scripts.get(t.key)
            out = script(t, n) if script else self.snap(t, self.default_phase)
            if isinstance(out, BaseException):
                raise out
            return out
        finally:
            self.in_flight -= 1

    def snap(self, t: WatchedTask, phase: Phase, progress: float | None = None, message: str = "") -> Snapshot:
        now = self.clock.now()
        return Snapshot(t.ref, phase, progress, message, phase.value, {}, now, now)

    async def reauthenticate(self, profile: str) -> bool:
        self.reauths.append(profile)
        await asyncio.sleep(0)
        if self.on_reauth:
            self.on_reauth()
        return self.reauth_ok


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def fetcher(clock: FakeClock) -> FakeFetcher:
    return FakeFetcher(clock)


def warm(p: Poller, fetcher: FakeFetcher, profile: str = "default") -> None:
    """Add a task that answers at once, so the profile's credentials are proven before the gated ones."""
    t = task(f"check:warm{profile}", profile)
    fetcher.free.add(t.key)
    p.add(t)


def make(fetcher, clock, rng=None, updates=None, **settings) -> Poller:
    return Poller(fetcher, PollSettings(**settings), clock=clock, rng=rng or MaxRng(),
                  on_update=updates.append if updates is not None else None)


# ----- pure helpers -----------------------------------------------------------------------


def test_settings_clamp() -> None:
    s = PollSettings(interval=0.5, max_in_flight=0, rate=0, history=0)
    assert s.interval == 2.0 and s.max_in_flight == 1 and s.history == 1
    assert s.rate == float("inf")


@pytest.mark.parametrize(
    "ref,phase,expected",
    [
        ("check:a", Phase.RUNNING, 10), ("check:a", Phase.PENDING, 10), ("check:a", Phase.UNKNOWN, 10),
        ("check:a", Phase.SUCCEEDED, 60), ("check:a", Phase.FAILED, 60),
        ("build:a", Phase.IDLE, 60), ("build:a", Phase.STOPPED, 60), ("build:a", Phase.RUNNING, 10),
        ("dws:p/a", Phase.SUCCEEDED, None), ("dws:p/a", Phase.FAILED, None), ("dws:p/a", Phase.RUNNING, 10),
    ],
)
def test_cadence_table(ref, phase, expected) -> None:
    assert cadence(TaskRef.parse(ref).service, phase, PollSettings()) == expected


def test_backoff_bounds_and_cap() -> None:
    rng = random.Random(7)
    for n in range(1, 12):
        top = ceiling(n, 10, 300)
        assert top == min(300, 10 * 2 ** (n - 1))
        samples = [backoff_delay(n, 10, 300, rng) for _ in range(300)]
        assert all(MIN_DELAY <= d <= top for d in samples)
        assert max(samples) > top * 0.8  # full jitter reaches near the ceiling
    assert backoff_delay(1, 10, 300, rng, retry_after=120) >= 120
    assert backoff_delay(50, 10, 300, rng) <= 300


def test_token_bucket() -> None:
    b = TokenBucket(4.0)
    assert b.delay(0.0) == 0
    b.take(0.0)
    assert b.delay(0.0) == pytest.approx(0.25)
    assert b.delay(0.25) == 0
    assert TokenBucket(float("inf")).delay(0) == 0


# ----- cadence ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "ref,phase,polls_in_130s",
    [
        ("check:a", Phase.RUNNING, 14), ("check:a", Phase.SUCCEEDED, 3), ("build:a", Phase.IDLE, 3),
        ("build:a", Phase.FAILED, 3), ("dws:p/a", Phase.SUCCEEDED, 1), ("dws:p/a", Phase.RUNNING, 14),
        ("dws:p/a", Phase.UNKNOWN, 14),
    ],
)
async def test_cadence_per_phase_and_service(clock, fetcher, ref, phase, polls_in_130s) -> None:
    fetcher.default_phase = phase
    p = make(fetcher, clock)
    t = task(ref)
    p.add(t)
    await p.start()
    await advance(clock, 130.5)
    assert fetcher.count(t.key) == polls_in_130s
    st = p.status(t.key)
    assert st.snapshot.phase is phase
    if polls_in_130s == 1:
        assert st.next_due is None
    await p.stop()


async def test_interval_floor_and_next_due_is_wall_time(clock, fetcher) -> None:
    updates: list[Update] = []
    p = make(fetcher, clock, updates=updates, interval=0.1)
    p.add(task("check:a"))
    await p.start()
    await advance(clock, 1)
    assert updates and updates[-1].next_due == pytest.approx(clock.time() + 1.5)  # polled at 0.5, due 2 s later
    await advance(clock, 10)
    times = [t for _, t in fetcher.calls]
    assert all(b - a >= 2.0 - 1e-6 for a, b in zip(times, times[1:], strict=False))
    await p.stop()


async def test_paused_never_and_refresh_polls_once(clock, fetcher) -> None:
    p = make(fetcher, clock)
    t = task("check:a", paused=True)
    p.add(t)
    await p.start()
    await advance(clock, 100, step=5)
    assert fetcher.count(t.key) == 0
    p.refresh(t.key)
    await advance(clock, 100, step=5)
    assert fetcher.count(t.key) == 1
    st = p.status(t.key)
    assert st.paused and st.next_due is None and st.snapshot.phase is Phase.RUNNING
    p.resume(t.key)
    await advance(clock, 1)
    assert fetcher.count(t.key) == 2
    p.pause(t.key)
    await advance(clock, 100, step=5)
    assert fetcher.count(t.key) == 2
    await p.stop()


async def test_refresh_polls_finished_dws_now(clock, fetcher) -> None:
    fetcher.default_phase = Phase.SUCCEEDED
    p = make(fetcher, clock)
    t = task("dws:p/j")
    p.add(t)
    await p.start()
    await advance(clock, 100, step=5)
    assert fetcher.count(t.key) == 1
    p.refresh()
    await settle()
    assert fetcher.count(t.key) == 2
    await p.stop()


async def test_first_polls_are_spread(clock, fetcher) -> None:
    p = make(fetcher, clock, rng=random.Random(1))
    tasks = [task(f"check:t{i}") for i in range(1000)]
    for t in tasks:
        p.add(t)
    await p.start()
    await settle()
    dues = [p.status(t.key).next_due - clock.time() for t in tasks if p.status(t.key).next_due]
    # spread over min(interval, n / rate) = 10 s, and the bucket lets one through per tick
    assert max(dues) > 9 and min(dues) < 1 and len(fetcher.calls) <= 1
    await advance(clock, 1.0, step=0.05)
    assert len(fetcher.calls) <= 22
    await p.stop()


# ----- errors -----------------------------------------------------------------------------


async def test_backoff_grows_to_cap_and_success_resets(clock, fetcher) -> None:
    t = task("check:a")
    fail = {"on": True}
    fetcher.scripts[t.key] = lambda tk, n: err(ErrorKind.SERVER, 500) if fail["on"] else fetcher.snap(tk, Phase.RUNNING)
    updates: list[Update] = []
    p = make(fetcher, clock, updates=updates)
    p.add(t)
    await p.start()
    await advance(clock, 0.05, step=0.05)
    gaps = []
    for _ in range(8):
        assert fetcher.calls[-1][1] == clock.monotonic()
        gap = p.status(t.key).next_due - clock.time()
        gaps.append(round(gap, 3))
        await advance(clock, gap, step=gap)
    assert gaps == [10, 20, 40, 80, 160, 300, 300, 300]
    snap = p.status(t.key).snapshot
    assert snap.error.kind is ErrorKind.SERVER and snap.phase is None  # never fetched: no phase, not "pending"
    fail["on"] = False
    await advance(clock, 300, step=300)
    st = p.status(t.key)
    assert st.snapshot.error is None and st.next_due - clock.time() == pytest.approx(10)
    fail["on"] = True
    await advance(clock, 10, step=10)
    assert p.status(t.key).next_due - clock.time() == pytest.approx(10)  # back to the first step
    # the failing task kept its last phase
    assert p.status(t.key).snapshot.phase is Phase.RUNNING
    assert p.status(t.key).snapshot.error.kind is ErrorKind.SERVER
    await p.stop()


async def test_retry_after_is_a_floor_even_for_refresh(clock, fetcher) -> None:
    t = task("check:a")
    fetcher.scripts[t.key] = lambda tk, n: err(ErrorKind.THROTTLED, 429, retry_after=120) if n == 0 else fetcher.snap(tk, Phase.RUNNING)
    p = make(fetcher, clock, rng=MinRng())
    p.add(t)
    await p.start()
    await settle()
    assert fetcher.count(t.key) == 1
    assert p.status(t.key).next_due - clock.time() == pytest.approx(120)
    p.refresh(t.key)
    await advance(clock, 119, step=1)
    assert fetcher.count(t.key) == 1
    await advance(clock, 1.5, step=0.5)
    assert fetcher.count(t.key) == 2
    await p.stop()


async def test_throttle_holds_the_host(clock, fetcher) -> None:
    a, b = task("check:a"), task("check:b")
    fetcher.scripts[a.key] = lambda tk, n: err(ErrorKind.THROTTLED, 429, retry_after=30) if n == 0 else fetcher.snap(tk, Phase.RUNNING)
    p = make(fetcher, clock, rng=MinRng())
    p.add(a)
    await p.start()
    await settle()
    p.add(b)
    await advance(clock, 29, step=1)
    assert fetcher.count(b.key) == 0
    await advance(clock, 2, step=0.5)
    assert fetcher.count(b.key) == 1
    await p.stop()


async def test_401_one_reauth_then_profile_stops(clock, fetcher) -> None:
    bad = [task(f"check:p{i}", profile="work") for i in range(5)]
    good = task("check:ok", profile="home")
    for t in bad:
        fetcher.scripts[t.key] = lambda tk, n: err(ErrorKind.AUTH, 401, code="APIG.0301")
    updates: list[Update] = []
    p = make(fetcher, clock, updates=updates)
    for t in bad + [good]:
        p.add(t)
    await p.start()
    await advance(clock, 20, step=0.25)
    attempts = sum(fetcher.count(t.key) for t in bad)
    assert attempts == 2  # the probe, and its one retry after the refresh
    assert fetcher.reauths == ["work"]
    for t in bad:
        st = p.status(t.key)
        assert st.stopped_reason and "profile work" in st.stopped_reason
        assert st.snapshot.error.kind is ErrorKind.AUTH and st.next_due is None
    p.refresh()
    await advance(clock, 1000, step=10)
    assert sum(fetcher.count(t.key) for t in bad) == 2  # never a third attempt
    assert fetcher.count(good.key) > 50
    # the credentials changed: poll again, the profile proves itself with one request first
    for t in bad:
        fetcher.scripts.pop(t.key)
    before = {t.key: fetcher.count(t.key) for t in bad}
    p.resume_profile("work")
    await advance(clock, 11, step=0.25)
    assert all(fetcher.count(t.key) > before[t.key] for t in bad)
    assert all(p.status(t.key).stopped_reason is None for t in bad)
    await p.stop()


async def test_401_without_refreshable_credentials_stops_after_one_attempt(clock, fetcher) -> None:
    fetcher.reauth_ok = False
    bad = [task(f"check:p{i}") for i in range(3)]
    for t in bad:
        fetcher.scripts[t.key] = lambda tk, n: err(ErrorKind.AUTH, 401)
    p = make(fetcher, clock)
    for t in bad:
        p.add(t)
    await p.start()
    await advance(clock, 100, step=1)
    assert len(fetcher.calls) == 1 and fetcher.reauths == ["default"]
    assert all(p.status(t.key).stopped_reason for t in bad)
    await p.stop()


async def test_concurrent_401s_cause_one_reauthentication(clock, fetcher) -> None:
    tasks = [task(f"check:t{i}") for i in range(6)]
    expired = {"on": False}
    for t in tasks:
        fetcher.scripts[t.key] = lambda tk, n: err(ErrorKind.AUTH, 401) if expired["on"] else fetcher.snap(tk, Phase.RUNNING)
    fetcher.on_reauth = lambda: expired.update(on=False)
    p = make(fetcher, clock, rate=0)
    for t in tasks:
        p.add(t)
    await p.start()
    await advance(clock, 1)
    assert all(fetcher.count(t.key) == 1 for t in tasks)
    # the token expires while every task has a request in flight
    expired["on"] = True
    fetcher.gate = asyncio.Event()
    p.refresh()
    await settle()
    assert fetcher.in_flight == 6
    fetcher.gate.set()
    fetcher.gate = None
    await advance(clock, 2, step=0.1)
    assert fetcher.reauths == ["default"]
    for t in tasks:
        st = p.status(t.key)
        assert st.stopped_reason is None and st.snapshot.error is None
    await p.stop()


async def test_404_stops_the_task_403_too_without_reauth(clock, fetcher) -> None:
    gone, denied, fine = task("check:gone"), task("check:denied"), task("check:fine")
    fetcher.scripts[gone.key] = lambda tk, n: err(ErrorKind.NOT_FOUND, 404)
    fetcher.scripts[denied.key] = lambda tk, n: err(ErrorKind.AUTH, 403)
    p = make(fetcher, clock)
    for t in (gone, denied, fine):
        p.add(t)
    await p.start()
    await advance(clock, 100, step=1)
    assert fetcher.count(gone.key) == 1 and fetcher.count(denied.key) == 1
    assert fetcher.count(fine.key) == 10
    assert fetcher.reauths == []
    assert "gone" in p.status(gone.key).stopped_reason
    assert p.status(gone.key).snapshot.error.kind is ErrorKind.NOT_FOUND
    assert "permission" in p.status(denied.key).stopped_reason
    await p.stop()


async def test_garbage_task_does_not_slow_the_others(clock, fetcher) -> None:
    bad = task("check:garbage")
    others = [task(f"check:o{i}") for i in range(5)]
    fetcher.scripts[bad.key] = lambda tk, n: err(ErrorKind.BAD_RESPONSE, 200)
    p = make(fetcher, clock, rng=random.Random(3))
    for t in [bad] + others:
        p.add(t)
    await p.start()
    await advance(clock, 65, step=0.1)
    assert all(fetcher.count(t.key) == 7 for t in others)
    assert fetcher.count(bad.key) <= 7
    await p.stop()


async def test_unexpected_exception_becomes_bad_response(clock, fetcher) -> None:
    t = task("check:a")
    fetcher.scripts[t.key] = lambda tk, n: RuntimeError("boom secret=xyz")
    p = make(fetcher, clock)
    p.add(t)
    await p.start()
    await advance(clock, 1)
    e = p.status(t.key).snapshot.error
    assert e.kind is ErrorKind.BAD_RESPONSE and "xyz" not in e.message
    await p.stop()


# ----- caps -------------------------------------------------------------------------------


async def test_in_flight_cap_holds(clock, fetcher) -> None:
    fetcher.gate = asyncio.Event()
    p = make(fetcher, clock, rate=0, max_in_flight=3)
    warm(p, fetcher)
    for i in range(30):
        p.add(task(f"check:t{i}"))
    await p.start()
    await advance(clock, 5)
    assert fetcher.in_flight == 3
    fetcher.gate.set()
    await advance(clock, 20)
    assert fetcher.max_in_flight == 3
    assert len(fetcher.calls) >= 60
    await p.stop()


async def test_in_flight_cap_is_per_host(clock, fetcher) -> None:
    fetcher.gate = asyncio.Event()
    p = make(fetcher, clock, rate=0, max_in_flight=2)
    warm(p, fetcher)
    for i in range(10):
        p.add(task(f"check:c{i}"))
        p.add(task(f"build:b{i}"))
    await p.start()
    await advance(clock, 1)
    assert fetcher.in_flight == 4
    await p.stop()


async def test_rate_cap_holds(clock, fetcher) -> None:
    p = make(fetcher, clock, rng=random.Random(5), rate=5)
    for i in range(200):
        p.add(task(f"check:t{i}"))
    await p.start()
    await advance(clock, 20, step=0.05)
    times = sorted(t for _, t in fetcher.calls)
    assert 90 <= len(times) <= 101
    for i, start in enumerate(times):
        in_window = sum(1 for t in times[i:] if t < start + 1.0 - 1e-9)
        assert in_window <= 6
    await p.stop()


async def test_steady_polls_due_apart_go_out_apart(clock, fetcher) -> None:
    """Polls on their cadence due a tenth of a second apart are not started together: a burst
    would hold one connection per request open (and httpx checks every pooled connection on
    every request), where requests in turn reuse one or two."""
    p = make(fetcher, clock, rng=MinRng(), rate=0, interval=10)
    await p.start()
    for i in range(20):
        p.add(task(f"check:t{i}"))  # polled at once, then every 10 s from here: due 0.1 s apart
        await advance(clock, 0.1, step=0.01)
    fetcher.calls.clear()
    await advance(clock, 10, step=0.01)
    assert len(fetcher.calls) == 20
    starts = [t for _, t in fetcher.calls]
    assert len({round(t, 6) for t in starts}) == 20  # each at its own time, not in batches
    await p.stop()


# ----- interface --------------------------------------------------------------------------


async def test_stop_with_requests_in_flight_leaves_nothing_behind(clock, fetcher) -> None:
    fetcher.gate = asyncio.Event()  # never set: requests hang
    p = make(fetcher, clock, rate=0)
    warm(p, fetcher)
    for i in range(20):
        p.add(task(f"check:t{i}"))
    before = set(asyncio.all_tasks())
    await p.start()
    await advance(clock, 1)
    assert fetcher.in_flight == 8
    t0 = time.monotonic()
    await p.stop()
    assert time.monotonic() - t0 < 2.0
    await settle()
    left = [t for t in asyncio.all_tasks() - before if not t.done()]
    assert left == []
    assert fetcher.in_flight == 0


async def test_removed_task_result_is_dropped(clock, fetcher) -> None:
    fetcher.gate = asyncio.Event()
    updates: list[Update] = []
    p = make(fetcher, clock, updates=updates)
    warm(p, fetcher)
    a, b = task("check:a"), task("check:b")
    p.add(a)
    p.add(b)
    await p.start()
    await advance(clock, 1, step=0.1)
    assert fetcher.in_flight == 2
    p.remove(a.key)
    fetcher.gate.set()
    await settle()
    assert [u.key for u in updates if u.key != "check:warmdefault"] == [b.key]
    with pytest.raises(KeyError):
        p.status(a.key)
    await p.stop()


async def test_add_remove_pause_during_a_sweep(clock, fetcher) -> None:
    fetcher.gate = asyncio.Event()
    p = make(fetcher, clock, rate=0, max_in_flight=2)
    tasks = [task(f"check:t{i}") for i in range(6)]
    fetcher.free.add(tasks[0].key)
    sweep = asyncio.create_task(p.sweep(tasks))
    await settle()
    assert fetcher.in_flight == 2
    first = fetcher.calls[1][0]
    p.remove(first)  # in flight: its answer is dropped
    p.pause(tasks[5].key)  # not yet sent: left out
    p.add(task("check:new"))  # not part of this sweep
    fetcher.gate.set()
    result = await asyncio.wait_for(sweep, 5)
    assert set(result) == {t.key for t in tasks[:5]} - {first}
    assert all(s.phase is Phase.RUNNING for s in result.values())
    assert fetcher.count("check:new") == 0
    await settle()
    assert [t for t in asyncio.all_tasks() if t is not asyncio.current_task() and not t.done()] == []


async def test_sweep_errors_and_one_reauth(clock, fetcher) -> None:
    tasks = [task(f"check:t{i}") for i in range(4)] + [task("check:gone")]
    fetcher.scripts["check:gone"] = lambda tk, n: err(ErrorKind.NOT_FOUND, 404)
    state = {"expired": True}
    for t in tasks[:4]:
        fetcher.scripts[t.key] = lambda tk, n: err(ErrorKind.AUTH, 401) if state["expired"] else fetcher.snap(tk, Phase.SUCCEEDED)
    fetcher.on_reauth = lambda: state.update(expired=False)
    p = make(fetcher, clock)
    result = await _sweep_with_clock(p, clock, tasks)
    assert fetcher.reauths == ["default"]
    assert all(result[t.key].phase is Phase.SUCCEEDED for t in tasks[:4])
    assert result["check:gone"].error.kind is ErrorKind.NOT_FOUND
    assert len(fetcher.calls) == 6  # one 401, its retry, three more and the gone one


async def _sweep_with_clock(p: Poller, clock: FakeClock, tasks) -> dict:
    job = asyncio.create_task(p.sweep(tasks))
    for _ in range(200):
        if job.done():
            break
        await advance(clock, 0.1, step=0.05)
    return await job


async def test_sweep_transient_error_is_a_snapshot(clock, fetcher) -> None:
    t = task("check:busy")
    fetcher.scripts[t.key] = lambda tk, n: err(ErrorKind.SERVER, 400, code="CC.00000000")
    p = make(fetcher, clock)
    result = await _sweep_with_clock(p, clock, [t])
    assert result[t.key].error.code == "CC.00000000"
    assert fetcher.count(t.key) == 1


async def test_changes_history_bounded_and_updates_in_order(clock, fetcher) -> None:
    t = task("check:a")
    fetcher.scripts[t.key] = lambda tk, n: fetcher.snap(tk, Phase.RUNNING, progress=float(n), message=f"step {n}")
    p = make(fetcher, clock, history=5)
    stream = p.updates()
    p.add(t)
    await p.start()
    await advance(clock, 200.5, step=10)
    st = p.status(t.key)
    assert len(st.history) == 5
    n = fetcher.count(t.key)
    assert n == 20
    assert [c.progress for c in st.history] == [float(i) for i in range(n - 5, n)]
    assert all(not c.major for c in st.history)
    await p.stop()
    seen = [u async for u in stream]
    assert [u.snapshot.progress for u in seen] == [float(i) for i in range(n)]


async def test_seeded_stale_snapshot_marks_first_change_while_closed(clock, fetcher) -> None:
    t = task("check:a")
    old_time = clock.now() - timedelta(hours=3)
    seeded = Snapshot(t.ref, Phase.RUNNING, 40.0, "", "0", {}, old_time, old_time)
    earlier = Change(t.ref, Phase.PENDING, Phase.RUNNING, old_time, True)
    phases = [Phase.SUCCEEDED, Phase.SUCCEEDED, Phase.RUNNING]
    fetcher.scripts[t.key] = lambda tk, n: fetcher.snap(tk, phases[min(n, 2)])
    updates: list[Update] = []
    p = make(fetcher, clock, updates=updates, finished_interval=10)
    p.seed(t.key, seeded, [earlier])
    p.add(t)
    st = p.status(t.key)
    assert st.snapshot.stale and st.history == [earlier]
    await p.start()
    await advance(clock, 25)
    changes = [c for u in updates for c in u.changes]
    assert len(changes) == 2
    assert changes[0].major and changes[0].while_closed and changes[0].to_phase is Phase.SUCCEEDED
    assert not changes[1].while_closed and changes[1].to_phase is Phase.RUNNING
    assert p.status(t.key).history == [earlier] + changes
    await p.stop()


async def test_add_updates_in_place_and_refresh_during_flight(clock, fetcher) -> None:
    fetcher.gate = asyncio.Event()
    p = make(fetcher, clock)
    t = task("check:a")
    p.add(t)
    await p.start()
    await advance(clock, 0.5, step=0.1)
    p.add(replace(t, name="renamed"))
    assert p.status(t.key).task.name == "renamed"
    p.refresh(t.key)  # in flight: polls again as soon as it is back
    fetcher.gate.set()
    fetcher.gate = None
    await settle()
    assert fetcher.count(t.key) == 2
    await p.stop()


async def test_host_error_is_shown_not_polled(clock, fetcher) -> None:
    from tui.errors import UserError

    def host(t):
        raise UserError("no endpoint for check in region xx-1; set [profiles.default.endpoints] check")

    fetcher.host = host
    p = make(fetcher, clock)
    t = task("check:a")
    p.add(t)
    await p.start()
    await advance(clock, 30, step=5)
    st = p.status(t.key)
    assert st.snapshot.error.kind is ErrorKind.CONFIG and "endpoints" in st.snapshot.error.message
    assert st.stopped_reason and fetcher.calls == []
    result = await p.sweep([t])
    assert result[t.key].error.kind is ErrorKind.CONFIG
    await p.stop()


# ----- against the simulator (in-process, httpx.ASGITransport, real services.fetch) -------

import httpx  # noqa: E402

from tui.cloud import services  # noqa: E402
from tui.cloud.auth.aksk import AkSkAuth  # noqa: E402
from tui.cloud.auth.base import TokenAuth  # noqa: E402
from tui.cloud.services.build import OutcomeCache  # noqa: E402
from tui.sim import DEMO_PROJECT_ID, DEMO_TOKEN, Simulator  # noqa: E402

SIM_HOSTS = {"check": "http://check.sim.invalid", "build": "http://build.sim.invalid", "dws": "http://dws.sim.invalid"}


class SimFetcher:
    """The real fetch path (services.fetch over one shared client) against an in-process simulator.

    Like tui.cloud.fetcher.Cloud, it keeps its own memory of Build outcome lookups.
    """

    def __init__(self, client: httpx.AsyncClient, clock: FakeClock, auth: httpx.Auth, refresh_ok: bool = True) -> None:
        self.client, self.clock, self.auth, self.refresh_ok = client, clock, auth, refresh_ok
        self.reauths = 0
        self.outcomes = OutcomeCache()

    def host(self, t: WatchedTask) -> str:
        return SIM_HOSTS[t.ref.service.value]

    async def fetch(self, t: WatchedTask) -> Snapshot:
        return await services.fetch(self.client, t.ref, self.host(t), self.clock.now(), auth=self.auth,
                                    outcomes=self.outcomes)

    async def reauthenticate(self, profile: str) -> bool:
        self.reauths += 1
        return self.refresh_ok


@pytest.fixture
async def sim_env(clock):
    sim = Simulator(clock, demo=False)
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=sim))
    yield sim, client
    await client.aclose()


def sim_tasks(sim: Simulator, n: int, service: str = "check") -> list[WatchedTask]:
    states = {"check": {"task_status": 0, "progress": {"ratio": "10%", "info": "running"}},
              "build": {"result": True}, "dws": {"status": "RUNNING", "progress": "9%"}}
    out = []
    for i in range(n):
        ref = f"{service}:{service}{i:04d}" if service != "dws" else f"dws:{DEMO_PROJECT_ID}/job{i:04d}"
        sim.add_task(ref, states[service])
        out.append(task(ref))
    return out


async def test_sim_sweep_keeps_the_in_flight_cap(clock, sim_env) -> None:
    sim, client = sim_env
    tasks = sim_tasks(sim, 60)
    sim.inject("latency", seconds=0.002)  # real time: requests overlap, nothing waits on a schedule
    p = Poller(SimFetcher(client, clock, TokenAuth(DEMO_TOKEN)), PollSettings(max_in_flight=4, rate=0), clock=clock)
    result = await p.sweep(tasks)
    assert len(result) == 60 and all(s.phase is Phase.RUNNING and s.error is None for s in result.values())
    assert sim.stats.requests == 60
    assert 2 <= sim.stats.max_in_flight <= 4


async def test_sim_rate_cap_holds(clock, sim_env) -> None:
    sim, client = sim_env
    tasks = sim_tasks(sim, 30) + sim_tasks(sim, 30, "dws")
    p = Poller(SimFetcher(client, clock, TokenAuth(DEMO_TOKEN)), PollSettings(rate=4), clock=clock, rng=random.Random(2))
    for t in tasks:
        p.add(t)
    await p.start()
    await advance(clock, 12, step=0.05)
    await p.stop()
    for path_part in ("/v2/tasks/", "/job/"):
        times = sorted(e["at"] for e in sim.stats.recent if path_part in e["path"])
        assert len(times) >= 30
        for i, start in enumerate(times):
            assert sum(1 for t in times[i:] if t < start + 1.0 - 1e-6) <= 5


async def test_sim_bad_token_costs_two_requests(clock, sim_env) -> None:
    sim, client = sim_env
    tasks = sim_tasks(sim, 10)
    fetcher = SimFetcher(client, clock, TokenAuth("not-a-valid-token"))
    p = Poller(fetcher, PollSettings(), clock=clock)
    result = await _sweep_with_clock(p, clock, tasks)
    assert sim.stats.requests == 2 and fetcher.reauths == 1
    assert all(s.error is not None and s.error.kind is ErrorKind.AUTH for s in result.values())
    p.refresh()
    await p.start()
    await advance(clock, 600, step=5)
    assert sim.stats.requests == 2
    await p.stop()


async def test_sim_wrong_secret_key_never_locks_the_ak(clock, sim_env) -> None:
    sim, client = sim_env
    sim.add_aksk("AKTEST000000000000", "right-secret-key-000000000000000000000000", DEMO_PROJECT_ID)
    tasks = sim_tasks(sim, 20)
    auth = AkSkAuth("AKTEST000000000000", "wrong-secret-key-000000000000000000000000", project_id=DEMO_PROJECT_ID,
                    region="cn-north-4", iam_endpoint="http://iam.sim.invalid", client=client, clock=clock)
    fetcher = SimFetcher(client, clock, auth, refresh_ok=True)  # even a refresh that claims success
    p = Poller(fetcher, PollSettings(), clock=clock)
    for t in tasks:
        p.add(t)
    await p.start()
    await advance(clock, 900, step=3)
    await p.stop()
    assert sim.stats.requests == 2 and fetcher.reauths == 1
    assert not sim.ak_locked("AKTEST000000000000")
    assert all(p.status(t.key).stopped_reason for t in tasks)


async def test_sim_faults_garbage_gone_throttle(clock, sim_env) -> None:
    sim, client = sim_env
    tasks = sim_tasks(sim, 6)
    garbage, gone, throttled, *fine = tasks
    sim.inject("garbage", ref=garbage.key)
    sim.remove_task(gone.key)
    sim.inject("throttle", ref=throttled.key, count=1, retry_after=30)
    p = Poller(SimFetcher(client, clock, TokenAuth(DEMO_TOKEN)), PollSettings(), clock=clock, rng=random.Random(4))
    for t in tasks:
        p.add(t)
    await p.start()
    await advance(clock, 95, step=0.25)
    await p.stop()
    assert p.status(garbage.key).snapshot.error.kind is ErrorKind.BAD_RESPONSE
    assert p.status(gone.key).snapshot.error.kind is ErrorKind.NOT_FOUND and p.status(gone.key).stopped_reason
    assert sim.stats.count(gone.ref.task_id) == 1
    # the throttled answer held the host for 30 s; afterwards everyone is back on the 10 s cadence
    assert p.status(throttled.key).snapshot.error is None
    for t in fine:
        assert 7 <= sim.stats.count(t.ref.task_id) <= 8
    assert sim.stats.count(garbage.ref.task_id) <= 6


async def test_ten_thousand_tasks_cost_a_few_timers(clock, fetcher) -> None:
    fetcher.default_phase = Phase.SUCCEEDED
    p = make(fetcher, clock, rng=random.Random(9), rate=0)
    before = set(asyncio.all_tasks())
    for i in range(10_000):
        p.add(task(("check:c", "build:b", "dws:p/d")[i % 3] + str(i)))
    await p.start()
    await advance(clock, 30, step=1)
    assert len(fetcher.calls) >= 10_000
    assert clock.sleepers() <= 3  # one per host
    ours = [t for t in asyncio.all_tasks() - before if not t.done()]
    assert len(ours) <= 3 * (1 + 2 + 8)  # per host: scheduler, its sleep and wake waiters, workers
    await p.stop()


async def test_profile_stop_tells_the_others_it_is_not_their_own_error(clock, fetcher) -> None:
    culprit, *others = [task(f"check:p{i}", profile="work") for i in range(4)]
    for t in [culprit, *others]:
        fetcher.scripts[t.key] = lambda tk, n: ApiError(TaskError(ErrorKind.AUTH, "token expired", "APIG.0301", 401, "req-1"))
    fetcher.reauth_ok = False
    updates: list[Update] = []
    p = make(fetcher, clock, updates=updates)
    for t in [culprit, *others]:
        p.add(t)
    await p.start()
    await advance(clock, 20, step=0.25)
    assert len(fetcher.calls) == 1
    refused = fetcher.calls[0][0]
    assert p.profile_error("work").request_id == "req-1"
    first_auth = next(u for u in updates if u.snapshot.error is not None)
    assert first_auth.key == refused  # the culprit's own answer is delivered first
    for t in [culprit, *others]:
        st = p.status(t.key)
        assert st.stopped_reason == "profile work: credentials rejected (token expired); polling stopped"
        e = st.snapshot.error
        assert e.kind is ErrorKind.AUTH
        if t.key == refused:
            assert (e.http_status, e.request_id, e.code) == (401, "req-1", "APIG.0301")
        else:
            assert e.message == "stopped: profile work's credentials were rejected"
            assert (e.http_status, e.request_id, e.code) == (None, None, None)
    await p.stop()


async def test_extra_requests_of_a_poll_pay_from_the_host_rate_limit(clock, fetcher) -> None:
    from tui.poll.rate_limit import current_scope, pay_for_extra_request

    sent: list[float] = []
    profiles: set[str | None] = set()

    async def fetch_three(t: WatchedTask) -> Snapshot:  # like an idle Build job: status + two lookups
        sent.append(clock.monotonic())
        for _ in range(2):
            await pay_for_extra_request()
            sent.append(clock.monotonic())
        profiles.add(current_scope().profile)
        return fetcher.snap(t, Phase.RUNNING)

    fetcher.fetch = fetch_three
    p = make(fetcher, clock, rate=2, interval=2)
    for i in range(3):
        p.add(task(f"check:x{i}", profile=f"prof{i}"))
    await p.start()
    await advance(clock, 20, step=0.05)
    assert len(sent) >= 30
    assert all(b - a >= 0.5 - 1e-3 for a, b in zip(sent, sent[1:], strict=False))  # 2/s, extras included
    assert profiles == {"prof0", "prof1", "prof2"}
    await p.stop()
