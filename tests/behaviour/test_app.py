"""Pilot tests of the TUI over a demo Runtime whose FakeClock the tests move."""

from __future__ import annotations

from datetime import UTC

import pytest
from textual.widgets import Button, Input

from tests.behaviour.conftest import SIZE
from tui.app.driving import advance, settle, started
from tui.app.formatting import MARK_NEW
from tui.app.screens.add import AddTaskScreen
from tui.app.screens.help import HelpScreen
from tui.app.screens.simple import ConfirmScreen, TextScreen
from tui.app.widgets.task_table import COLUMNS

PAYMENTS = "check:7f3c2a91d4e84b6c9a0f5e1d2c3b4a59"      # succeeds at 20 s
DWS_PROD = "dws:05f2cff45100d5112f4bc00b794ea08e/2c9080e8845b207101845b245e1e0001"  # fails at 35 s


@pytest.fixture
def app(demo_app):
    """For the tests that run the app at another size, or look at it after it has ended."""
    return demo_app


async def goto(pilot, key: str) -> None:
    app = pilot.app
    app.main.table.move_cursor(row=app.main.table.get_row_index(key), animate=False)
    await settle(pilot)


async def test_rows_and_columns_are_keyed(pilot):
    app = pilot.app
    keys = {t.key for t in app.runtime.tasks()}
    assert set(app.main.table.order) == keys
    await pilot.press("i")  # the table alone is wide enough for every column
    await settle(pilot)
    # every column but the profile one, which shows only with tasks of several profiles
    assert {str(k.value) for k in app.main.table.columns} == {c[0] for c in COLUMNS} - {"profile"}
    assert app.main.table.cell_text(PAYMENTS, "status").endswith("running")


async def test_compact_columns_on_a_narrow_terminal(app):
    async with app.run_test(size=(80, 24)) as pilot:
        await started(pilot)
        assert "service" not in {k.value for k in app.main.table.columns}
        assert app.query_one("#body").has_class("-narrow")


async def test_cells_are_rewritten_only_when_their_text_changes(pilot):
    app = pilot.app
    assert app.main.table.apply(app.board.visible_rows()) == 0
    writes: list[tuple] = []
    original = app.main.table.update_cell
    app.main.table.update_cell = lambda *a, **k: (writes.append(a), original(*a, **k))
    app.main.tick()  # same time: nothing to rewrite
    assert writes == []


async def test_change_flashes_marks_rings_and_titles(pilot, bells):
    app = pilot.app
    await goto(pilot, app.main.table.order[-1] if app.main.table.order[-1] != PAYMENTS else app.main.table.order[0])
    await advance(pilot, 22, step=2)  # succeeds at 20 s; polled every 10 s with jitter
    assert PAYMENTS in app.board.unseen
    assert app.main.table.cell_text(PAYMENTS, "marker") == MARK_NEW
    assert app.main.table.cell_text(PAYMENTS, "status") == "✔ succeeded"
    assert PAYMENTS in app.main.table.flashing
    assert bells, "a change into succeeded rings the bell"
    assert "✔" in app.title and app.title.startswith("hcwatch ")  # compact, failures first
    app.main.table.end_all_flashes()
    assert not app.main.table.flashing
    # The marker stays until the user moves the cursor onto the row.
    assert app.main.table.cell_text(PAYMENTS, "marker") == MARK_NEW
    await goto(pilot, PAYMENTS)
    assert PAYMENTS not in app.board.unseen
    assert app.main.table.cell_text(PAYMENTS, "marker") == ""


async def test_failure_raises_an_error_toast(pilot, bells, toasts):
    await advance(pilot, 35, step=2.5)
    errors = [n for n in toasts() if n.severity == "error"]
    assert any("dws-prod create: failed" in n.message for n in errors)
    assert not any(n.markup for n in errors)


@pytest.mark.notify(flash=False, marker=False, title=False, bell=False, toast=False)
async def test_notify_settings_turn_channels_off(pilot, bells, toasts):
    app = pilot.app
    await advance(pilot, 36, step=3)
    assert not bells and not app.board.unseen and not app.main.table.flashing
    assert not [x for x in toasts() if x.severity == "error"]
    assert app.title == "hcwatch"


