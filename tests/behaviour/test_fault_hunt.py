"""Faults the fault hunt found in the TUI (issue 10): each test sends what a user or a terminal did."""

from __future__ import annotations

import json

import pytest
from textual import events
from textual.command import CommandPalette

from tui.app.commands import HcwatchCommands
from tui.app.driving import settle
from tui.app.screens.add import AddTaskScreen
from tui.app.screens.help import HelpScreen
from tui.app.screens.main import MainScreen


def burst(app, *keys: str) -> None:
    """Queue keys the way the terminal driver does when they arrive in one read: all before any is handled."""
    chars = {"enter": "\r", "escape": "\x1b"}
    for key in keys:
        app.post_message(events.Key(key, chars.get(key, key if len(key) == 1 else None)))


async def open_palette(pilot) -> CommandPalette:
    """ctrl+p with only hcwatch's own commands, so the first one (Add task) is known.

    Textual's system commands arrive from another provider in no fixed order.
    """
    pilot.app.COMMANDS = {HcwatchCommands}
    await pilot.press("ctrl+p")
    for _ in range(100):
        await pilot.pause(0.01)
        palette = pilot.app.screen
        if isinstance(palette, CommandPalette) and palette.query_one("CommandList").option_count:
            return palette
    raise AssertionError("the palette listed no commands")


async def test_enter_enter_in_the_palette_runs_one_command_and_keeps_running(pilot):
    app = pilot.app
    await open_palette(pilot)
    burst(app, "enter", "enter")
    await pilot.pause(0.2)
    await settle(pilot)
    assert app.is_running and app._exception is None  # Textual 8.2.8 alone: ScreenStackError, exit 1
    # The first command (Add task) ran once: one dialog over the main screen, the palette gone.
    assert [type(s) for s in app.screen_stack] == [MainScreen, AddTaskScreen]


async def test_enter_enter_in_the_palette_over_a_dialog_leaves_the_dialog(pilot):
    app = pilot.app
    await pilot.press("question_mark")
    await open_palette(pilot)
    burst(app, "enter", "enter", "enter")
    await pilot.pause(0.2)
    await settle(pilot)
    assert app.is_running and app._exception is None
    assert [type(s) for s in app.screen_stack][:2] == [MainScreen, HelpScreen]
    assert not any(isinstance(s, CommandPalette) for s in app.screen_stack)


async def test_every_palette_hcwatch_opens_is_the_guarded_one(pilot):
    from tui.app.palette import GuardedPalette

    app = pilot.app
    await pilot.press("ctrl+p")
    await pilot.pause()
    assert isinstance(app.screen, GuardedPalette)
    await pilot.press("escape")
    app.search_themes()  # the system command "Change theme"
    await pilot.pause()
    assert isinstance(app.screen, GuardedPalette)


# ----- bidi and zero-width characters (item 8) ------------------------------------------------

RLO, ZWSP, LRI, PDI, BOM = "\u202e", "\u200b", "\u2066", "\u2069", "\ufeff"
HIDDEN = (RLO, ZWSP, LRI, PDI, BOM, "\u200e", "\u200f")
PAYMENTS = "check:7f3c2a91d4e84b6c9a0f5e1d2c3b4a59"
SPOOF_NAME = f"pay{RLO}stnemy{ZWSP}ap"
SPOOF_INFO = f"{LRI}ok{PDI} scan{BOM} at\u200e 40\u200f%"


@pytest.fixture
def hostile_demo(monkeypatch):
    """The demo, its payments scan renamed and its progress text sent with bidi and zero-width characters."""
    import tui.sim.demo

    original = tui.sim.demo.demo_tasks

    def tasks():
        specs = original()
        first = specs[0]
        assert first["ref"] == PAYMENTS
        first["name"] = SPOOF_NAME
        first["script"] = [(0, {"task_status": 0, "progress": {"ratio": "40%", "info": SPOOF_INFO}})]
        return specs

    monkeypatch.setattr(tui.sim.demo, "demo_tasks", tasks)


