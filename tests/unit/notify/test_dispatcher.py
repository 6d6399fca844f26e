"""The Dispatcher on a FakeClock: one notification per change, coalesced bursts, mute, quiet hours, progress, hooks."""

from __future__ import annotations

import asyncio
import json
import sys
from datetime import UTC, datetime
from pathlib import Path

from tui.clock import FakeClock
from tui.config.notify_config import Hook, NotifySettings, QuietHours
from tui.model import Change, Phase, Snapshot, TaskRef, WatchedTask
from tui.notify.detect import Route
from tui.notify.dispatcher import Dispatcher
from tui.notify.policy import Policy
from tui.poll.interface import Update

E = "\x1b"
TASKS = {
    "check:a": WatchedTask(TaskRef.parse("check:a"), "payments-service scan"),
    "check:b": WatchedTask(TaskRef.parse("check:b"), "web-frontend scan"),
    "check:m": WatchedTask(TaskRef.parse("check:m"), "noisy scan", muted=True),
}


def update(key: str, to: Phase, frm: Phase = Phase.RUNNING, message: str = "", progress: float | None = None,
           **kw) -> Update:
    ref = TaskRef.parse(key)
    at = datetime(2026, 3, 1, 12, tzinfo=UTC)
    snap = Snapshot(ref, to, progress, message, fetched_at=at)
    changes = [] if to is frm else [Change(ref, frm, to, at, True, progress, message, **kw)]
    return Update(key, snap, changes, None)


class Terminal:
    def __init__(self) -> None:
        self.text = ""

    def __call__(self, text: str) -> None:
        self.text += text

    def count(self, what: str = f"{E}]777;notify;") -> int:
        return self.text.count(what)


def make(clock: FakeClock, notify: NotifySettings | None = None, hooks=(), mux=None, bell=False, **kw):
    notify = notify or NotifySettings()
    term = Terminal()
    policy = Policy.from_settings(notify, clock, tz=UTC)
    d = Dispatcher(notify, list(hooks), clock, Route("osc777", "test", mux), write=term, lookup=TASKS.get,
                   bell=bell, policy=policy, **kw)
    return d, term


async def tick(clock: FakeClock, seconds: float) -> None:
    for _ in range(int(seconds * 2)):
        clock.advance(0.5)
        await asyncio.sleep(0)
    await asyncio.sleep(0)


async def test_a_finished_task_notifies_once_in_words_after_the_burst_window():
    clock = FakeClock()
    d, term = make(clock)
    d.on_update(update("check:a", Phase.FAILED, message="3 critical defects"))
    d.on_update(update("check:a", Phase.FAILED, Phase.FAILED))     # the next polls change nothing
    assert term.count() == 0
    await tick(clock, 2.5)
    assert term.text == f"{E}]777;notify;payments-service scan failed;3 critical defects{E}\\"
    d.on_update(update("check:a", Phase.FAILED, Phase.FAILED))
    await tick(clock, 5)
    assert term.count() == 1


async def test_a_flapping_task_and_a_burst_of_tasks_give_one_notification():
    clock = FakeClock()
    d, term = make(clock)
    d.on_update(update("check:a", Phase.FAILED))
    d.on_update(update("check:a", Phase.RUNNING, Phase.FAILED))
    d.on_update(update("check:a", Phase.FAILED))
    d.on_update(update("check:b", Phase.SUCCEEDED))
    await tick(clock, 2.5)
    assert term.count() == 1
    assert "2 tasks changed (1 failed, 1 succeeded)" in term.text
    assert "payments-service scan failed, web-frontend scan succeeded" in term.text   # ';' cannot split 777


async def test_phases_not_in_on_changes_while_closed_and_muted_tasks_stay_silent():
    clock = FakeClock()
    d, term = make(clock, NotifySettings(on=(Phase.FAILED,)))
    d.on_update(update("check:a", Phase.SUCCEEDED))
    d.on_update(update("check:b", Phase.FAILED, while_closed=True))
    d.on_update(update("check:m", Phase.FAILED))
    await tick(clock, 3)
    assert term.text == "" and d.sent == []


