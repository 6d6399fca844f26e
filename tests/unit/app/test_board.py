"""The Board without a screen: visible rows for a filter, order per sort, unseen markers, batching, header facts."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

import pytest

from tui.app.board import OFFLINE_AFTER, Board, Header
from tui.app.formatting import MARK_CLOSED, MARK_NEW, SORTS
from tui.clock import FakeClock
from tui.config.settings import NotifySettings
from tui.model import Change, ErrorKind, Phase, Snapshot, TaskError, TaskRef, WatchedTask
from tui.poll.interface import TaskStatus, Update

BUILD = "build:0a1b2c3d4e5f"
CHECK = "check:7f3c2a91d4e84b6c9a0f5e1d2c3b4a59"
DWS = "dws:05f2cff45100d5112f4bc00b794ea08e/2c9080e8845b207101845b245e1e0001"


@dataclass
class FakeRuntime:
    """What the Board reads from a Runtime: the tasks, the poller's status of each, the clock."""

    clock: FakeClock = field(default_factory=FakeClock)
    statuses: dict[str, TaskStatus] = field(default_factory=dict)
    last_sweep_at: datetime | None = None
    auth_problems: dict[str, str] = field(default_factory=dict)
    demo: bool = False

    def add(self, ref: str, name: str, phase: Phase | None = Phase.RUNNING, *, progress: float | None = None,
            message: str = "", history: list[Change] | None = None, paused: bool = False) -> WatchedTask:
        task = WatchedTask(TaskRef.parse(ref), name)
        snapshot = Snapshot(task.ref, phase, progress, message, fetched_at=self.clock.now()) if phase else None
        self.statuses[task.key] = TaskStatus(task, snapshot, history or [], None, paused, None)
        return task

    def set(self, key: str, **changes) -> TaskStatus:
        status = self.statuses[key]
        snapshot = replace(status.snapshot or Snapshot(status.task.ref), **changes)
        self.statuses[key] = replace(status, snapshot=snapshot)
        return self.statuses[key]

    def tasks(self) -> list[WatchedTask]:
        return [s.task for s in self.statuses.values()]

    def status(self, key: str) -> TaskStatus | None:
        return self.statuses.get(key)


def change(key: str, to: Phase, at: datetime, *, major: bool = True, closed: bool = False,
           frm: Phase = Phase.RUNNING) -> Change:
    return Change(TaskRef.parse(key), frm, to, at, major, while_closed=closed)


def update(rt: FakeRuntime, key: str, changes: list[Change] | None = None) -> Update:
    status = rt.statuses[key]
    assert status.snapshot is not None
    return Update(key, status.snapshot, changes or [], None)


@pytest.fixture
def rt() -> FakeRuntime:
    rt = FakeRuntime()
    rt.add(CHECK, "payments scan", Phase.RUNNING, progress=40)
    rt.add(BUILD, "api build", Phase.FAILED, message="step 3 failed")
    rt.add(DWS, "dws-prod create", Phase.SUCCEEDED)
    return rt


@pytest.fixture
def board(rt) -> Board:
    board = Board(rt)
    board.rebuild()
    board.take_batch()
    return board


def keys(board: Board) -> list[str]:
    return [r.key for r in board.visible_rows()]


# ----- filter and sort -------------------------------------------------------------------------


def test_filter_matches_name_id_and_status(board):
    board.set_filter("scan")
    assert keys(board) == [CHECK]
    board.set_filter("  FAILED ")  # case and surrounding blanks do not matter
    assert keys(board) == [BUILD]
    board.set_filter("05f2cff4")  # part of the id
    assert keys(board) == [DWS]
    board.set_filter("nothing like it")
    assert keys(board) == []
    board.set_filter("")
    assert len(keys(board)) == 3


def test_filter_matches_paused_and_the_error_kind(rt, board):
    rt.statuses[CHECK] = replace(rt.statuses[CHECK], paused=True)
    rt.set(BUILD, error=TaskError(ErrorKind.NETWORK, "connection reset"))
    board.rebuild()
    board.set_filter("paused")
    assert keys(board) == [CHECK]
    board.set_filter("network")
    assert keys(board) == [BUILD]


