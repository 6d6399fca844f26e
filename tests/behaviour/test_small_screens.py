"""Small terminals, the keys that move around, and the words the screen uses (issue 11: 2, 3, 9, 10, 13, 16)."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Static

from tests.behaviour.conftest import open_demo_runtime
from tui.app.app import HcwatchApp
from tui.app.driving import advance, settle, started
from tui.app.screens.help import HelpScreen
from tui.model import Phase

DWS_A = "dws:05f2cff45100d5112f4bc00b794ea08e/2c9080e8845b207101845b245e1e0101"
DWS_B = "dws:05f2cff45100d5112f4bc00b794ea08e/2c9080e8845b207101845b245e1e0202"


@pytest.fixture
def app(tmp_path) -> HcwatchApp:
    return HcwatchApp(open_demo_runtime(tmp_path))


def rows_on_screen(app) -> int:
    """How many task rows the table shows without scrolling."""
    table = app.main.table
    return min(table.row_count, max(0, table.scrollable_content_region.height - 1))


@pytest.mark.parametrize("size", [(60, 20), (40, 12)])
async def test_hiding_the_detail_pane_gives_the_table_the_room(app, size):
    async with app.run_test(size=size) as pilot:
        await started(pilot)
        before = rows_on_screen(app)
        await pilot.press("i")
        await settle(pilot)
        after = rows_on_screen(app)
        body = size[1] - 2  # header and footer
        assert after > before
        assert after >= min(app.main.table.row_count, body - 1)  # every row that fits under the heading
        assert app.main.table.max_scroll_x == 0, "no sideways scrollbar taking a row"


@pytest.mark.parametrize("size", [(79, 24), (60, 20), (40, 12)])
async def test_no_stray_letter_after_the_footer(app, size):
    async with app.run_test(size=size) as pilot:
        await started(pilot)
        last = "".join(seg.text for seg in app.screen._compositor.render_strips()[-1])
        assert last.rstrip().endswith("palette"), repr(last)


@pytest.mark.parametrize("width", [120, 80, 60, 40])
async def test_the_header_shortens_its_words_but_keeps_the_facts(app, width):
    async with app.run_test(size=(width, 24)) as pilot:
        await started(pilot)
        await pilot.press("slash", *"scan", "enter")
        await settle(pilot)
        header = app.main.query_one("#top").text
        assert len(header) <= width
        assert "demo" in header and "scan" in header, header
        assert ":" in header.split("scan")[-1], f"no sweep time: {header!r}"  # HH:MM:SS after the filter
        if width >= 60:  # at 40 columns with a filter on, the sort is the one fact that goes
            assert "name" in header.split("scan")[-1], f"no sort: {header!r}"
        assert "✘" in header or "failed" in header


async def test_home_end_and_g_G_move_the_cursor(app):
    async with app.run_test(size=(100, 30)) as pilot:
        await started(pilot)
        table = app.main.table
        last = table.row_count - 1
        for key, row in (("G", last), ("g", 0), ("end", last), ("home", 0)):
            await pilot.press(key)
            assert table.cursor_row == row, key


async def test_the_detail_pane_scrolls_from_the_keyboard(app):
    async with app.run_test(size=(80, 24)) as pilot:
        await started(pilot)
        detail = app.main.detail
        assert detail.max_scroll_y > 0
        await pilot.press("J")
        assert detail.scroll_y > 0 and app.focused is app.main.table  # from the table, no focus change
        await pilot.press("K")
        assert detail.scroll_y == 0
        small = detail.size.height
        await pilot.press("enter")  # focuses the pane, which takes most of the height
        await settle(pilot)
        assert app.focused is detail and detail.size.height > small + 4
        await pilot.press("pagedown")
        assert detail.scroll_y > 0
        await pilot.press("enter")
        await settle(pilot)
        assert app.focused is app.main.table and detail.size.height == small


async def test_help_lists_hcwatch_keys_and_a_legend_not_textual_generic_ones(app):
    async with app.run_test(size=(100, 40)) as pilot:
        await started(pilot)
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        rows = {r[2]: r for r in app.screen.rows}
        assert not [r for r in app.screen.rows if "Copy selected text" in r[1]]
        assert rows["table.top"][0].startswith("g, home") and rows["table.bottom"][0].startswith("G, end")
        shown = " ".join(str(getattr(w.content, "plain", w.content)) for w in app.screen.query(Static))
        for phase in Phase:
            assert f"{phase.glyph} {phase.value}" in shown
        assert Phase.IDLE.glyph != "◌" and Phase.IDLE.glyph != Phase.PENDING.glyph


async def test_a_filter_that_matches_nothing_says_so(app):
    async with app.run_test(size=(100, 30)) as pilot:
        await started(pilot)
        await pilot.press("slash", *"xyz")
        await settle(pilot)
        text = app.main.detail.text.plain
        assert text == "No task matches 'xyz' (Esc clears the filter)."
        await pilot.press("escape")
        await settle(pilot)
        assert "No task matches" not in app.main.detail.text.plain


async def test_unnamed_ids_are_cut_in_the_middle_and_the_cut_form_is_a_ref(app):
    async with app.run_test(size=(80, 24)) as pilot:
        await started(pilot)
        for ref in (DWS_A, DWS_B):
            app.runtime.add(ref)
        app.main.rebuild()
        await advance(pilot, 1)
        shown_a = app.main.table.cell_text(DWS_A, "name")
        shown_b = app.main.table.cell_text(DWS_B, "name")
        assert "…" in shown_a and shown_a != shown_b
        assert shown_a.endswith("0101") and shown_b.endswith("0202")
        assert app.runtime.find(shown_a).key == DWS_A and app.runtime.find(shown_b).key == DWS_B
        assert app.runtime.find(f"dws:{shown_b}").key == DWS_B


async def test_the_palette_screenshot_saves_where_it_can_and_says_where(app, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await started(pilot)
        app.deliver_screenshot()
        await settle(pilot)
        saved = list(tmp_path.glob("hcwatch-*.svg"))
        assert len(saved) == 1 and saved[0].read_text(encoding="utf-8").startswith("<svg")
        messages = [n.message for n in app._notifications]
        assert any(str(saved[0]) in m for m in messages), messages


async def test_a_screenshot_with_no_writable_folder_is_a_toast_not_a_crash(app, tmp_path, monkeypatch):
    import tui.app.saving

    monkeypatch.setattr(tui.app.saving, "screenshot_folders", lambda *a: [Path("/proc/no-such-folder")])
    async with app.run_test(size=(80, 24)) as pilot:
        await started(pilot)
        app.deliver_screenshot()
        await settle(pilot)
        assert any("screenshot not saved" in n.message for n in app._notifications)
        assert app.is_running


def test_the_narrowest_header_still_has_every_warning():
    from datetime import UTC, datetime

    from tui.app.widgets.top_bar import HeaderFacts, variants

    at = datetime(2026, 1, 1, 12, 30, tzinfo=UTC)
    facts = HeaderFacts("2 running, 1 failed", "●2 ✘1", unseen=3, swept=at, offline=True, auth={"prod": "x"},
                        filter_text="scan", sort="status", demo=True, watchlist="watchlist.toml", throttled=at)
    widest, narrowest = variants(facts)[0].plain, variants(facts)[-1].plain
    assert "2 running, 1 failed" in widest and "throttled until" in widest and "sort:status" in widest
    for fact in ("demo", "OFFLINE", "AUTH prod", "watchlist.toml", "⏳", "◆3", "●2 ✘1", "/scan"):
        assert fact in narrowest, fact
    assert len(narrowest) < len(widest)
