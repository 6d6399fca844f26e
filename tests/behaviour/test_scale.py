"""The app with thousands of tasks: a filter typed in one burst is applied once, rows replaced in one pass, keys still work."""

from __future__ import annotations

import pytest
from textual import events

from tests.many_tasks import filled, write_watchlist
from tui.app.app import HcwatchApp
from tui.app.driving import settle
from tui.clock import FakeClock
from tui.runtime import Runtime

MANY = 2000


@pytest.fixture
def many_app(tmp_path) -> HcwatchApp:
    write_watchlist(tmp_path / "watchlist.toml", MANY)
    runtime = Runtime.open(demo=True, clock=FakeClock(), watchlist_path=tmp_path / "watchlist.toml",
                           state_dir=tmp_path / "state")
    return HcwatchApp(runtime)


class RowPlaces:
    """Counts the row positions the table writes (a removal renumbers every row below it)."""

    def __init__(self, monkeypatch, table) -> None:
        self.written = 0
        locations = type(table._row_locations)
        init, setitem = locations.__init__, locations.__setitem__

        def counted_init(this, initial):
            self.written += len(initial)
            init(this, initial)

        def counted_setitem(this, key, value):
            self.written += 1
            setitem(this, key, value)

        monkeypatch.setattr(locations, "__init__", counted_init)
        monkeypatch.setattr(locations, "__setitem__", counted_setitem)


async def test_a_filter_typed_in_a_burst_over_thousands_of_tasks_then_q_quits(many_app, monkeypatch):
    app = many_app
    async with app.run_test(size=(120, 40)) as pilot:
        await filled(pilot, MANY)
        places = RowPlaces(monkeypatch, app.main.table)
        applied: list[str] = []
        board_set_filter = app.board.set_filter
        monkeypatch.setattr(app.board, "set_filter", lambda text: (applied.append(text), board_set_filter(text)))
        # One burst, as a slow link or a paste delivers it: every key is queued before the first runs.
        for key, char in [("slash", "/"), *((c, c) for c in "ch-019")]:
            app.post_message(events.Key(key, char))
        await settle(pilot)
        assert app.main.table.order == [f"check:bench{i:05d}" for i in range(1900, 2000)]
        assert applied.count("ch-019") >= 1 and len(applied) < 6, "the burst is applied once, not per key"
        await pilot.press("enter", "j")  # keys after the filter are handled at once
        assert app.focused is app.main.table and app.main.table.cursor_row == 1
        # 2,000 rows down to 100 is one pass, not 1,900 removals that renumber the rows below them.
        assert places.written <= 2 * MANY
        await pilot.press("escape")
        await settle(pilot)
        assert len(app.main.table.order) == MANY
        await pilot.press("q")
        await pilot.pause()
    assert app.return_code == 0


async def test_a_rate_cap_that_cannot_keep_the_interval_is_said_once_with_what_to_change(tmp_path, capsys):
    from tui.cli.session import print_warnings
    from tui.poll.interface import PollSettings

    write_watchlist(tmp_path / "watchlist.toml", 0)
    runtime = Runtime.open(demo=True, clock=FakeClock(), watchlist_path=tmp_path / "watchlist.toml",
                           state_dir=tmp_path / "state")
    runtime.cadence.settings = PollSettings(interval=10, rate=0.2)  # the demo's few tasks per host need more
    poller = runtime._build(None, None)
    await runtime._restore(poller, list(runtime.watchlist.tasks))
    slow = [w for w in runtime.warnings if "are polled every" in w]
    assert slow and all("raise rate to" in w and "config.toml" in w for w in slow)
    assert runtime.cadence.note_text.startswith("every ")
    print_warnings(runtime, runtime.warnings_shown)
    print_warnings(runtime, runtime.warnings_shown)
    err = capsys.readouterr().err
    assert err.count("are polled every") == len(slow), "each host said once"
    runtime.close()
