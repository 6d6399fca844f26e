"""Notifications in the TUI on the demo's FakeClock: what leaves through the driver, hooks, `m` mute."""

from __future__ import annotations

import sys

import pytest

from tui.app.driving import advance, settle
from tui.config.notify_config import Hook
from tui.model import Phase

PAYMENTS = "check:7f3c2a91d4e84b6c9a0f5e1d2c3b4a59"      # succeeds at 20 s
DWS_PROD = "dws:05f2cff45100d5112f4bc00b794ea08e/2c9080e8845b207101845b245e1e0001"  # fails at 35 s


async def goto(pilot, key: str) -> None:
    table = pilot.app.main.table
    table.move_cursor(row=table.get_row_index(key), animate=False)
    await settle(pilot)


def sent(app) -> list[str]:
    dispatcher = app.notifications.dispatcher
    return [s.title for s in dispatcher.sent] if dispatcher else []


async def test_the_demos_first_minute_notifies_a_success_and_a_failure_once_each(pilot, bells):
    await advance(pilot, 50, step=2.5)
    titles = sent(pilot.app)
    assert "payments-service scan succeeded" in titles and "dws-prod create failed" in titles
    assert len(titles) == len(set(titles))
    await advance(pilot, 20, step=5)        # more polls of the finished tasks: none notifies again
    later = sent(pilot.app)                 # (a task that finishes meanwhile, e.g. the build, adds its own)
    assert later[: len(titles)] == titles and len(later) == len(set(later))
    assert bells      # the TUI's own bell rings through Textual, not through the dispatcher
    assert all("\x07" not in s.sequence for s in pilot.app.notifications.dispatcher.sent)


async def test_m_mutes_the_selected_task_it_flashes_but_sends_nothing(pilot, bells):
    app = pilot.app
    await goto(pilot, PAYMENTS)
    await pilot.press("m")
    await settle(pilot)
    assert "mute = true" in app.runtime.watchlist.path.read_text()
    assert app.main.table.cell_text(PAYMENTS, "message").startswith("⊘ muted · ")
    await goto(pilot, DWS_PROD)
    await advance(pilot, 10, step=2)                  # payments succeeds at 20 s…
    app.runtime.refresh(PAYMENTS)                     # …and this poll sees it, before dws-prod fails at 35 s
    await advance(pilot, 3, step=1)
    assert app.main.table.cell_text(PAYMENTS, "status") == "✔ succeeded"
    assert PAYMENTS in app.board.unseen               # marked, and it flashed
    assert not bells and sent(app) == []
    await goto(pilot, PAYMENTS)
    await pilot.press("m")
    await settle(pilot)
    assert "mute" not in app.runtime.watchlist.path.read_text()
    assert not app.main.table.cell_text(PAYMENTS, "message").startswith("⊘")


@pytest.fixture
def failing_hook(demo_runtime, tmp_path):
    code = "import sys; sys.stdin.read(); sys.stderr.write('webhook answered 500'); sys.exit(3)"
    demo_runtime.settings.hooks = [Hook((sys.executable, "-c", code), (Phase.FAILED, Phase.SUCCEEDED), 5, line=9)]
    return demo_runtime


async def wait_for_hooks(pilot, runs: int) -> None:
    import asyncio

    runner = pilot.app.notifications.dispatcher.runner
    for _ in range(400):
        if len(runner.results) >= runs and not runner.running:
            break
        await asyncio.sleep(0.01)
    await settle(pilot)


async def test_a_failing_hook_is_shown_once_and_logged_every_time(failing_hook, pilot, toasts):
    await advance(pilot, 22, step=2)
    await wait_for_hooks(pilot, 1)
    await advance(pilot, 16, step=2)
    await wait_for_hooks(pilot, 2)
    hook_toasts = [n for n in toasts() if n.title == "hook failed"]
    assert len(hook_toasts) == 1 and not hook_toasts[0].markup
    message = hook_toasts[0].message
    assert "(config line 9) failed: exit 3 in " in message and message.endswith(": webhook answered 500")
    log = (pilot.app.runtime.state.dir / "hooks.log").read_text()
    assert log.count("exit 3") == 2