def test_each_sort_order(rt, board):
    now = rt.clock.now()
    rt.statuses[DWS] = replace(rt.statuses[DWS], history=[change(DWS, Phase.SUCCEEDED, now)])
    rt.statuses[BUILD] = replace(rt.statuses[BUILD], history=[change(BUILD, Phase.FAILED, now - timedelta(hours=1))])
    board.rebuild()
    seen = {}
    for _ in SORTS:
        seen[board.sort] = keys(board)
        board.cycle_sort()
    assert board.sort == "name"  # a full cycle comes back to the start
    assert seen["name"] == [BUILD, DWS, CHECK]       # api build, dws-prod create, payments scan
    assert seen["status"] == [BUILD, CHECK, DWS]     # trouble first, then activity
    assert seen["changed"] == [DWS, BUILD, CHECK]    # most recent change first; never changed last
    assert seen["service"] == [BUILD, CHECK, DWS]


def many(n: int) -> tuple[FakeRuntime, Board]:
    rt = FakeRuntime()
    for i in range(n):
        rt.add(f"check:bench{i:05d}", f"bench-{i:05d}", Phase.SUCCEEDED if i % 2 else Phase.RUNNING)
    board = Board(rt)
    board.rebuild()
    board.visible_rows()  # the first paint sorts once
    return rt, board


class Counted:
    """Counts the calls of the board's sort key and of every row's filter text (the per-row work)."""

    def __init__(self, monkeypatch) -> None:
        import tui.app.board
        from tui.app.formatting import RowView

        self.sort_keys = self.texts = 0
        sort_key, search_text = tui.app.board.sort_key, RowView.search_text

        def counted_sort_key(*args):
            self.sort_keys += 1
            return sort_key(*args)

        def counted_text(row):
            self.texts += 1
            return search_text(row)

        monkeypatch.setattr(tui.app.board, "sort_key", counted_sort_key)
        monkeypatch.setattr(RowView, "search_text", counted_text)

    def take(self) -> int:
        work, self.sort_keys, self.texts = self.sort_keys + self.texts, 0, 0
        return work


@pytest.mark.parametrize("n", [1000, 4000])
def test_a_keystroke_in_the_filter_is_one_pass_over_the_rows_and_never_a_sort(monkeypatch, n):
    _, board = many(n)
    counted = Counted(monkeypatch)
    typed = ""
    for ch in "bench-01":
        typed += ch
        board.set_filter(typed)
        shown = board.visible_rows()
        assert counted.sort_keys == 0, "a keystroke must not sort"
        assert counted.texts <= n, "one pass over the rows at most"
        counted.take()
    # `bench-01` lets through bench-01000..01999: the keys that narrowed it looked at fewer rows each.
    assert [r.name for r in shown] == [f"bench-{i:05d}" for i in range(1000, min(n, 2000))]
    board.set_filter("")  # cleared, then typed again key by key
    board.visible_rows()
    counted.take()
    total = 0
    typed = ""
    for ch in "bench-00":
        typed += ch
        board.set_filter(typed)
        board.visible_rows()
        total += counted.take()
    assert total <= 8 * n  # linear in the rows: eight keys, at most one pass each


def test_the_kept_order_follows_changes_of_rows(rt, board):
    board.set_filter("a")
    assert keys(board) == [BUILD, DWS, CHECK]  # api build, dws-prod create, payments scan
    rt.statuses[CHECK] = replace(rt.statuses[CHECK], task=WatchedTask(TaskRef.parse(CHECK), "aaa first"))
    board.rebuild()
    assert keys(board) == [CHECK, BUILD, DWS]
    board.cycle_sort()  # status: failed, running, succeeded
    assert keys(board) == [BUILD, CHECK, DWS]
    rt.set(DWS, phase=Phase.FAILED)  # a poll result moves a row in this order
    board.touch(DWS)
    board.take_batch()
    assert keys(board) == [BUILD, DWS, CHECK]
    rt.set(BUILD, message="now it says why")  # news that does not move it: the same order, the new view
    board.touch(BUILD)
    board.take_batch()
    assert keys(board) == [BUILD, DWS, CHECK] and board.visible_rows()[0].message.plain == "now it says why"
    board.set_filter("failed")
    assert keys(board) == [BUILD, DWS]
    board.set_filter("failed dws")  # no match; then a filter that is not an extension of it
    assert keys(board) == []
    board.set_filter("dws")
    assert keys(board) == [DWS]


