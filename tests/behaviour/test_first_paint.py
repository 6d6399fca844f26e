"""Starting with thousands of tasks: the first screen comes before the rest is built, and nothing shown is stale."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from tests.many_tasks import filled, write_watchlist
from tui.app.app import HcwatchApp
from tui.clock import FakeClock
from tui.model import Phase, Snapshot, TaskRef
from tui.runtime import Runtime
from tui.store.state import StateStore

MANY = 3000


def many_app(tmp_path: Path, saved: dict[int, str] | None = None) -> HcwatchApp:
    write_watchlist(tmp_path / "watchlist.toml", MANY, prefix="paint")
    if saved:
        store = StateStore(tmp_path / "state")
        at = datetime(2026, 1, 1, tzinfo=UTC)
        for i, message in saved.items():
            ref = TaskRef.parse(f"check:paint{i:05d}")
            store.record(str(ref), Snapshot(ref, Phase.FAILED, 100.0, message, "3", {}, at, at))
        store.flush()
    runtime = Runtime.open(demo=True, clock=FakeClock(), watchlist_path=tmp_path / "watchlist.toml",
                           state_dir=tmp_path / "state")
    return HcwatchApp(runtime)


async def started(pilot) -> None:
    """Until the runtime has restored the state and every row is in the table."""
    await filled(pilot, MANY)


def shown_row(table) -> str:
    """The cursor row as the table draws it (the cells it reads to paint the line)."""
    return " ".join(cell.plain for cell in table.get_row_at(table.cursor_row))


async def test_the_first_screen_shows_the_first_tasks_and_every_task_follows(tmp_path):
    app = many_app(tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        table = app.main.table
        assert table.order[:3] == ["check:paint00000", "check:paint00001", "check:paint00002"]
        assert "paint-00000" in shown_row(table)
        await started(pilot)
        assert table.order == [f"check:paint{i:05d}" for i in range(MANY)]
        await pilot.press("G")  # the last task, never drawn until now
        assert table.cursor_row == MANY - 1
        assert f"paint-{MANY - 1:05d}" in shown_row(table)
        assert table.cell_text(f"check:paint{MANY - 1:05d}", "name") == f"paint-{MANY - 1:05d}"


async def test_a_saved_status_far_down_the_list_is_shown_when_scrolled_to(tmp_path):
    # The rows far down are built before the state is read and drawn only after: what they
    # show then must be the restored status, not the "not fetched yet" they had at first paint.
    last = MANY - 1
    app = many_app(tmp_path, saved={0: "the first one failed", last: "the last one failed"})
    async with app.run_test(size=(100, 30)) as pilot:
        await started(pilot)
        table = app.main.table
        assert "the first one failed" in shown_row(table)
        await pilot.press("G")
        row = shown_row(table)
        assert "failed" in table.cell_text(f"check:paint{last:05d}", "status")
        assert "(saved) the last one failed" in row
        await pilot.press("g")
        assert "the first one failed" in shown_row(table)


async def test_the_restored_state_is_kept_out_of_the_gcs_walks_while_polling_and_released_at_stop(tmp_path):
    import gc

    runtime = many_app(tmp_path, saved={0: "failed before"}).runtime
    gc.unfreeze()
    await runtime.start()
    try:
        assert gc.get_freeze_count() > 0  # a full collection no longer walks 10,000 restored tasks
        assert runtime.status("check:paint00000").snapshot.message == "failed before"
    finally:
        await runtime.stop()
    assert gc.get_freeze_count() == 0  # a dropped runtime (a test, a soak's restart) can be collected
