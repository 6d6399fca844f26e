"""Notifications from the command line: the notifier `watch` uses, and `hcwatch notify test`."""

from __future__ import annotations

import asyncio
import shlex
import sys
from collections.abc import Callable
from datetime import timedelta

from tui.cli.exits import EXIT_FAILED, EXIT_OK
from tui.model import Change, Phase, Snapshot, TaskRef, WatchedTask
from tui.notify import sequences
from tui.notify.dispatcher import Dispatcher, hook_payload
from tui.notify.output import TerminalOutput
from tui.notify.setup import open_dispatcher, route_for


def _warn(text: str) -> None:
    print(f"hcwatch: {text}", file=sys.stderr, flush=True)


def watch_notifier(rt, tasks: dict[str, WatchedTask],
                   redact: Callable[[str], str]) -> tuple[Dispatcher, TerminalOutput]:
    """The Dispatcher `watch` feeds: escapes and the bell to the terminal (never stdout), hooks beside."""
    out = TerminalOutput.open()
    route = route_for(rt.settings)
    if route.advice and route.kind != "off" and out.available:
        _warn(route.advice)
    dispatcher = open_dispatcher(rt.settings, rt.clock, route, write=out.write if out.available else None,
                                 lookup=tasks.get, bell=True, redact=redact, report=_warn, log_dir=rt.state.dir)
    return dispatcher, out


def _sample() -> tuple[str, WatchedTask, Snapshot, Change]:
    """A made-up finished task, clearly labelled as a test, for `notify test`."""
    from tui.clock import Clock

    now = Clock().now().replace(microsecond=0)
    ref = TaskRef.parse("check:hcwatch-notify-test")
    task = WatchedTask(ref, "hcwatch notify test", "default", now)
    snap = Snapshot(ref, Phase.SUCCEEDED, 100.0, "a test notification: your setup works", "2", fetched_at=now)
    change = Change(ref, Phase.RUNNING, Phase.SUCCEEDED, now - timedelta(seconds=1), True, 100.0, snap.message)
    return task.key, task, snap, change


def run_test(rt) -> int:
    """`hcwatch notify test`: send one of each configured signal now and say what went where."""
    from tui.cloud.auth import redact as redact_secrets

    settings = rt.settings
    out = TerminalOutput.open()
    route = route_for(settings)
    where = out.path if out.available else "nowhere (no terminal: not /dev/tty, not stderr)"
    key, task, snap, change = _sample()

    def redact(text: str) -> str:
        return redact_secrets(text, rt.secrets())

    async def go() -> Dispatcher:
        d = open_dispatcher(settings, rt.clock, route, write=out.write if out.available else None,
                            lookup=lambda _k: task, bell=settings.notify.bell, redact=redact,
                            log_dir=rt.state.dir)
        if route.kind != "off" or settings.notify.bell:
            from tui.notify import messages

            d.send(*messages.one(key, task, snap, change))
        if settings.notify.progress:
            out.write(sequences.wrap(sequences.progress(sequences.PROGRESS_SET, 50), route.mux))
            await asyncio.sleep(1.0)
            out.write(sequences.wrap(sequences.progress(sequences.PROGRESS_CLEAR), route.mux))
        for hook in d.hooks:
            d.runner.submit(hook, {**hook_payload(key, task, snap, change), "test": True})
        await d.runner.close()
        return d

    d = asyncio.run(go())
    out.close()
    print(f"desktop: {route.describe()} → {where}")
    if route.advice and route.kind != "off":
        print(f"  {route.advice}")
    print(f"bell: {'BEL → ' + where if settings.notify.bell else 'off ([notify] bell = false)'}")
    progress = f"OSC 9;4 at 50% for a second, then cleared → {where}" if settings.notify.progress else "off"
    print(f"progress: {progress}")
    if not d.hooks:
        print("hooks: none ([[hook]] in config.toml adds one)")
    failed = False
    for result in d.runner.results:
        failed = failed or not result.ok
        print(f"hook {shlex.join(result.hook.command)}: {result.describe()}")
        if result.stderr and not result.ok:
            print(f"  stderr: {result.stderr.splitlines()[-1][:200]}")
    if d.runner.log_path is not None and d.hooks and not rt.demo:
        print(f"hook log: {d.runner.log_path}")
    return EXIT_FAILED if failed else EXIT_OK