# ----- unseen changes --------------------------------------------------------------------------


def test_a_change_marks_the_row_until_seen(rt, board):
    rt.set(CHECK, phase=Phase.SUCCEEDED)
    reaction = board.on_changes(CHECK, [change(CHECK, Phase.SUCCEEDED, rt.clock.now())])
    assert reaction.flash and reaction.bell and not reaction.toast
    assert board.note_update(update(rt, CHECK)) is False  # the update itself carries no change here
    batch = board.take_batch()
    assert batch.redraw and CHECK in batch.changed
    assert board.views[CHECK].marker == MARK_NEW
    assert board.header().unseen == 1 and "◆1" in board.header().title
    assert board.mark_seen(CHECK) is True
    assert board.mark_seen(CHECK) is False  # seen once is enough
    board.take_batch()
    assert board.views[CHECK].marker == "" and board.header().unseen == 0


def test_changes_while_closed_are_marked_differently_and_do_not_ring(rt, board):
    reaction = board.on_changes(BUILD, [change(BUILD, Phase.FAILED, rt.clock.now(), closed=True)])
    assert not reaction.flash and not reaction.bell and not reaction.toast
    board.touch(BUILD)
    board.take_batch()
    assert board.views[BUILD].marker == MARK_CLOSED
    # A change seen live afterwards makes it an ordinary new change.
    board.on_changes(BUILD, [change(BUILD, Phase.RUNNING, rt.clock.now(), frm=Phase.FAILED)])
    board.touch(BUILD)
    board.take_batch()
    assert board.views[BUILD].marker == MARK_NEW


def test_minor_changes_neither_mark_nor_ring(rt, board):
    reaction = board.on_changes(CHECK, [change(CHECK, Phase.RUNNING, rt.clock.now(), major=False)])
    assert reaction == type(reaction)()
    assert not board.unseen


def test_a_failure_asks_for_a_toast_with_the_message(rt, board):
    rt.set(CHECK, phase=Phase.FAILED, message="quality gate [red]failed[/]")
    reaction = board.on_changes(CHECK, [change(CHECK, Phase.FAILED, rt.clock.now())])
    assert reaction.bell and reaction.toast == "payments scan: failed — quality gate [red]failed[/]"


def test_notify_settings_turn_the_channels_off(rt):
    board = Board(rt, NotifySettings(flash=False, marker=False, title=False, bell=False, toast=False))
    board.rebuild()
    reaction = board.on_changes(BUILD, [change(BUILD, Phase.FAILED, rt.clock.now())])
    assert not (reaction.flash or reaction.bell or reaction.toast)
    assert not board.unseen
    assert not board.wants("title")


def test_mark_all_seen_clears_every_marker(rt, board):
    for key in (CHECK, BUILD):
        board.on_changes(key, [change(key, Phase.STOPPED, rt.clock.now())])
        board.touch(key)
    board.take_batch()
    board.mark_all_seen()
    assert board.pending == {CHECK, BUILD}
    board.take_batch()
    assert all(v.marker == "" for v in board.views.values())
    assert board.header().unseen == 0


def test_a_removed_task_takes_its_marker_with_it(rt, board):
    board.on_changes(DWS, [change(DWS, Phase.FAILED, rt.clock.now())])
    del rt.statuses[DWS]
    board.rebuild()
    assert DWS not in board.unseen and DWS not in board.views


# ----- batching --------------------------------------------------------------------------------