async def test_changes_while_closed_are_marked_without_bells(pilot, bells):
    from datetime import datetime

    from tui.model import Change, Phase, TaskRef

    app = pilot.app
    change = Change(TaskRef.parse(PAYMENTS), Phase.RUNNING, Phase.FAILED,
                    datetime.now(UTC), True, while_closed=True)
    app.main.react(PAYMENTS, [change])
    app.board.touch(PAYMENTS)
    app.main.flush()
    assert app.board.unseen[PAYMENTS] is True
    assert app.main.table.cell_text(PAYMENTS, "marker") == "◇"
    assert not bells and PAYMENTS not in app.main.table.flashing


async def test_cursor_stays_on_its_task_across_updates_sort_and_filter(pilot):
    app = pilot.app
    await goto(pilot, DWS_PROD)
    await advance(pilot, 10, step=2)
    assert app.main.table.current_key == DWS_PROD
    for _ in range(4):
        await pilot.press("s")
        await settle(pilot)
        assert app.main.table.current_key == DWS_PROD
    await pilot.press("slash")
    await pilot.press(*"dws")
    await settle(pilot)
    assert app.main.table.current_key == DWS_PROD
    assert all(k.startswith("dws:") for k in app.main.table.order)


async def test_filter_by_status_and_escape_clears(pilot):
    app = pilot.app
    await pilot.press("slash", *"running")
    await settle(pilot)
    assert app.main.table.order and all(app.board.views[k].phase.value == "running" for k in app.main.table.order)
    await pilot.press("enter")
    assert app.focused is app.main.table
    await pilot.press("escape")
    await settle(pilot)
    assert len(app.main.table.order) == len(app.runtime.tasks())
    assert not app.query_one("#filter").has_class("-active")


async def test_sort_cycles(pilot):
    app = pilot.app
    names = []
    for _ in range(4):
        await pilot.press("s")
        await settle(pilot)
        names.append(app.main.table.order)
    assert app.board.sort_index == 0
    status_order = names[0]
    assert app.board.views[status_order[0]].phase.value in ("failed", "stopped")


async def test_j_and_k_move_the_cursor(pilot):
    app = pilot.app
    first = app.main.table.current_key
    await pilot.press("j")
    assert app.main.table.current_key == app.main.table.order[1]
    await pilot.press("k")
    assert app.main.table.current_key == first


async def test_add_dialog_validates_as_you_type(pilot):
    app = pilot.app
    await pilot.press("a")
    screen = app.screen
    assert isinstance(screen, AddTaskScreen)
    await pilot.press(*"bad id")
    error = str(screen.query_one("#error").render())
    assert "contains whitespace" in error
    assert screen.query_one("#ok", Button).disabled
    for _ in range(3):
        await pilot.press("backspace")
    await pilot.press(*"d1")
    await pilot.press("tab", "tab")  # to the name field (project id is hidden for check)
    screen.query_one("#name", Input).value = "my scan"
    await pilot.press("enter")
    await settle(pilot)
    assert not isinstance(app.screen, AddTaskScreen)
    task = next(t for t in app.runtime.tasks() if t.key == "check:badd1")
    assert task.name == "my scan"
    assert app.main.table.current_key == "check:badd1"


async def test_add_dialog_dws_project_defaults_from_profile(pilot):
    app = pilot.app
    await pilot.press("a")
    screen = app.screen
    from textual.widgets import Select

    screen.query_one("#service", Select).value = "dws"
    await pilot.pause()
    assert screen.query_one("#project-id", Input).value == app.runtime.default_project()
    screen.query_one("#task-id", Input).value = "job-1"
    await pilot.pause()
    assert screen.ref_text == f"dws:{app.runtime.default_project()}/job-1"
    await pilot.press("escape")
    assert not isinstance(app.screen, AddTaskScreen)


