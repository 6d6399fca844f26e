"""The packed change history (tui.history): what goes in comes out equal, capped, in order, cut and read fast."""

from __future__ import annotations

import math
import random
import threading
from datetime import UTC, datetime, timedelta, timezone

import pytest

from tui.app.formatting import last_change_at, run_span
from tui.eta import progress_samples
from tui.history import EMPTY, ChangeLog, Changes
from tui.model import Change, Phase, TaskRef

REF = TaskRef.parse("check:2b31ed520ebedb6e57")
T0 = datetime(2026, 1, 31, 9, 30, 15, 123456, tzinfo=UTC)
PHASES = list(Phase)


def varied(n: int, seed: int = 1, start: datetime = T0) -> list[Change]:
    """n changes with every kind of value: all phases, majors that agree or not, no progress, repeats."""
    rng = random.Random(seed)
    out = []
    at = start
    for i in range(n):
        at += timedelta(microseconds=rng.choice([0, 1, 999_999, 60_000_000, 3_600_000_123]))
        f, t = rng.choice(PHASES), rng.choice(PHASES)
        progress = rng.choice([None, 0.0, 37.5, 100.0, float(i), 1 / 3])
        out.append(Change(REF, f, t, at, rng.random() < 0.5, progress, rng.choice(["", "scanning", f"step {i}", "ü ✓"]),
                          rng.random() < 0.2))
    return out


def test_a_log_gives_back_changes_equal_to_the_ones_appended() -> None:
    hist = varied(50)
    log = ChangeLog(200, hist)
    assert list(log) == hist and log == hist and hist == log
    assert len(log) == 50 and log[0] == hist[0] and log[-1] == hist[-1] and log[17] == hist[17]
    got = log[-1]
    assert isinstance(got, Change) and got.ref == REF and got.at.tzinfo is UTC
    assert [c.describe() for c in log] == [c.describe() for c in hist]
    assert [c.to_json() for c in log] == [c.to_json() for c in hist]
    assert list(reversed(log.view())) == hist[::-1]
    assert hist[3] in log.view() and log.view().index(hist[3]) == hist.index(hist[3])


def test_a_log_keeps_the_newest_cap_changes_in_order() -> None:
    hist = varied(500)
    for cap in (1, 3, 20, 200):
        log = ChangeLog(cap)
        for i, change in enumerate(hist):
            log.append(change)
            assert list(log) == hist[max(0, i + 1 - cap):i + 1]  # across every compaction
        assert log.total == 500 and len(log) == cap


def test_indexing_and_slicing_behave_like_a_list() -> None:
    hist = varied(30)
    log = ChangeLog(20, hist)
    kept = hist[-20:]
    for i in range(-20, 20):
        assert log[i] == kept[i]
    for a, b in [(None, None), (-5, None), (None, 3), (2, 7), (7, 2), (-3, -1), (0, 100), (-100, 5)]:
        cut = log[a:b]
        assert isinstance(cut, Changes) and list(cut) == kept[a:b] and len(cut) == len(kept[a:b])
    assert list(log[3:9][1:4]) == kept[3:9][1:4]
    with pytest.raises(IndexError):
        log[20]
    with pytest.raises(IndexError):
        log[-21]
    with pytest.raises(IndexError):
        EMPTY[0]
    assert EMPTY == [] and not EMPTY and list(ChangeLog(5)) == []


def test_a_view_does_not_change_when_the_log_goes_on() -> None:
    hist = varied(300)
    log = ChangeLog(10, hist[:10])
    view = log.view()
    before = list(view)
    log.extend(hist[10:])  # dropped past the view many times over, compacted many times
    assert list(view) == before and list(log) == hist[-10:]