def test_only_rows_whose_text_changed_are_dirty(rt, board):
    board.note_update(update(rt, CHECK))  # polled again, nothing new
    batch = board.take_batch()
    assert batch.touched == {CHECK} and batch.changed == set() and not batch.redraw
    rt.set(CHECK, progress=55)
    board.note_update(update(rt, CHECK))
    batch = board.take_batch()
    assert batch.changed == {CHECK} and batch.redraw
    assert board.pending == set()  # taken: the next flush starts empty


def test_news_of_the_selected_task_redraws_even_without_a_row_change(rt, board):
    board.note_update(update(rt, BUILD))
    assert board.take_batch(current=BUILD).redraw  # its detail pane shows the fetch time


def test_a_change_of_phase_is_urgent_other_news_waits(rt, board):
    assert board.note_update(update(rt, CHECK, [change(CHECK, Phase.SUCCEEDED, rt.clock.now())])) is True
    assert board.note_update(update(rt, CHECK, [change(CHECK, Phase.RUNNING, rt.clock.now(), major=False)])) is False


def test_added_and_removed_tasks_redraw(rt, board):
    rt.add("check:added0outside", "from the CLI", None)
    board.rebuild()
    batch = board.take_batch()
    assert batch.redraw and "check:added0outside" in batch.changed
    assert board.views["check:added0outside"].message.plain == "not fetched yet"


def test_relative_times_move_only_when_their_text_does(rt, board):
    rt.statuses[DWS] = replace(rt.statuses[DWS], history=[change(DWS, Phase.SUCCEEDED, rt.clock.now())])
    board.rebuild()
    assert board.views[DWS].updated == "just now"
    rt.clock.advance(3)
    assert board.retime() == set()
    rt.clock.advance(60)
    assert board.retime() == {DWS} and board.views[DWS].updated == "1m ago"


# ----- the header ------------------------------------------------------------------------------


def test_header_counts_every_task_once(rt, board):
    header = board.header()
    assert header.summary == "1 running, 1 failed, 1 succeeded"
    assert header.title == "hcwatch ✘1 ●1 ✔1"  # failures first: tmux's status line keeps 21 characters
    assert sum(n for _, n in header.counts) == len(rt.statuses)


def test_offline_after_several_network_failures_in_a_row(rt, board):
    rt.set(CHECK, error=TaskError(ErrorKind.NETWORK, "connection refused"))
    for _ in range(OFFLINE_AFTER - 1):
        board.note_update(update(rt, CHECK))
    assert not board.header().offline
    board.note_update(update(rt, CHECK))
    assert board.header().offline
    rt.set(CHECK, error=None)
    board.note_update(update(rt, CHECK))  # one good answer: back online
    assert not board.header().offline


def test_other_errors_do_not_count_as_offline(rt, board):
    rt.set(CHECK, error=TaskError(ErrorKind.SERVER, "busy"))
    for _ in range(OFFLINE_AFTER * 2):
        board.note_update(update(rt, CHECK))
    assert not board.header().offline


def test_with_one_task_one_network_failure_is_offline():
    rt = FakeRuntime()
    rt.add(CHECK, "only one")
    rt.set(CHECK, error=TaskError(ErrorKind.NETWORK, "no route to host"))
    board = Board(rt)
    board.rebuild()
    board.note_update(update(rt, CHECK))
    assert board.header().offline


def test_header_repaints_only_when_a_fact_changes(rt, board):
    assert board.new_header() is not None
    assert board.new_header() is None
    rt.last_sweep_at = rt.clock.now()
    assert board.new_header() is not None
    board.set_filter("scan")
    header = board.new_header()
    assert header is not None and header.filter_text == "scan"
    rt.auth_problems["prod"] = "token refused"
    header = board.new_header()
    assert header is not None and dict(header.auth) == {"prod": "token refused"}
    board.cycle_sort()
    header = board.new_header()
    assert header is not None and header.sort == "status"


# ----- the real demo runtime, without the app --------------------------------------------------


