"""Review of the packed run book: what the Run-tuple book did that the packed one must keep doing."""

from __future__ import annotations

import copy
import pickle
from datetime import UTC, datetime, timedelta

from tui.cloud.services import dws
from tui.facts import facts_for
from tui.model import Change, Phase, Snapshot, TaskRef, WatchedTask
from tui.outcome import Run
from tui.runs import RunBook, advance

REF = TaskRef.parse("dws:proj/job1")
NOW = datetime(2026, 3, 1, 8, tzinfo=UTC)


def test_a_service_start_at_the_edge_of_the_calendar_does_not_make_every_read_of_the_book_raise() -> None:
    """DWS says when a job began in its own zone; year 1 east of UTC is before datetime.min in UTC.

    The Run-tuple book held the datetime as given (the table and `list --json` went on); packed, the
    start came back as OverflowError from book.runs / book.last / repr, i.e. from facts_for on every row.
    """
    data = {"begin_time": "0001-01-01T00:00:00+08:00", "end_time": "2026-03-01T07:59:00Z"}
    started, _ = dws.facts(Phase.RUNNING, data, NOW)
    running = Snapshot(REF, Phase.RUNNING, fetched_at=NOW - timedelta(minutes=5), started_at=started)
    book = advance(None, running, [Change(REF, Phase.IDLE, Phase.RUNNING, NOW - timedelta(minutes=5), True)])
    started, outcome = dws.facts(Phase.SUCCEEDED, data, NOW)
    done = Snapshot(REF, Phase.SUCCEEDED, fetched_at=NOW, started_at=started, outcome=outcome)
    book = advance(book, done, [Change(REF, Phase.RUNNING, Phase.SUCCEEDED, NOW, True)])
    assert book.count == 1
    assert book.last is not None and book.runs[0].phase is Phase.SUCCEEDED
    repr(book)
    facts = facts_for(WatchedTask(REF), done, [], book, NOW, links={}, region=None, project_id=None,
                      with_url=False)
    assert len(facts.runs) == 1


def test_a_start_beyond_the_calendar_in_utc_is_not_kept_as_a_time_no_read_can_give_back() -> None:
    from datetime import timezone

    low = datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=8)))
    high = datetime(9999, 12, 31, 23, tzinfo=timezone(timedelta(hours=-8)))
    book = RunBook(None, [Run(Phase.SUCCEEDED, 1.0, low), Run(Phase.FAILED, 2.0, high)])
    assert [(r.phase, r.duration_s) for r in book.runs] == [(Phase.SUCCEEDED, 1.0), (Phase.FAILED, 2.0)]


def test_a_book_copies_and_pickles_as_the_frozen_dataclass_did() -> None:
    book = RunBook(NOW, [Run(Phase.SUCCEEDED, 5.0, NOW, "3"), Run(Phase.FAILED)])
    assert copy.copy(book) == book
    assert copy.deepcopy(book) == book
    assert pickle.loads(pickle.dumps(book)) == book
    assert copy.deepcopy({"k": (book,)})["k"][0] == book  # e.g. a deep copy of a TaskState-holding dict