async def test_remove_asks_first(pilot):
    app = pilot.app
    await goto(pilot, PAYMENTS)
    await pilot.press("d")
    assert isinstance(app.screen, ConfirmScreen)
    await pilot.press("n")
    assert PAYMENTS in {t.key for t in app.runtime.tasks()}
    await pilot.press("d", "y")
    await settle(pilot)
    assert PAYMENTS not in {t.key for t in app.runtime.tasks()}
    assert PAYMENTS not in app.main.table.order


async def test_rename(pilot):
    app = pilot.app
    await goto(pilot, PAYMENTS)
    await pilot.press("e")
    assert isinstance(app.screen, TextScreen)
    app.screen.query_one(Input).value = "billing"
    await pilot.press("enter")
    await settle(pilot)
    assert app.main.table.cell_text(PAYMENTS, "name") == "billing"


async def test_refresh_one_and_all(pilot, monkeypatch):
    calls = []
    app = pilot.app
    monkeypatch.setattr(app.runtime, "refresh", lambda key=None: calls.append(key))
    await goto(pilot, PAYMENTS)
    await pilot.press("r", "R")
    assert calls == [PAYMENTS, None]


async def test_pause_and_resume(pilot):
    app = pilot.app
    await goto(pilot, PAYMENTS)
    await pilot.press("p")
    await settle(pilot)
    assert app.runtime.status(PAYMENTS).paused
    assert "paused" in app.main.table.cell_text(PAYMENTS, "message")
    await pilot.press("p")
    await settle(pilot)
    assert not app.runtime.status(PAYMENTS).paused


async def test_copy_id_uses_the_clipboard(pilot):
    app = pilot.app
    await goto(pilot, PAYMENTS)
    await pilot.press("y")
    assert app.clipboard == PAYMENTS.split(":", 1)[1]


async def test_enter_shows_details_and_marks_seen(pilot):
    app = pilot.app
    await pilot.press("i")
    assert not app.main.detail.display
    await goto(pilot, PAYMENTS)
    app.board.unseen[PAYMENTS] = False
    await pilot.press("enter")
    assert app.main.detail.display and app.focused is app.main.detail
    assert PAYMENTS not in app.board.unseen
    assert app.main.detail.key == PAYMENTS


@pytest.mark.keymap(add="plus", quit="x")
async def test_help_lists_every_key_and_keymap_remaps(pilot):
    app = pilot.app
    await pilot.press("question_mark")
    assert isinstance(app.screen, HelpScreen)
    rows = {r[2]: r[0] for r in app.screen.rows}
    for binding_id in ("add", "remove", "rename", "refresh", "refresh_all", "pause", "filter", "sort",
                       "details", "toggle_detail", "copy_id", "help", "quit", "table.down"):
        assert binding_id in rows, binding_id
    assert rows["add"] == "+"
    await pilot.press("escape")
    await pilot.press("a")
    assert not isinstance(app.screen, AddTaskScreen)
    await pilot.press("plus")
    assert isinstance(app.screen, AddTaskScreen)


async def test_palette_offers_every_action(pilot):
    from tui.app.actions import palette
    from tui.app.commands import HcwatchCommands

    app = pilot.app
    provider = HcwatchCommands(app.screen)
    hits = [h async for h in provider.discover()]
    assert len(hits) == len(palette())
    for action in palette():
        assert hasattr(app.main, f"action_{action.name}"), action.id
    found = [h async for h in provider.search("copy")]
    assert found and "y" in str(found[0].match_display)


async def test_network_text_is_shown_literally(pilot):
    app = pilot.app
    sim = app.runtime.simulator
    sim.inject("server", ref=PAYMENTS, msg="[red]boom[/] \x1b[2J gone", code="X.500")
    await goto(pilot, PAYMENTS)
    await pilot.press("r")
    await advance(pilot, 3)
    detail = app.main.detail.text.plain
    assert "[red]boom[/]" in detail and "\x1b" not in detail
    assert "⚠" in app.main.table.cell_text(PAYMENTS, "message")
    lines = app.main.detail.lines()
    assert any("[red]boom[/]" in line.plain for line in lines)