async def test_the_demo_runtime_on_a_fake_clock(tmp_path):
    from tui.runtime import Runtime

    rt = Runtime.open(demo=True, clock=FakeClock(), state_dir=tmp_path / "state",
                      watchlist_path=tmp_path / "watchlist.toml")
    board = Board(rt)
    urgent: list[bool] = []
    bells: list[str] = []

    def on_update(u: Update) -> None:
        if u.changes and board.on_changes(u.key, u.changes).bell:
            bells.append(u.key)
        urgent.append(board.note_update(u))

    await rt.start(on_update=on_update)
    try:
        board.rebuild()
        for _ in range(40):  # the payments scan succeeds at 20 s of demo time
            rt.clock.advance(1)
            for _ in range(20):
                await asyncio.sleep(0)
            board.take_batch()
        assert CHECK in board.unseen and board.views[CHECK].phase is Phase.SUCCEEDED
        assert board.views[CHECK].marker == MARK_NEW
        assert CHECK in bells and any(urgent)
        board.set_filter("succeeded")
        assert CHECK in keys(board)
    finally:
        await rt.stop()


@pytest.mark.parametrize("module", ["tui.app.board", "tui.app.formatting"])
def test_the_view_model_needs_no_textual(module):
    code = f"import sys, {module}; print([m for m in sys.modules if m.split('.')[0] == 'textual'])"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}).stdout
    assert out.strip() == "[]"


def test_title_puts_trouble_and_unseen_changes_before_the_rest():
    header = Header(counts=((Phase.SUCCEEDED, 4), (Phase.RUNNING, 3), (Phase.FAILED, 1), (Phase.IDLE, 1)),
                    unseen=2, swept=None, offline=False, auth=(), filter_text="", sort="name", demo=False)
    assert header.title == "hcwatch ✘1 ●3 ◆2 ✔4 □1"
    assert header.title[:21].startswith("hcwatch ✘1 ●3 ◆2 ✔4")


def test_a_task_never_fetched_is_not_counted_as_pending(rt, board):
    rt.add("check:neverfetched", "new one", None)   # not polled yet
    rt.add("dws:p/failedfirst", "gone one", None)
    rt.set("dws:p/failedfirst", error=TaskError(ErrorKind.NETWORK, "down"))  # its first fetch failed
    board.rebuild()
    header = board.header()
    assert "pending" not in header.summary and "2 not fetched yet" in header.summary
    assert "pending" not in header.title and "·2" in header.compact
    for key in ("check:neverfetched", "dws:p/failedfirst"):
        cells = board.views[key].cells()
        assert cells[3].plain == "· not yet" and "pending" not in " ".join(c.plain for c in cells)
    assert board.views["check:neverfetched"].message.plain == "not fetched yet"
    assert board.views["dws:p/failedfirst"].message.plain.startswith("⚠ network")
    board.set_filter("not fetched")
    assert {r.key for r in board.visible_rows()} == {"check:neverfetched", "dws:p/failedfirst"}


# ----- mute and the [notify] policy ------------------------------------------------------------


def test_a_muted_task_flashes_and_is_marked_but_neither_rings_nor_toasts(rt, board):
    status = rt.statuses[BUILD]
    rt.statuses[BUILD] = replace(status, task=replace(status.task, muted=True))
    board.rebuild()
    reaction = board.on_changes(BUILD, [change(BUILD, Phase.FAILED, rt.clock.now())])
    assert reaction.flash and not reaction.bell and reaction.toast == ""
    assert BUILD in board.unseen
    row = board.views[BUILD]
    assert row.cells()[5].plain.startswith("⊘ muted · ") and "muted" in row.search_text()


def test_the_bell_rings_for_the_phases_in_on(rt):
    board = Board(rt, NotifySettings(on=(Phase.FAILED, Phase.RUNNING)))
    board.rebuild()
    assert not board.on_changes(DWS, [change(DWS, Phase.SUCCEEDED, rt.clock.now())]).bell
    assert board.on_changes(CHECK, [change(CHECK, Phase.RUNNING, rt.clock.now(), frm=Phase.PENDING)]).bell


# ----- a poll that brought nothing new ------------------------------------------------------------


