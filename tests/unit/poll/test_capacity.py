"""When the caps cannot keep the interval: the effective interval and what to change, said once; polls stay fair."""

from __future__ import annotations

from collections import Counter

from tests.unit.poll.test_poller import FakeFetcher, advance, task
from tui.clock import FakeClock
from tui.model import Phase, TaskRef, WatchedTask
from tui.poll.capacity import CadenceWatch, shortfalls
from tui.poll.poller import Poller, PollSettings


def test_the_rate_cap_that_cannot_keep_the_interval_says_by_how_much_and_what_to_change():
    settings = PollSettings(interval=10, rate=20, max_in_flight=8)
    (slow,) = shortfalls({"codearts.example": [10.0] * 340}, settings)  # 34 requests/s wanted, 20 allowed
    assert slow.cause == "rate" and round(slow.effective) == 17 and slow.tasks == 340
    line = slow.line()
    assert "every 17 s, not every 10 s" in line and "raise rate to 34" in line and "interval to 17" in line
    assert shortfalls({"codearts.example": [10.0] * 200}, settings) == []  # exactly 20/s: it keeps up


def test_latency_and_max_in_flight_can_be_the_limit():
    settings = PollSettings(interval=10, rate=1000, max_in_flight=8)
    # 400 tasks every 10 s at 0.5 s a request: 8 slots give 16 requests/s, 40 are wanted.
    (slow,) = shortfalls({"dws.example": [10.0] * 400}, settings, {"dws.example": 0.5})
    assert slow.cause == "max_in_flight" and "raise max_in_flight to 20" in slow.line()
    assert round(slow.effective) == 25


def test_finished_and_paused_tasks_ask_for_less_and_each_host_is_said_once():
    settings = PollSettings(interval=10, finished_interval=60, rate=20)
    watch = CadenceWatch(settings, lambda t: "h.example")
    for i in range(300):
        watch.note_task(WatchedTask(TaskRef.parse(f"check:run{i:04d}")), Phase.RUNNING)
    lines = watch.check(0.0)
    assert len(lines) == 1 and "300 tasks on h.example" in lines[0]
    assert watch.note_text == "every 15s"
    assert watch.check(60.0) == [], "said once"
    for i in range(200):  # most finish: 100 running (10/s) + 200 finished (3.3/s) fit in 20/s
        watch.note_result(f"check:run{i:04d}", Phase.SUCCEEDED)
    watch.check(90.0)
    assert watch.current == [] and watch.note_text == ""
    paused = WatchedTask(TaskRef.parse("check:paused0"), paused=True)
    watch.note_task(paused, Phase.RUNNING)
    assert "check:paused0" not in watch.cadences


async def test_an_overloaded_host_polls_every_task_equally_often():
    clock = FakeClock()
    fetcher = FakeFetcher(clock)
    poller = Poller(fetcher, PollSettings(interval=10, rate=2, max_in_flight=4), clock=clock)
    tasks = [task(f"check:fair{i:04d}") for i in range(40)]  # 4/s wanted, 2/s allowed
    for t in tasks:
        poller.add(t)
    await poller.start()
    try:
        await advance(clock, 400, step=0.25)  # finer than 1/rate: the fake clock never holds a token back
    finally:
        await poller.stop()
    counts = Counter(k for k, _ in fetcher.calls)
    assert set(counts) == {t.key for t in tasks}, "no task starves"
    assert max(counts.values()) - min(counts.values()) <= 1
    assert 19 <= min(counts.values()) <= 21  # every 20 s: 400 s / (40 tasks / 2 per s)
