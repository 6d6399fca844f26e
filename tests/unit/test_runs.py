"""A task's run book holds its runs packed and gives back the same runs: what the ETA and the history pane read."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from tui.model import Change, Phase, Snapshot, TaskRef
from tui.outcome import Run
from tui.runs import KEEP, RunBook, advance

REF = TaskRef.parse("build:job1")
T0 = datetime(2026, 3, 1, 8, 0, 0, 123456, tzinfo=UTC)


def test_every_field_of_a_run_comes_back_as_given() -> None:
    runs = (Run(Phase.SUCCEEDED, 600.25, T0, "117"), Run(Phase.FAILED), Run(Phase.STOPPED, 0.0, None, None),
            Run(Phase.UNKNOWN, None, T0 + timedelta(microseconds=1), "#9"))
    book = RunBook(T0, runs)
    assert book.runs == runs and book.since == T0 and book.count == 4 and book.last == runs[-1]
    assert book == RunBook(T0, list(runs)) and hash(book) == hash(RunBook(T0, runs))
    assert book != RunBook(None, runs) and book != RunBook(T0, runs[:3])


def test_a_start_in_another_zone_is_the_same_instant_in_utc() -> None:
    east = T0.astimezone(timezone(timedelta(hours=8)))
    (run,) = RunBook(None, [Run(Phase.SUCCEEDED, 1.0, east)]).runs
    assert run.started_at == east and run.started_at.tzinfo is UTC
    (naive,) = RunBook(None, [Run(Phase.SUCCEEDED, 1.0, T0.replace(tzinfo=None))]).runs
    assert naive.started_at == T0  # a naive time is taken as UTC, as the state file always has


def test_an_empty_book_that_knows_when_the_run_began_is_not_empty() -> None:
    book = RunBook(T0)
    assert book and not book.empty and book.count == 0 and book.last is None and book.runs == ()
    assert RunBook().empty


def test_a_book_cannot_be_changed_in_place() -> None:
    with pytest.raises(AttributeError):
        RunBook().since = T0  # type: ignore[misc]


def test_a_book_keeps_the_newest_runs_with_their_numbers() -> None:
    book = RunBook()
    running = Snapshot(REF, Phase.RUNNING, fetched_at=T0)
    for i in range(KEEP + 5):
        start = T0 + timedelta(hours=i)
        end = start + timedelta(minutes=10 + i)
        book = advance(book, running, [Change(REF, Phase.IDLE, Phase.RUNNING, start, True)])
        assert book.since == start
        book = advance(book, Snapshot(REF, Phase.SUCCEEDED, fetched_at=end),
                       [Change(REF, Phase.RUNNING, Phase.SUCCEEDED, end, True)])
    assert book.count == KEEP and book.since is None
    assert [r.duration_s for r in book.runs] == [60.0 * (10 + i) for i in range(5, KEEP + 5)]
    assert book.runs[0].started_at == T0 + timedelta(hours=5)


def test_a_poll_that_ends_no_run_keeps_the_same_book() -> None:
    book = RunBook(T0, [Run(Phase.SUCCEEDED, 5.0, T0 - timedelta(hours=1))])
    assert advance(book, Snapshot(REF, Phase.RUNNING, fetched_at=T0 + timedelta(seconds=10)), []) is book


def test_a_run_written_by_a_later_version_with_more_values_still_loads() -> None:
    from tui.store.state_format import Codes, decode_runs

    book = decode_runs([None, [[2, 5, 1000, "7", "a value this version does not know"]]], Codes(), {})
    assert book.runs == (Run(Phase.SUCCEEDED, 5.0, datetime(2020, 1, 1, 0, 0, 0, 1000, tzinfo=UTC), "7"),)


def test_an_endless_duration_is_not_known() -> None:
    """An Infinity in a hand-edited state file made the history pane's "took" raise OverflowError."""
    (run,) = RunBook(None, [Run(Phase.SUCCEEDED, float("inf"), T0)]).runs
    assert run.duration_s is None


def _facts(book: RunBook, snap: Snapshot, with_runs: bool) -> Any:
    from tui.facts import facts_for
    from tui.model import WatchedTask

    return facts_for(WatchedTask(snap.ref), snap, (), book, snap.fetched_at + timedelta(minutes=3), links={},
                     region=None, project_id=None, with_url=False, with_runs=with_runs)


def test_a_row_s_usual_time_is_the_same_without_making_the_runs() -> None:
    # Two runs in one start minute, one run with no start, failures: the usual time the row shows
    # (from the book's cached figure) is the one the detail pane shows (from every run, merged).
    runs = [Run(Phase.SUCCEEDED, 600.0, T0), Run(Phase.SUCCEEDED, 900.0, T0 + timedelta(seconds=20)),
            Run(Phase.FAILED, 30.0, T0 + timedelta(hours=1)), Run(Phase.SUCCEEDED, 700.0, None),
            *(Run(Phase.SUCCEEDED, 60.0 * (10 + i), T0 + timedelta(hours=2 + i)) for i in range(3))]
    book = RunBook(None, runs)
    for phase in (Phase.RUNNING, Phase.SUCCEEDED):
        snap = Snapshot(REF, phase, 40.0 if phase is Phase.RUNNING else None, "", "1", {},
                        T0 + timedelta(days=1), T0 + timedelta(days=1))
        row, detail = _facts(book, snap, False), _facts(book, snap, True)
        assert row.eta == detail.eta and row.eta is not None and row.eta.usual_s == 700.0
        assert row.runs == () and len(detail.runs) == len(runs)
    assert RunBook(None, [Run(Phase.FAILED, 5.0, T0)]).usual_s is None and RunBook().usual_s is None


def test_a_row_with_the_service_s_runs_takes_its_usual_time_from_both() -> None:
    book = RunBook(None, [Run(Phase.SUCCEEDED, 60.0, T0, "1")])
    theirs = tuple(Run(Phase.SUCCEEDED, 600.0, T0 + timedelta(hours=h), str(h + 2)) for h in range(3))
    snap = Snapshot(REF, Phase.SUCCEEDED, None, "", "1", {}, T0 + timedelta(days=1), T0 + timedelta(days=1),
                    runs=theirs)
    assert _facts(book, snap, False).eta == _facts(book, snap, True).eta
    assert _facts(book, snap, False).eta.usual_s == 600.0 and book.usual_s == 60.0