def test_odd_values_come_back_exactly_as_given() -> None:
    plus8 = timezone(timedelta(hours=8))
    odd = [
        Change(REF, Phase.RUNNING, Phase.RUNNING, T0.astimezone(plus8), False, 5, "int progress"),
        Change(REF, Phase.RUNNING, Phase.RUNNING, T0.replace(tzinfo=None) + timedelta(seconds=1), False, math.nan),
        Change(TaskRef.parse("build:other"), Phase.RUNNING, Phase.FAILED, T0 + timedelta(seconds=2), True),
        Change(REF, Phase.RUNNING, Phase.FAILED, T0 + timedelta(seconds=3), 1, None, "", 0),  # type: ignore[arg-type]
    ]
    log = ChangeLog(10, odd)
    got = list(log)
    assert [repr(c) for c in got] == [repr(c) for c in odd]
    assert got[0].at.utcoffset() == timedelta(hours=8) and got[0].progress.__class__ is int
    assert got[1].at.tzinfo is None and math.isnan(got[1].progress)
    assert got[2].ref == TaskRef.parse("build:other")


def test_the_row_reads_agree_with_the_general_functions() -> None:
    """last change time, run span and ETA samples read from the packed log as from a list of changes."""
    for seed in range(40):
        hist = varied(60, seed)
        if seed % 4 == 0:  # a time that goes back: the slow (sorting) path
            hist[30] = Change(**{**hist[30].__dict__, "at": hist[0].at - timedelta(days=1)})
        log = ChangeLog(25 if seed % 3 else 200, hist)
        kept = hist[-len(log):]
        view = log.view()
        assert last_change_at(view) == last_change_at(kept)
        assert run_span(view) == run_span(kept)
        for since in (None, kept[0].at, kept[len(kept) // 2].at, kept[-1].at + timedelta(seconds=1)):
            assert progress_samples(view, since) == progress_samples(kept, since)
    assert last_change_at(EMPTY) is None and run_span(EMPTY) == (None, None)


def test_run_span_reads_from_the_newest_run() -> None:
    def ch(f: Phase, t: Phase, minutes: int) -> Change:
        return Change(REF, f, t, T0 + timedelta(minutes=minutes), f is not t)

    hist = [ch(Phase.PENDING, Phase.RUNNING, 0), ch(Phase.RUNNING, Phase.SUCCEEDED, 5),
            ch(Phase.SUCCEEDED, Phase.RUNNING, 10), ch(Phase.RUNNING, Phase.RUNNING, 11)]
    assert ChangeLog(10, hist).view().run_span() == (T0 + timedelta(minutes=10), None)
    hist.append(ch(Phase.RUNNING, Phase.FAILED, 15))
    hist.append(ch(Phase.FAILED, Phase.STOPPED, 16))  # a second finish after it does not move the end
    assert ChangeLog(10, hist).view().run_span() == (T0 + timedelta(minutes=10), T0 + timedelta(minutes=15))
    assert ChangeLog(2, hist).view().run_span() == (None, None)  # the start dropped out of the cap


def test_of_shares_a_log_with_the_same_cap_and_copies_anything_else() -> None:
    log = ChangeLog(20, varied(5))
    assert ChangeLog.of(log, 20) is log
    other = ChangeLog.of(log, 3)
    assert other is not log and list(other) == list(log)[-3:]
    fresh = ChangeLog.of(varied(4), 20)
    assert list(fresh) == varied(4)


def test_a_view_read_in_another_thread_while_appending_is_always_whole() -> None:
    hist = [Change(REF, Phase.RUNNING, Phase.RUNNING, T0 + timedelta(seconds=i), False, float(i % 100), f"tick {i}")
            for i in range(2000)]  # all different: a change's place tells where the view starts
    log = ChangeLog(50, hist[:50])
    bad: list[str] = []
    done = threading.Event()

    def read() -> None:
        while not done.is_set():
            view = log.view()
            got = list(view)
            start = hist.index(got[0])
            if got != hist[start:start + len(got)] or len(got) != 50:
                bad.append(f"torn view at {start}")

    reader = threading.Thread(target=read)
    reader.start()
    for change in hist[50:]:
        log.append(change)
    done.set()
    reader.join()
    assert bad == []
