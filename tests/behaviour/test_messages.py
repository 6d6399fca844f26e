"""Pilot tests of what the TUI says when something is off: keymap mistakes, a broken watch list,
prompts, auth and clipboard messages (issue 11: honest words)."""

from __future__ import annotations

import pytest


@pytest.mark.keymap(refrsh="x", sort="a")
async def test_keymap_mistakes_are_toasted_at_start(pilot, toasts):
    warnings = [n.message for n in toasts() if n.severity == "warning"]
    assert any("unknown binding id 'refrsh'" in w and "did you mean 'refresh'" in w for w in warnings), warnings
    assert any("key 'a' of sort" in w and "add" in w for w in warnings), warnings


async def test_a_broken_hand_edit_of_the_watch_list_is_said_once_and_the_last_good_list_stays(pilot, tmp_path, toasts):
    from tui.app.driving import settle

    app = pilot.app
    path = tmp_path / "watchlist.toml"
    good = path.read_text()
    rows = list(app.main.table.order)

    def warned() -> list[str]:
        return [n.message for n in toasts() if n.title == "watch list not reloaded"]

    broken = good + '\n[[task]]\nref = "check:new0task"\npaused = "nope"\n'
    path.write_text(broken)
    line = broken.splitlines().index('paused = "nope"') + 1
    for _ in range(3):  # three ticks: one toast
        app.main.tick()
        await settle(pilot)
    assert len(warned()) == 1 and f"{path}:{line}:" in warned()[0], warned()
    assert list(app.main.table.order) == rows                      # the last good list stays
    header = app.query_one("#top").render().plain
    assert f"⚠ watchlist.toml:{line} not loaded" in header, header

    path.write_text(good.replace("web-frontend scan", "web-frontend scan (renamed)"))  # fixed
    app.main.tick()
    await settle(pilot)
    assert "not loaded" not in app.query_one("#top").render().plain
    assert any(n.message == "watch list loads again" for n in toasts())
    assert len(warned()) == 1


@pytest.fixture
def no_credentials_runtime(tmp_path, monkeypatch):
    """A real (non-demo) runtime with one task and no credentials anywhere."""
    import os

    from tui.clock import FakeClock
    from tui.runtime import Runtime

    for name in list(os.environ):
        if name.startswith(("HCWATCH_", "HUAWEICLOUD_")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    wl = tmp_path / "wl.toml"
    wl.write_text('version = 1\n[[task]]\nref = "check:abc"\nname = "nightly"\n')
    cfg = tmp_path / "config.toml"
    cfg.write_text('[profiles.default]\nregion = "cn-north-4"\n[profiles.default.endpoints]\n'
                   'check = "http://127.0.0.1:9"\n')
    return Runtime.open(config_path=cfg, watchlist_path=wl, state_dir=tmp_path / "state", clock=FakeClock())


async def test_no_credentials_is_called_so_and_wrapped_whole_in_the_detail_pane(no_credentials_runtime):
    from tui.app.app import HcwatchApp
    from tui.app.driving import started

    app = HcwatchApp(no_credentials_runtime)
    async with app.run_test(size=(80, 40)) as pilot:
        await started(pilot)
        lines = [line.plain for line in app.main.detail.lines()]
        width = app.main.detail.size.width
        text = " ".join(" ".join(line.split()) for line in lines)
        assert "polling stopped: profile default: no credentials found: set HCWATCH_AUTH_TOKEN" in text, text
        # The advice is whole (it was cut at 200 characters, mid-word) and nothing says "rejected".
        assert 'auth = "password" and HCWATCH_PASSWORD' in text and "rejected" not in text
        assert all(len(line) <= width for line in lines)


async def test_y_says_the_id_was_sent_not_copied(pilot, toasts, monkeypatch):
    from tui.app import clipboard
    from tui.app.driving import settle

    monkeypatch.setattr(clipboard, "CLIPBOARD", clipboard.Clipboard(env={}))  # not inside tmux
    task = pilot.app.main.selected_task()
    await pilot.press("y")
    await settle(pilot)
    said = [n.message for n in toasts()]
    assert f"sent {task.ref.task_id} to the terminal's clipboard" in said
    assert not any(m.startswith("copied") for m in said)


async def test_y_inside_tmux_that_drops_it_says_how_to_enable_it(pilot, toasts, monkeypatch):
    from tui.app import clipboard
    from tui.app.driving import settle

    monkeypatch.setattr(clipboard, "tmux_set_clipboard", lambda env=None: "external")
    monkeypatch.setattr(clipboard, "CLIPBOARD", clipboard.Clipboard(env={"TMUX": "x"}))
    await pilot.press("y")
    await settle(pilot)
    warned = [n.message for n in toasts() if n.severity == "warning" and "set-clipboard" in n.message]
    assert len(warned) == 1 and "set -g set-clipboard on" in warned[0]


async def test_retry_authentication_with_nothing_stopped_says_so(pilot, toasts):
    from tui.app.driving import settle

    assert not pilot.app.runtime.auth_problems
    pilot.app.main.action_retry_auth()
    await settle(pilot)
    assert "nothing to retry: all profiles authenticated" in [n.message for n in toasts()]


async def test_the_password_prompt_asks_the_credentials_question_as_is(pilot):
    import asyncio

    from tui.app.driving import settle
    from tui.app.screens.simple import TextScreen

    app = pilot.app
    asked = asyncio.ensure_future(app.prompt_password("IAM password for hcwatch-demo@hcwatch-demo"))
    await settle(pilot)
    assert isinstance(app.screen, TextScreen)
    assert app.screen.title_text == "IAM password for hcwatch-demo@hcwatch-demo"
    assert "profile" not in app.screen.title_text and app.screen.password
    await pilot.press("escape")
    await settle(pilot)
    assert await asked == ""  # the credentials say "no password entered for IAM user …"
