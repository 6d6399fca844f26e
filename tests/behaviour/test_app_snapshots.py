"""Snapshot tests of the TUI (pytest-textual-snapshot, pinned Textual): frozen clock, flashes expired."""

from __future__ import annotations

import pytest

from tests.behaviour.conftest import open_demo_runtime
from tui.app.app import HcwatchApp
from tui.app.driving import advance, settle, started

FAILED_DWS = "dws:05f2cff45100d5112f4bc00b794ea08e/2c9080e8845b207101845b245e1e0001"
THROTTLED = "check:e5a7c9b1d3f54e6a8c0b2d4f6a8c0e2b"


@pytest.fixture
def app(deterministic, tmp_path):
    return HcwatchApp(open_demo_runtime(tmp_path))


async def still(pilot) -> None:
    """Stop what moves on its own: flashes, toasts, blinking cursors."""
    app = pilot.app
    app.main.table.end_all_flashes()
    app.main.tick()  # relative times as of the frozen clock, not whenever the real 5 s tick last ran
    app.clear_notifications()
    for widget in app.screen.query("Input"):
        widget.cursor_blink = False
    await settle(pilot)


async def first_minute(pilot) -> None:
    await started(pilot)
    await advance(pilot, 30, step=3)  # payments succeeded, dws-prod about to fail
    await still(pilot)


class TestMainScreen:
    def test_80x24(self, app, snap_compare):
        assert snap_compare(app, terminal_size=(80, 24), run_before=first_minute)

    def test_120x40(self, app, snap_compare):
        assert snap_compare(app, terminal_size=(120, 40), run_before=first_minute)

    def test_no_color(self, deterministic, tmp_path, monkeypatch, snap_compare):
        monkeypatch.setenv("NO_COLOR", "1")
        app = HcwatchApp(open_demo_runtime(tmp_path))
        assert snap_compare(app, terminal_size=(100, 30), run_before=first_minute)


class TestDialogsAndDetail:
    def test_add_dialog_validation_error(self, app, snap_compare):
        async def run_before(pilot):
            await first_minute(pilot)
            await pilot.press("a", *"bad id!")
            await still(pilot)

        assert snap_compare(app, terminal_size=(100, 30), run_before=run_before)

    def test_detail_pane_with_error(self, app, snap_compare):
        async def run_before(pilot):
            await first_minute(pilot)
            sim = pilot.app.runtime.simulator
            sim.inject("server", ref=THROTTLED, status=503, code="APIG.0203",
                       msg="[red]Backend unavailable[/] \x1b[2J")
            table = pilot.app.main.table
            table.move_cursor(row=table.get_row_index(THROTTLED), animate=False)
            await pilot.press("r")
            await advance(pilot, 2, step=1)
            await still(pilot)

        assert snap_compare(app, terminal_size=(120, 40), run_before=run_before)
