"""The TUI defects a new user's tryout found: keys in the detail pane, the cursor kept in view, toasts over
dialogs, honest ETA words, the add dialog following a URL, the filter's Esc and Enter, the first poll."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from textual import events
from textual.widgets import Input, Select

from tests.behaviour.conftest import open_demo_runtime
from tui.app.app import HcwatchApp
from tui.app.driving import advance, settle, started
from tui.app.screens.add import AddTaskScreen
from tui.eta import Eta

CHECK_URL = ("https://devcloud.cn-north-4.huaweicloud.com/codecheck/project/6a5c8d2e0f1b4c3d9e7f6a5b4c3d2e1f/"
             "codecheck/task/0123456789abcdef0123456789abcdef/detail")
BUILD_URL = ("https://devcloud.cn-north-4.huaweicloud.com/cloudbuild/project/6a5c8d2e0f1b4c3d9e7f6a5b4c3d2e1f/"
             "job/901878212b1a49be9c1a1054c272762b")


@pytest.fixture
def app(tmp_path) -> HcwatchApp:
    return HcwatchApp(open_demo_runtime(tmp_path))


def burst(app, *keys: tuple[str, str | None]) -> None:
    """Keys all queued before the first is handled, as a slow link or tmux send-keys delivers them."""
    for key, char in keys:
        app.post_message(events.Key(key, char))


def cursor_in_view(table) -> bool:
    rows = table.scrollable_content_region.height - (table.header_height if table.show_header else 0)
    top = round(table.scroll_y)
    return top <= table.cursor_row < top + rows


# ----- 1. J/K (and j/k) scroll a focused detail pane ----------------------------------------------

@pytest.mark.parametrize("down,up", [("J", "K"), ("shift+down", "shift+up"), ("j", "k")])
async def test_keys_scroll_the_focused_detail_pane(app, down, up):
    async with app.run_test(size=(80, 24)) as pilot:
        await started(pilot)
        await pilot.press("enter")
        await settle(pilot)
        detail = app.main.detail
        assert app.main.focused is detail
        assert detail.max_scroll_y > 0, "the pane has more than a screenful"
        before_key = app.main.table.current_key
        await pilot.press(down)
        await settle(pilot)
        assert detail.scroll_y > 0, f"{down} scrolls the focused pane"
        assert app.main.table.current_key == before_key, "the table's cursor stays where it was"
        moved = detail.scroll_y
        await pilot.press(up)
        await settle(pilot)
        assert detail.scroll_y < moved


async def test_help_from_the_focused_pane_lists_its_scroll_keys(app):
    async with app.run_test(size=(80, 24)) as pilot:
        await started(pilot)
        await pilot.press("enter", "question_mark")
        rows = {r[2]: r for r in app.screen.rows}
        assert rows["detail.down"][0].startswith("J")
        assert rows["detail.line_down"][0].startswith("j")


# ----- 2. the cursor row stays in view when the table's height changes -------------------------------

@pytest.mark.parametrize("keys", [("i", "G", "i"), ("G", "enter")])
async def test_the_cursor_row_stays_visible_when_the_table_shrinks(app, keys):
    async with app.run_test(size=(80, 24)) as pilot:
        await started(pilot)
        for key in keys:
            await pilot.press(key)
            await settle(pilot)
        table = app.main.table
        assert table.cursor_row == table.row_count - 1
        assert cursor_in_view(table), (table.cursor_row, table.scroll_y, table.scrollable_content_region.height)


# ----- 3. toasts never cover a dialog ---------------------------------------------------------------

async def test_a_long_toast_does_not_cover_the_add_dialogs_error_and_buttons(app):
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await started(pilot)
        app.notify("tmux drops desktop notifications: add 'set -g allow-passthrough all' to ~/.tmux.conf "
                   "(tmux 3.3: 'set -g allow-passthrough on'), then 'tmux source-file ~/.tmux.conf'",
                   title="desktop notifications", severity="warning", timeout=20)
        await pilot.press("a", *"bad id")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, AddTaskScreen)
        covered = [w.region for w in (screen.query_one("#error"), *screen.query("Button"))]
        # Textual's rack is itself hidden (clicks go through it); a toast on it is what shows.
        shown = [t.region for t in screen.query("Toast") if t.display and t.visible]
        assert not [(t, c) for t in shown for c in covered if t.overlaps(c)], "a toast covers the dialog"
        await pilot.press("escape")
        await settle(pilot)
        assert [t for t in app.main.query("Toast")], "the toast is still there after the dialog"


# ----- 4. honest ETA words ----------------------------------------------------------------------------

def test_eta_words_never_claim_more_than_is_true():
    assert Eta(usual_s=45.0).compact() == "usually 45s"
    assert Eta(elapsed_s=47.0, usual_s=45.0, overdue_s=2.0).compact() == "usually 45s", "2 s over is noise"
    assert Eta(elapsed_s=65.0, usual_s=45.0, overdue_s=20.0).compact() == "overdue 20s"
    assert Eta(usual_s=119.0).compact() == "usually 1m"     # rounded down, never up
    assert Eta(elapsed_s=500.0, usual_s=400.0, overdue_s=100.0).compact() == "overdue 1m"
    assert Eta(elapsed_s=10.0, usual_s=45.0, remaining_s=35.0).compact() == "<1m left"
    assert Eta(elapsed_s=10.0, usual_s=400.0, remaining_s=170.0).compact() == "~2m left"
    assert "2s past the usual time" in Eta(elapsed_s=47.0, usual_s=45.0, overdue_s=2.0).words()
    assert Eta(usual_s=45.0).words() == "usually 45s"


def test_json_keeps_the_raw_seconds():
    eta = Eta(elapsed_s=47.04, usual_s=45.0, overdue_s=2.04)
    assert eta.to_json()["overdue_s"] == 2.0 and eta.to_json()["usual_s"] == 45.0


def test_the_progress_cell_warns_only_when_it_says_overdue():
    from rich.text import Text

    from tui.app.eta_cell import progress_cell

    cell = progress_cell(None, Eta(elapsed_s=47.0, usual_s=45.0, overdue_s=2.0), Text("bar"))
    assert cell.plain == "usually 45s" and not cell.style
    cell = progress_cell(40.0, Eta(elapsed_s=47.0, usual_s=45.0, overdue_s=2.0), Text("bar"))
    assert cell.plain == "bar", "a percent says more than 'usually'"


# ----- 5. the add dialog's Service follows a pasted URL or REF ------------------------------------------

@pytest.mark.parametrize("text,service", [(BUILD_URL, "build"), ("dws:abc123", "dws"), (CHECK_URL, "check")])
async def test_the_service_select_follows_a_pasted_url_or_ref(pilot, text, service):
    app = pilot.app
    await pilot.press("a")
    screen = app.screen
    assert isinstance(screen, AddTaskScreen)
    if service == "check":
        screen.query_one("#service", Select).value = "build"
        await settle(pilot)
    screen.query_one("#task-id", Input).value = text
    await settle(pilot)
    assert screen.query_one("#service", Select).value == service


# ----- 7. Esc after a filter with no match returns to the row selected before -------------------------

async def test_esc_after_a_filter_without_matches_keeps_the_selection(pilot):
    app = pilot.app
    table = app.main.table
    await pilot.press("j", "j", "j")
    await settle(pilot)
    chosen = table.current_key
    assert chosen is not None and table.cursor_row == 3
    await pilot.press("slash", *"zzzz-nothing")
    await settle(pilot)
    assert table.row_count == 0
    await pilot.press("escape")
    await settle(pilot)
    assert table.current_key == chosen
    assert app.main.detail.key == chosen


# ----- 8. after Enter in the filter, following keys go to the table --------------------------------------

async def test_keys_after_enter_in_a_filter_burst_go_to_the_table(pilot):
    app = pilot.app
    burst(app, ("slash", "/"), ("s", "s"), ("c", "c"), ("a", "a"), ("n", "n"), ("enter", "\r"), ("j", "j"))
    await settle(pilot)
    assert app.query_one("#filter", Input).value == "scan"
    assert app.main.focused is app.main.table
    assert app.main.table.cursor_row == 1, "j moved the cursor"


# ----- 9. a task not fetched yet says so -------------------------------------------------------------

async def test_detail_of_a_task_before_its_first_fetch(pilot):
    app = pilot.app
    await pilot.press("a", *"1234567890abcdef1234567890abcdef", "enter")
    await settle(pilot)
    assert app.main.table.current_key == "check:1234567890abcdef1234567890abcdef"
    text = app.main.detail.text.plain
    assert "finished" not in text
    assert "not fetched yet" in text


def test_detail_before_first_fetch_without_a_schedule():
    from tui.app.widgets.detail import render_detail
    from tui.model import TaskRef, WatchedTask

    now = datetime(2026, 12, 2, tzinfo=UTC)
    task = WatchedTask(TaskRef.parse("check:abc"), None, "default", now - timedelta(seconds=1))
    text = render_detail(task, None, [], next_due=None, paused=False, stopped_reason=None, now=now).plain
    assert "finished" not in text and "not fetched yet" in text



# ----- 6. a Check URL whose task its project does not list: added, and both front ends say so alike ------

def test_cli_add_of_a_check_url_not_in_its_project_says_so_in_one_line(capsys):
    from tui.cli.main import main

    assert main(["add", "--demo", CHECK_URL]) == 0
    out, err = capsys.readouterr()
    assert "watching check:0123456789abcdef0123456789abcdef" in out
    assert err.count("\n") == 1 and "is not among the Check tasks of project" in err
    assert "watching it anyway" in err and "hcwatch remove check:0123456789abcdef0123456789abcdef" in err
    assert "it is named when a poll learns it" not in err, "it never will be: the list does not have it"


async def test_the_add_dialog_says_what_hcwatch_add_says_and_the_row_shows_the_error(pilot, toasts):
    app = pilot.app
    await pilot.press("a")
    app.screen.query_one("#task-id", Input).value = CHECK_URL
    await settle(pilot)
    await pilot.press("enter")
    await advance(pilot, 3)
    key = "check:0123456789abcdef0123456789abcdef"
    assert key in app.main.table.order
    said = [t.message for t in toasts() if "is not among the Check tasks" in t.message]
    assert said and "watching it anyway" in said[0] and "d stops watching it" in said[0]
    assert app.main.table.cell_text(key, "message").startswith("⚠")