async def test_password_prompt_is_masked(pilot):
    import asyncio

    app = pilot.app
    task = asyncio.ensure_future(app.prompt_password("prod"))
    await pilot.pause()
    assert isinstance(app.screen, TextScreen)
    assert app.screen.query_one(Input).password
    await pilot.press(*"s3cret", "enter")
    assert await task == "s3cret"


async def test_quit_stops_the_runtime(app):
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        await pilot.press("q")
        await pilot.pause()
    assert app.return_code == 0
    assert app.runtime.client is None


async def test_sighup_exits_cleanly(app):
    import os
    import signal

    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        os.kill(os.getpid(), signal.SIGHUP)
        await pilot.pause()
    assert app.return_code == 129
    assert app.runtime.client is None


def _keys(app, *keys: tuple[str, str | None]) -> None:
    """Post keys all at once, as a burst over a slow link would deliver them (no pause between)."""
    from textual import events

    for key, char in keys:
        app.post_message(events.Key(key, char))


async def test_keys_in_one_burst_after_slash_go_into_the_filter(pilot):
    app = pilot.app
    _keys(app, ("slash", "/"), ("f", "f"), ("a", "a"), ("i", "i"))
    await settle(pilot)
    assert not isinstance(app.screen, AddTaskScreen), "`a` typed after `/` must not open the add dialog"
    assert app.query_one("#filter", Input).value == "fai"
    assert app.board.filter_text == "fai"


async def test_editing_keys_in_one_burst_keep_their_order(pilot):
    app = pilot.app
    await goto(pilot, PAYMENTS)
    await pilot.press("e")
    assert isinstance(app.screen, TextScreen)
    _keys(app, ("ctrl+u", "\x15"), ("a", "a"), ("b", "b"), ("backspace", "\x7f"), ("c", "c"), ("enter", "\r"))
    await settle(pilot)
    assert not isinstance(app.screen, TextScreen)
    assert next(t for t in app.runtime.tasks() if t.key == PAYMENTS).name == "ac"


async def test_help_has_one_row_per_action_and_aligned_columns(pilot):
    app = pilot.app
    await pilot.press("question_mark")
    rows = app.screen.rows
    by_id = {r[2]: r for r in rows}
    assert rows[0][2] == "add", "hcwatch's keys come first, in their own order"
    assert by_id["table.down"][0].startswith("j")  # j and ↓ share one row
    assert not any("Cursor left" in r[1] for r in rows)
    assert len([r for r in rows if r[2] == "quit"]) == 1


async def test_failed_first_poll_shows_the_server_message_in_the_row(pilot):
    app = pilot.app
    await pilot.press("a", *"nosuchtask", "enter")
    await advance(pilot, 3)
    cell = app.main.table.cell_text("check:nosuchtask", "message")
    assert cell.startswith("⚠ gone · ") and len(cell) > len("⚠ gone · ")


async def test_detail_values_wrap_under_their_own_column(app):
    from tui.app.widgets.detail import LABEL

    async with app.run_test(size=(80, 24)) as pilot:
        await started(pilot)
        sim = app.runtime.simulator
        sim.inject("server", ref=PAYMENTS, msg="word " * 30, code="X.500")
        await goto(pilot, PAYMENTS)
        await pilot.press("r")
        await advance(pilot, 3)
        lines = app.main.detail.lines()
        at = next(i for i, line in enumerate(lines) if line.plain.startswith("error_msg"))
        assert lines[at + 1].plain.startswith(" " * LABEL + "word")


async def test_header_keeps_its_facts_on_a_narrow_terminal(app):
    async with app.run_test(size=(80, 24)) as pilot:
        await started(pilot)
        top = app.query_one("#top")
        shown = top.render().plain
        assert len(shown) <= 80 and "swept" in shown and "●" in shown


async def test_tasks_added_or_removed_outside_the_app_show_up_on_the_next_tick(pilot, tmp_path):
    from tui.model import TaskRef, WatchedTask
    from tui.store.watchlist import Watchlist

    app = pilot.app
    other = Watchlist(tmp_path / "watchlist.toml")  # another process: `hcwatch add` / `remove`
    other.load()
    other.add(WatchedTask(TaskRef.parse("check:added0outside"), "from the CLI"))
    other.remove(PAYMENTS)
    app.main.tick()
    await settle(pilot)
    assert "check:added0outside" in app.main.table.order
    assert PAYMENTS not in app.main.table.order
    assert "check:added0outside" in app.runtime.poller.keys()