def test_list_shows_invisible_characters_and_json_keeps_them_escaped(capsys, hostile_demo):
    from tui.cli.main import main

    assert main(["list", "--demo"]) == 0
    out = capsys.readouterr().out
    assert not any(ch in out for ch in HIDDEN)
    row = next(line for line in out.splitlines() if line.endswith(PAYMENTS))
    assert "pay<U+202E>stnemy<U+200B>ap" in row and "<U+2066>ok<U+2069> scan<U+FEFF>" in row

    assert main(["list", "--demo", "--json"]) == 0
    out = capsys.readouterr().out
    assert not any(ch in out for ch in HIDDEN) and "\\u202e" in out  # escaped by JSON
    obj = next(json.loads(line) for line in out.splitlines() if PAYMENTS in line)
    assert obj["name"] == SPOOF_NAME and obj["message"] == SPOOF_INFO  # the data as sent


async def test_the_screen_shows_invisible_characters(hostile_demo, tmp_path):
    from tests.behaviour.conftest import SIZE, open_demo_runtime
    from tui.app.app import HcwatchApp
    from tui.app.driving import started

    app = HcwatchApp(open_demo_runtime(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        name, message = app.main.table.cell_text(PAYMENTS, "name"), app.main.table.cell_text(PAYMENTS, "message")
        assert name == "pay<U+202E>stnemy<U+200B>ap"
        assert message.startswith("<U+2066>ok<U+2069> scan<U+FEFF> at<U+200E> 40<U+200F>%")
        app.main.table.move_cursor(row=app.main.table.get_row_index(PAYMENTS), animate=False)
        await settle(pilot)
        detail = app.main.detail.text.plain
        assert "pay<U+202E>stnemy<U+200B>ap" in detail and not any(ch in detail for ch in HIDDEN)


# ----- messages that quote what the user typed (items 11, 12) -----------------------------------

def test_an_endpoint_with_a_password_is_refused_with_the_password_masked(capsys, tmp_path):
    from tui.cli.main import main

    config = tmp_path / "config.toml"
    config.write_text('[profiles.default.endpoints]\ncheck = "https://bob:hunter2@check.example.com"\n')
    code = main(["list", "--config", str(config), "--watchlist", str(tmp_path / "wl.toml")])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1
    assert "'https://…@check.example.com'" in err and "hunter2" not in err and "\\u2026" not in err


@pytest.mark.parametrize("ref, meant", [("CHECK:abc", "check:abc"), ("DWS:p1/j1", "dws:p1/j1")])
def test_add_refuses_a_service_in_capitals_and_says_which_was_meant(capsys, tmp_path, ref, meant):
    from tui.cli.main import main

    wl = tmp_path / "wl.toml"
    assert main(["add", ref, "--watchlist", str(wl)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.rstrip().endswith(f"did you mean {meant}?")
    assert not wl.exists()


# ----- deeply nested TOML (item 6) --------------------------------------------------------------

DEEP = {
    "array": "x = " + "[" * 5000 + "\n",
    "inline table": "x = " + "{a=" * 5000 + "\n",
    "dotted key": ".".join(["a"] * 5000) + " = 1\n",        # parses, then breaks whatever walks it
    "table header": "[" + ".".join(["a"] * 5000) + "]\n",
}


@pytest.mark.parametrize("shape", list(DEEP))
@pytest.mark.parametrize("option", ["--config", "--watchlist"])
def test_deeply_nested_toml_is_one_line_naming_the_file_and_exit_2(capsys, tmp_path, shape, option):
    from tui.cli.main import main

    bad = tmp_path / "bad.toml"
    bad.write_text(("version = 1\n" if option == "--watchlist" else "") + DEEP[shape])
    before = bad.read_bytes()
    for argv in (["list"], ["add", "check:abc"]):
        code = main([*argv, option, str(bad)])
        err = capsys.readouterr().err
        assert code == 2, err
        assert err.count("\n") == 1 and err.startswith(f"hcwatch: {bad}:") and "nested more than 32" in err
        assert "Traceback" not in err and "RecursionError" not in err
    assert bad.read_bytes() == before


# ----- the hard deadline on leaving (item 2; the pty test is tests/e2e/test_terminal_loss.py) ----

async def test_quitting_arms_the_deadline_with_the_exit_status(demo_runtime):
    from tui.app.app import HcwatchApp
    from tui.app.shutdown import Deadline

    codes: list[int] = []
    deadline = Deadline(lambda: None, seconds=3600, exit=codes.append)  # never reached in a test
    app = HcwatchApp(demo_runtime, deadline=deadline)
    async with app.run_test() as pilot:
        await pilot.pause()
        assert not deadline.armed
        await pilot.press("q")
        await pilot.pause()
    assert deadline.armed and deadline.code == 0 and codes == []