async def test_quiet_hours_let_failures_through_and_sum_up_the_rest_when_they_end():
    clock = FakeClock(datetime(2026, 3, 1, 23, 0, tzinfo=UTC).timestamp())
    d, term = make(clock, NotifySettings(quiet=QuietHours.parse("22:00-07:00")))
    d.on_update(update("check:a", Phase.SUCCEEDED))
    await tick(clock, 3)
    d.on_update(update("check:b", Phase.FAILED))
    await tick(clock, 3)
    assert term.count() == 1 and "web-frontend scan failed" in term.text
    d.on_update(update("check:a", Phase.STOPPED, Phase.RUNNING))
    await tick(clock, 3)
    assert term.count() == 1
    clock.advance(8 * 3600)      # 07:00 and a bit
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    assert term.count() == 2
    assert d.sent[-1].title == "hcwatch: during quiet hours (22:00-07:00): 1 was stopped, 1 succeeded"


async def test_inside_tmux_the_notification_is_wrapped_and_watch_adds_the_bell():
    clock = FakeClock()
    d, term = make(clock, mux="tmux", bell=True)
    d.on_update(update("check:a", Phase.SUCCEEDED))
    await d.close()         # watch's exit: sends at once, no waiting for the window
    assert term.text == f"{E}Ptmux;{E}{E}]777;notify;payments-service scan succeeded;CodeArts Check: running → succeeded{E}{E}\\{E}\\\x07"


async def test_progress_is_opt_in_the_average_of_running_tasks_and_cleared_at_exit():
    clock = FakeClock()
    d, term = make(clock, NotifySettings(progress=False))
    d.on_update(update("check:a", Phase.RUNNING, Phase.RUNNING, progress=40))
    assert term.text == ""
    d, term = make(clock, NotifySettings(progress=True))
    d.on_update(update("check:a", Phase.RUNNING, Phase.RUNNING, progress=40))
    d.on_update(update("check:b", Phase.RUNNING, Phase.RUNNING, progress=60))   # within a second: not yet
    assert term.text == f"{E}]9;4;1;40{E}\\"
    clock.advance(1)
    d.on_update(update("check:b", Phase.RUNNING, Phase.RUNNING, progress=60))
    assert term.text.endswith(f"{E}]9;4;1;50{E}\\")
    await d.close()
    assert term.text.endswith(f"{E}]9;4;0;0{E}\\")


def hook_writing_stdin(path: Path, **kw) -> Hook:
    code = f"import sys; open({str(path)!r}, 'a').write(sys.stdin.read())"
    return Hook((sys.executable, "-c", code), **kw)


async def test_hooks_get_the_watch_json_object_with_change_on_stdin(tmp_path):
    out = tmp_path / "hook.jsonl"
    clock = FakeClock()
    hooks = [hook_writing_stdin(out), hook_writing_stdin(tmp_path / "only-failed.jsonl", on=(Phase.FAILED,))]
    d, _ = make(clock, hooks=hooks, redact=lambda s: s.replace("SECRET", "***"), log_path=tmp_path / "hooks.log")
    d.on_update(update("check:a", Phase.SUCCEEDED, message="token SECRET leaked"))
    d.on_update(update("check:m", Phase.FAILED))          # muted: no hook either
    await d.close()
    [obj] = [json.loads(line) for line in out.read_text().splitlines()]
    assert obj["ref"] == "check:a" and obj["name"] == "payments-service scan" and obj["phase"] == "succeeded"
    assert obj["message"] == "token *** leaked"
    assert obj["change"] == {"from": "running", "to": "succeeded", "major": True, "at": "2026-03-01T12:00:00Z"}
    assert not (tmp_path / "only-failed.jsonl").exists()
    assert "exit 0" in (tmp_path / "hooks.log").read_text()