async def test_changed_column_is_the_last_change_not_the_last_poll(pilot):
    app = pilot.app
    for key in app.board.views:
        status = app.runtime.status(key)
        if not status.history:  # nothing changed since hcwatch started watching
            assert app.main.table.cell_text(key, "changed") == "—"
    headings = {str(c.key.value): c.label.plain for c in app.main.table.columns.values()}
    assert headings["changed"] == "changed"
    await advance(pilot, 8, step=2)
    for _ in range(30):  # payments succeeds at 20 s; stop at the poll that sees it, whenever that is
        if app.main.table.cell_text(PAYMENTS, "status") == "✔ succeeded":
            break
        await advance(pilot, 1)
    assert app.main.table.cell_text(PAYMENTS, "changed") == "just now"
    polled = app.runtime.status(PAYMENTS).snapshot.fetched_at
    await advance(pilot, 70, step=5)  # finished tasks are polled every 60 s: nothing new
    assert app.runtime.status(PAYMENTS).snapshot.fetched_at > polled
    app.main.tick()  # the slow tick (a real-time timer) moves relative times
    assert app.main.table.cell_text(PAYMENTS, "changed") == "1m ago"


async def test_header_counts_every_task(app):
    async with app.run_test(size=(200, 40)) as pilot:
        await started(pilot)
        shown = app.query_one("#top").render().plain
        import re

        counted = sum(int(n) for n in re.findall(r"(\d+) (?:running|failed|stopped|pending|succeeded|idle|unknown)",
                                                  shown))
        assert counted == len(app.board.views)
        assert "idle" in shown  # the demo has an idle build


async def test_dialogs_footer_shows_the_dialogs_own_keys(pilot):
    from textual.widgets._footer import FooterKey

    def footer_actions() -> set[str]:
        return {k.action for k in app.screen.query(FooterKey)}

    app = pilot.app
    assert "add" in footer_actions()
    await pilot.press("a")
    await settle(pilot)
    assert "add" not in footer_actions() and "cancel" in footer_actions()
    await pilot.press("escape", "d")
    await settle(pilot)
    assert {"answer(True)", "answer(False)"} <= footer_actions()


def test_detail_of_a_task_never_fetched_reads_naturally():
    from datetime import datetime

    from tui.app.widgets.detail import render_detail
    from tui.model import Snapshot, TaskRef, WatchedTask

    task = WatchedTask(TaskRef.parse(PAYMENTS), "payments")
    now = datetime(2026, 1, 1, tzinfo=UTC)
    never = Snapshot(task.ref, stale=True)  # restored after a restart; no poll ever worked
    text = render_detail(task, never, [], next_due=None, paused=False, stopped_reason=None, now=now).plain
    assert "not yet: no fetch has worked" in text and "never" not in text
    saved = Snapshot(task.ref, fetched_at=now, stale=True)
    text = render_detail(task, saved, [], next_due=None, paused=False, stopped_reason=None, now=now).plain
    assert "(saved before the restart)" in text and "no change seen yet" in text


async def test_help_lists_the_actions_table_in_its_order_with_its_texts(pilot):
    from tui.app.actions import ACTIONS

    await pilot.press("question_mark")
    rows = pilot.app.screen.rows
    own = [a for a in ACTIONS if a.keys]
    assert [(r[1], r[2]) for r in rows[:len(own)]] == [(a.help, a.id) for a in own]


async def test_palette_commands_run_on_the_main_screen(pilot):
    from tui.app.commands import HcwatchCommands

    app = pilot.app
    app.board.unseen[PAYMENTS] = False
    hits = [h async for h in HcwatchCommands(app.screen).discover()]
    mark = next(h for h in hits if str(h.display).startswith("Mark all changes seen"))
    assert await mark.command() is True
    await settle(pilot)
    assert not app.board.unseen and app.main.table.cell_text(PAYMENTS, "marker") == ""
