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
