"""The ETA maths on a fake clock: steady, stalled and jumping progress, no history, usual durations, stuck."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tui.clock import FakeClock
from tui.eta import Eta, estimate, progress_samples, usual_duration
from tui.model import Change, Phase, TaskRef
from tui.outcome import Run

REF = TaskRef.parse("check:abc")


def runs(*minutes: float, phase: Phase = Phase.SUCCEEDED) -> list[Run]:
    clock = FakeClock()
    return [Run(phase, m * 60, clock.now() - timedelta(hours=i + 1)) for i, m in enumerate(minutes)]


def sampled(clock: FakeClock, percents: list[float], every: float = 60.0) -> tuple[list, object]:
    """Advance the clock `every` seconds per percent; the (time, percent) samples and the run's start."""
    start = clock.now()
    out = []
    for p in percents:
        clock.advance(every)
        out.append((clock.now(), p))
    return out, start


def test_no_history_and_no_progress_is_unknown():
    clock = FakeClock()
    assert estimate(clock.now(), Phase.RUNNING, progress=None, since=None) is None
    assert estimate(clock.now(), Phase.SUCCEEDED, progress=None, since=None) is None


def test_no_history_but_elapsed_known_says_only_elapsed():
    clock = FakeClock()
    start = clock.now()
    clock.advance(300)
    eta = estimate(clock.now(), Phase.RUNNING, progress=None, since=start)
    assert eta == Eta(elapsed_s=300.0, elapsed_from="first_seen")
    assert eta.compact() == ""  # nothing to say in the narrow column: no invented number


def test_usual_is_the_median_of_the_last_five_successes():
    assert usual_duration(runs(10, 12, 11, 30, 9, 100, 100)) == 11 * 60  # the last five: 10, 12, 11, 30, 9
    assert usual_duration(runs(5, phase=Phase.FAILED)) is None  # failures do not count
    assert usual_duration([]) is None


def test_without_progress_remaining_is_usual_minus_elapsed_then_overdue():
    clock = FakeClock()
    start = clock.now()
    clock.advance(4 * 60)
    eta = estimate(clock.now(), Phase.RUNNING, progress=None, since=start, runs=runs(12, 12, 12))
    assert (eta.usual_s, eta.remaining_s, eta.overdue_s, eta.stuck) == (720, 480, None, False)
    assert eta.compact() == "~8m left"
    clock.advance(11 * 60)  # 15 min: 3 past the usual 12
    eta = estimate(clock.now(), Phase.RUNNING, progress=None, since=start, runs=runs(12, 12, 12))
    assert (eta.remaining_s, eta.overdue_s, eta.stuck) == (None, 180, False)
    assert eta.compact() == "overdue 3m"
    clock.advance(20 * 60)  # 35 min: past max(2 x 12, 12 + 10) = 24
    eta = estimate(clock.now(), Phase.RUNNING, progress=None, since=start, runs=runs(12, 12, 12))
    assert eta.stuck and eta.compact() == "stuck? 35m"


def test_steady_progress_gives_the_straight_line_remaining_time():
    clock = FakeClock()
    samples, start = sampled(clock, [10, 20, 30, 40])  # 10% a minute
    eta = estimate(clock.now(), Phase.RUNNING, progress=40, since=start, samples=samples, from_zero=True)
    assert eta.remaining_s == pytest.approx(360)
    assert eta.compact() == "~6m left"


def test_steady_progress_blends_with_the_usual_duration_by_how_far_it_is():
    clock = FakeClock()
    samples, start = sampled(clock, [10, 20, 30, 40])
    eta = estimate(clock.now(), Phase.RUNNING, progress=40, since=start, samples=samples, from_zero=True,
                   runs=runs(20, 20, 20))
    # 40% weight on the slope's 6 min, 60% on usual − elapsed = 16 min.
    assert eta.remaining_s == pytest.approx(0.4 * 360 + 0.6 * 960)


def test_a_jump_in_the_percent_does_not_throw_the_estimate():
    clock = FakeClock()
    samples, start = sampled(clock, [10, 20, 30, 40, 90, 91])
    eta = estimate(clock.now(), Phase.RUNNING, progress=91, since=start, samples=samples, from_zero=True)
    naive = (100 - 91) / ((91 - 40) / 60)  # the last step alone would say about 11 s
    assert eta.remaining_s is not None and eta.remaining_s > 3 * naive
    assert eta.remaining_s < 10 * 60


def test_a_stalled_percent_slows_the_estimate_and_then_flags_stuck():
    clock = FakeClock()
    samples, start = sampled(clock, [10, 20, 30, 40])
    before = estimate(clock.now(), Phase.RUNNING, progress=40, since=start, samples=samples, from_zero=True)
    clock.advance(10 * 60)  # no progress for ten minutes
    stalled = estimate(clock.now(), Phase.RUNNING, progress=40, since=start, samples=samples, from_zero=True)
    assert stalled.remaining_s is not None and before.remaining_s is not None
    assert stalled.remaining_s > 2 * before.remaining_s and not stalled.stuck
    clock.advance(25 * 60)  # 35 min at 40%: past the 30-minute stall rule
    stuck = estimate(clock.now(), Phase.RUNNING, progress=40, since=start, samples=samples, from_zero=True)
    assert stuck.stuck and stuck.compact().startswith("stuck?")


def test_progress_seen_mid_run_is_not_assumed_to_start_at_zero():
    clock = FakeClock()
    first_seen = clock.now()
    samples = [(first_seen, 80.0)]
    clock.advance(60)
    eta = estimate(clock.now(), Phase.RUNNING, progress=82, since=first_seen, samples=samples)
    assert eta.remaining_s == pytest.approx(18 / 2 * 60)  # 2% a minute from what was seen, not 82% a minute


def test_samples_come_from_the_current_runs_changes():
    clock = FakeClock()
    old = Change(REF, Phase.SUCCEEDED, Phase.RUNNING, clock.now(), True, 5.0)
    clock.advance(600)
    start = clock.now()
    new = Change(REF, Phase.RUNNING, Phase.RUNNING, clock.now() + timedelta(seconds=30), False, 12.0)
    assert progress_samples([old, new], start) == [(new.at, 12.0)]


def test_json_shape():
    assert Eta(10.0, 20.0, 10.0, None, False, "service").to_json() == {
        "elapsed_s": 10.0, "usual_s": 20.0, "remaining_s": 10.0, "overdue_s": None, "possibly_stuck": False,
        "elapsed_from": "service"}


def test_the_estimate_of_one_fetch_only_counts_down_however_late_it_is_drawn():
    """The table draws a row when its batch flushes, any time after the fetch: the figure must not depend on it."""
    from tui.facts import facts_for
    from tui.model import Snapshot, WatchedTask

    clock = FakeClock()
    samples, start = sampled(clock, [10, 20, 30, 40])  # 10% a minute: 6 min left at the last fetch
    history = [Change(REF, Phase.RUNNING, Phase.RUNNING, at, False, progress=p) for at, p in samples]
    snap = Snapshot(REF, Phase.RUNNING, progress=40, fetched_at=clock.now(), started_at=start)

    def left(later: float) -> float | None:
        facts = facts_for(WatchedTask(REF), snap, history, None, clock.now() + timedelta(seconds=later),
                          links={}, region=None, project_id=None, with_url=False)
        return facts.eta.remaining_s if facts.eta is not None else None

    assert left(0) == pytest.approx(360)
    assert left(5) == pytest.approx(355)    # drawn 5 s after the fetch: 5 s less, not a slower slope
    assert left(30) == pytest.approx(330)
