"""Which changes notify: `on`, mute, quiet hours on a fake clock, and one notification per burst."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tui.clock import FakeClock
from tui.config.notify_config import QuietHours
from tui.model import Change, Phase, TaskRef, WatchedTask
from tui.notify.policy import Coalescer, Policy, Verdict

REF = TaskRef.parse("check:abc")
TASK = WatchedTask(REF, "nightly scan")


def at_utc(hh: int, mm: int = 0) -> FakeClock:
    return FakeClock(datetime(2026, 3, 1, hh, mm, tzinfo=UTC).timestamp())


def change(to: Phase, frm: Phase = Phase.RUNNING, **kw) -> Change:
    return Change(REF, frm, to, datetime(2026, 3, 1, tzinfo=UTC), kw.pop("major", True), **kw)


def test_on_lists_the_phases_that_notify():
    policy = Policy(on=(Phase.FAILED,), clock=at_utc(12), tz=UTC)
    assert policy.verdict(TASK, change(Phase.FAILED)) is Verdict.SEND
    assert policy.verdict(TASK, change(Phase.SUCCEEDED)) is Verdict.DROP
    assert policy.verdict(TASK, change(Phase.SUCCEEDED), on=(Phase.SUCCEEDED,)) is Verdict.SEND


def test_muted_minor_and_while_closed_changes_never_notify():
    policy = Policy(clock=at_utc(12), tz=UTC)
    muted = WatchedTask(REF, "x", muted=True)
    assert policy.verdict(muted, change(Phase.FAILED)) is Verdict.DROP
    assert policy.verdict(TASK, change(Phase.FAILED, major=False)) is Verdict.DROP
    assert policy.verdict(TASK, change(Phase.FAILED, while_closed=True)) is Verdict.DROP


@pytest.mark.parametrize("hh, mm, quiet", [
    (21, 59, False), (22, 0, True), (23, 30, True), (0, 0, True), (6, 59, True), (7, 0, False), (12, 0, False),
])
def test_quiet_hours_across_midnight_hold_all_but_failures(hh, mm, quiet):
    policy = Policy(quiet=QuietHours.parse("22:00-07:00"), clock=at_utc(hh, mm), tz=UTC)
    assert policy.is_quiet() is quiet
    assert policy.verdict(TASK, change(Phase.SUCCEEDED)) is (Verdict.HOLD if quiet else Verdict.SEND)
    assert policy.verdict(TASK, change(Phase.FAILED)) is Verdict.SEND


def test_quiet_hours_within_a_day_and_when_they_end():
    policy = Policy(quiet=QuietHours.parse("12:30-14:00"), clock=at_utc(13, 0), tz=UTC)
    assert policy.is_quiet() and policy.quiet_ends_in() == 3600
    policy.clock.advance(3600)
    assert not policy.is_quiet() and policy.quiet_ends_in() == 0


def test_quiet_hours_follow_the_local_time_zone():
    from datetime import timezone

    plus8 = timezone(timedelta(hours=8))
    policy = Policy(quiet=QuietHours.parse("22:00-07:00"), clock=at_utc(15), tz=plus8)   # 23:00 in UTC+8
    assert policy.is_quiet()


@pytest.mark.parametrize("text", ["22:00", "25:00-07:00", "22:00-07:60", "10:00-10:00", "late"])
def test_bad_quiet_spans_are_refused(text):
    with pytest.raises(ValueError):
        QuietHours.parse(text)


def test_a_burst_keeps_each_tasks_changes_and_opens_once():
    c = Coalescer(window=2.0)
    snap = object()
    assert c.add("a", TASK, snap, change(Phase.FAILED), now=0.0) is True
    assert c.add("a", TASK, snap, change(Phase.RUNNING, Phase.FAILED), now=0.5) is False
    assert c.add("b", None, snap, change(Phase.SUCCEEDED), now=1.0) is False
    assert not c.due(1.9) and c.due(2.0)
    items = c.take()
    assert [i.key for i in items] == ["a", "b"]
    latest = items[0].latest(lambda ch: ch.to_phase in (Phase.FAILED, Phase.SUCCEEDED))
    assert latest is not None and latest[1].to_phase is Phase.FAILED
    assert c.take() == [] and c.add("a", TASK, snap, change(Phase.FAILED), now=5.0) is True
