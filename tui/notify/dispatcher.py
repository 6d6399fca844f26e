"""One notify layer for the TUI and `hcwatch watch`: updates in; desktop escapes, the bell, progress and hooks out."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tui.clock import Clock
from tui.config.notify_config import Hook, NotifySettings
from tui.model import Change, Phase, Snapshot, WatchedTask
from tui.notify import messages, sequences
from tui.notify.detect import Route
from tui.notify.hooks import HookRunner
from tui.notify.policy import Coalescer, Pending, Policy, Verdict

PROGRESS_EVERY = 1.0    # seconds between OSC 9;4 updates at most


@dataclass
class Sent:
    """One notification as it went out (kept for `notify test` and the tests)."""

    title: str
    body: str
    sequence: str       # what was written, wrapped for tmux/screen when needed


def hook_payload(key: str, task: WatchedTask | None, snapshot: Snapshot, change: Change) -> dict[str, Any]:
    """What a hook reads on stdin: the `watch --json` object of the task, with `change`."""
    obj = snapshot.to_json(task.name, task.profile) if task else snapshot.to_json()
    obj["change"] = change.to_json()
    return obj


class Dispatcher:
    """Decides, coalesces and sends; `write` reaches the terminal (the TUI's driver, or /dev/tty)."""

    def __init__(self, notify: NotifySettings, hooks: list[Hook], clock: Clock, route: Route, *,
                 write: Callable[[str], None] | None, lookup: Callable[[str], WatchedTask | None],
                 bell: bool = False, redact: Callable[[str], str] = str,
                 report: Callable[[str], None] | None = None, log_path: Path | None = None,
                 policy: Policy | None = None, hook_env: dict[str, str] | None = None) -> None:
        self.notify = notify
        self.hooks = list(hooks)
        self.clock = clock
        self.route = route
        self.write = write
        self.lookup = lookup
        self.ring = bell and notify.bell    # the TUI rings through Textual (the Board decides); watch here
        self.redact = redact
        self.policy = policy or Policy.from_settings(notify, clock)
        self.runner = HookRunner(report=report, log_path=log_path, redact=redact, env=hook_env)
        self.coalescer = Coalescer()
        self.held: list[tuple[str, WatchedTask | None, Change]] = []     # quiet hours: summed up at their end
        self.sent: list[Sent] = []
        self._timers: set[asyncio.Task[None]] = set()
        self._quiet_timer: asyncio.Task[None] | None = None
        self._progress: dict[str, tuple[Phase, float | None]] = {}
        self._progress_shown: tuple[int, int] | None = None
        self._progress_at = -1e9
        self._wants = set(notify.on) | {p for h in self.hooks for p in (h.on or notify.on)}

    # ----- input -----------------------------------------------------------------------------

    def on_update(self, update: Any) -> None:
        """One poll result (tui.poll.interface.Update); cheap when nothing changed."""
        if self.notify.progress:
            snap = update.snapshot
            self._progress[update.key] = (snap.phase, snap.progress)
            self._show_progress()
        if not update.changes:
            return
        task = self.lookup(update.key)
        if task is not None and task.muted:
            return
        for change in update.changes:
            if change.major and not change.while_closed and change.to_phase in self._wants:
                if self.coalescer.add(update.key, task, update.snapshot, change, self.clock.monotonic()):
                    self._later(self.coalescer.window, self.flush)

    def forget(self, key: str) -> None:
        self._progress.pop(key, None)

    # ----- output ----------------------------------------------------------------------------

    def _later(self, seconds: float, then: Callable[[], None]) -> asyncio.Task[None] | None:
        async def wait() -> None:
            await self.clock.sleep(seconds)
            then()

        try:
            task = asyncio.get_running_loop().create_task(wait(), name="notify timer")
        except RuntimeError:    # no loop (a synchronous caller): send at once
            then()
            return None
        self._timers.add(task)
        task.add_done_callback(self._timers.discard)
        return task

    def flush(self) -> None:
        """Send the burst collected so far: one desktop notification, one hook run per task and hook."""
        items = self.coalescer.take()
        if not items:
            return
        for hook in self.hooks:
            for item in items:
                found = item.latest(lambda c, h=hook: h.runs_on(c.to_phase, self.notify.on))
                if found is not None:
                    payload = hook_payload(item.key, item.task, *found)
                    self.runner.submit(hook, self._redact_payload(payload))
        self._desktop(items)

    def _desktop(self, items: list[Pending]) -> None:
        now: list[tuple[str, WatchedTask | None, Snapshot, Change]] = []
        for item in items:
            found = item.latest(lambda c: c.to_phase in self.notify.on)
            if found is None:
                continue
            snapshot, change = found
            verdict = self.policy.verdict(item.task, change)
            if verdict is Verdict.SEND:
                now.append((item.key, item.task, snapshot, change))
            elif verdict is Verdict.HOLD:
                self.held.append((item.key, item.task, change))
                self._hold_until_quiet_ends()
        if not now:
            return
        if len(now) == 1:
            title, body = messages.one(*now[0])
        else:
            title, body = messages.several([(k, t, c) for k, t, _, c in now])
        self.send(title, body)

    def _hold_until_quiet_ends(self) -> None:
        if self._quiet_timer is None or self._quiet_timer.done():
            # A second past the end, so the policy no longer finds it quiet.
            self._quiet_timer = self._later(self.policy.quiet_ends_in() + 1.0, self.quiet_over)

    def quiet_over(self) -> None:
        """Quiet hours ended: one notification sums up what they held back."""
        if self.policy.is_quiet():
            self._quiet_timer = None
            self._hold_until_quiet_ends()
            return
        held, self.held = self.held, []
        if held:
            self.send(*messages.quiet_summary(held, self.policy.quiet))

    def send(self, title: str, body: str, ident: str = "hcwatch") -> Sent:
        """Write one desktop notification (and the bell) now, wrapped for tmux or screen."""
        title, body = self.redact(title), self.redact(body)
        raw = sequences.notification(self.route.kind, title, body, ident)
        text = sequences.wrap(raw, self.route.mux) if raw else ""
        if self.ring:
            text += sequences.BEL
        sent = Sent(title, body, text)
        self.sent = [*self.sent[-19:], sent]
        if text and self.write is not None:
            self.write(text)
        return sent

    def _redact_payload(self, payload: dict[str, Any]) -> dict[str, Any]:
        def clean(value: Any) -> Any:
            if isinstance(value, str):
                return self.redact(value)
            if isinstance(value, dict):
                return {k: clean(v) for k, v in value.items()}
            if isinstance(value, list):
                return [clean(v) for v in value]
            return value

        return clean(payload)

    # ----- progress (OSC 9;4) ------------------------------------------------------------------

    def _show_progress(self) -> None:
        # At most once a second, so its cost (a pass over every task) does not grow with the poll rate.
        now = self.clock.monotonic()
        if now - self._progress_at < PROGRESS_EVERY:
            return
        self._progress_at = now
        running = [pct for phase, pct in self._progress.values() if phase is Phase.RUNNING]
        if not running:
            shown = (sequences.PROGRESS_CLEAR, 0)
        else:
            known = [p for p in running if p is not None]
            shown = ((sequences.PROGRESS_SET, round(sum(known) / len(known))) if known
                     else (sequences.PROGRESS_INDETERMINATE, 0))
        if shown == self._progress_shown or (self._progress_shown is None and not running):
            return
        self._progress_shown = shown
        if self.write is not None:
            self.write(sequences.wrap(sequences.progress(*shown), self.route.mux))

    def clear_progress(self) -> None:
        """Remove the tab's progress (at exit); nothing is written when none was shown."""
        if self._progress_shown not in (None, (sequences.PROGRESS_CLEAR, 0)) and self.write is not None:
            self.write(sequences.wrap(sequences.progress(sequences.PROGRESS_CLEAR), self.route.mux))
        self._progress_shown = None

    # ----- the end ---------------------------------------------------------------------------

    async def close(self, hook_wait: float | None = None) -> None:
        """Send what is still collected, wait for running hooks, clear the progress, stop the timers."""
        self.flush()
        for task in list(self._timers):
            task.cancel()
        self.clear_progress()
        with contextlib.suppress(Exception):
            await self.runner.close(hook_wait)