def polled_again(rt: FakeRuntime, key: str, seconds: float = 10, **changes) -> Update:
    """The poller's report of one more fetch: a new snapshot object, a later fetch time, maybe news."""
    rt.clock.advance(seconds)
    rt.set(key, fetched_at=rt.clock.now(), **changes)
    return update(rt, key)


def test_a_poll_that_brought_nothing_the_row_shows_keeps_the_row_and_its_times_still_move(rt, board):
    rt.statuses[BUILD] = replace(rt.statuses[BUILD], history=[change(BUILD, Phase.FAILED, rt.clock.now())])
    board.rebuild()
    board.take_batch()
    board.note_update(polled_again(rt, BUILD))
    board.take_batch()  # built once more: now the board knows what the row was built from
    row = board.views[BUILD]
    built = []
    build_view = board.build_view
    board.build_view = lambda *a: built.append(a) or build_view(*a)  # type: ignore[method-assign]
    for _ in range(3):
        board.note_update(polled_again(rt, BUILD, fields={"duration": "varies"}))
        batch = board.take_batch()
        assert board.views[BUILD] is row and batch.changed == set()
    assert built == []  # not even built to be compared: most polls of 1,000 tasks bring nothing new
    rt.clock.advance(60)
    assert BUILD in board.retime() and board.views[BUILD].updated == "1m ago"  # the tick moves it on


@pytest.mark.parametrize("news", [{"message": "step 4 failed"}, {"progress": 80.0}, {"phase": Phase.RUNNING},
                                  {"error": TaskError(ErrorKind.NETWORK, "connection refused")}, {"stale": True}])
def test_a_poll_with_news_for_the_row_rebuilds_it(rt, board, news):
    board.note_update(polled_again(rt, BUILD))
    board.take_batch()
    before = board.views[BUILD]
    board.note_update(polled_again(rt, BUILD, **news))
    assert BUILD in board.take_batch().changed and board.views[BUILD] != before


def test_a_marker_a_pause_a_rename_or_a_new_change_rebuild_the_row(rt, board):
    board.note_update(polled_again(rt, BUILD))
    board.take_batch()
    rt.statuses[BUILD] = replace(rt.statuses[BUILD], paused=True)
    board.note_update(polled_again(rt, BUILD))
    assert BUILD in board.take_batch().changed and board.views[BUILD].paused
    task = replace(rt.statuses[BUILD].task, name="api build (renamed)")
    rt.statuses[BUILD] = replace(rt.statuses[BUILD], task=task)
    board.note_update(polled_again(rt, BUILD))
    assert BUILD in board.take_batch().changed and board.views[BUILD].name == "api build (renamed)"
    at = rt.clock.now()
    rt.statuses[BUILD] = replace(rt.statuses[BUILD], history=[change(BUILD, Phase.FAILED, at)])
    board.on_changes(BUILD, [change(BUILD, Phase.FAILED, at)])  # marks it unseen
    board.note_update(polled_again(rt, BUILD))
    batch = board.take_batch()
    assert BUILD in batch.changed and board.views[BUILD].marker == MARK_NEW and board.views[BUILD].updated


def test_a_running_row_with_an_estimate_is_built_after_every_poll():
    """Its ETA is made as of the fetch time (tui.facts): a later fetch with the same percent moves it."""
    from tui.app.formatting import row_view
    from tui.app.row_memo import RowMemo
    from tui.eta import Eta
    from tui.facts import Facts

    rt = FakeRuntime()
    task = rt.add(CHECK, "payments scan", Phase.RUNNING, progress=40)
    status = rt.statuses[task.key]
    now = rt.clock.now()
    memo = RowMemo()
    with_eta = row_view(task, status.snapshot, [], False, "", now, facts=Facts(eta=Eta(remaining_s=300.0)))
    without = row_view(task, status.snapshot, [], False, "", now, facts=Facts())
    assert memo.unchanged(task.key, status, "", False, None, without) is False  # nothing known yet
    assert memo.unchanged(task.key, status, "", False, None, without) is True
    assert memo.unchanged(task.key, status, "", False, None, with_eta) is False
