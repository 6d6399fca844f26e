"""The headless commands: add, remove, rename, pause, resume, list and watch."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import math
import sys
from collections.abc import Callable
from datetime import datetime

from tui.cli.exits import EXIT_AUTH, EXIT_FAILED, EXIT_OK, EXIT_STOPPED, EXIT_TIMEOUT
from tui.cli.output import STDOUT
from tui.cli.session import open_runtime, print_warnings
from tui.errors import UserError
from tui.model import NO_PHASE, NO_PHASE_GLYPH, ErrorKind, Phase, Snapshot, WatchedTask, clean_text
from tui.text import json_line, visible


def run(args: argparse.Namespace) -> int:
    from tui.app.keys import keymap_warnings  # no Textual: the actions table as data

    STDOUT.reset()
    rt = open_runtime(args)
    shown = rt.warnings_shown  # watch prints warnings that come up while it runs, once each
    # A [keymap] mistake is a config warning like any other, here as in the TUI.
    rt.warnings.extend(keymap_warnings(rt.settings.keymap, rt.settings.keymap_where))
    try:
        print_warnings(rt, shown)
        from tui.cli import discover, profiles

        handler: Callable[..., int] = {
            "discover": discover.run,
            "profiles": profiles.run,
            "add": _add,
            "remove": _remove,
            "rename": _rename,
            "pause": _pause,
            "resume": _resume,
            "list": _list,
            "watch": _watch,
            "notify": _notify,
        }[args.command]
        return handler(rt, args)
    finally:
        print_warnings(rt, shown)
        rt.close()


def _notify(rt, args) -> int:
    from tui.cli.notify_cmd import run_test

    return run_test(rt)


def _say(text: str) -> None:
    # The last gate before the terminal: no control or invisible character in what we print.
    STDOUT.say(visible(text))  # a closed pipe (`| head`) is not an error: the command carries on quietly


def _add(rt, args) -> int:
    from tui.errors import AlreadyWatched

    try:
        task = rt.add(args.ref, args.name, args.profile)
    except AlreadyWatched as exc:
        # Adding twice is harmless for scripts: say so and succeed.
        _say(f"already watching {exc.task.key}" + (f" as {exc.task.name!r}" if exc.task.name else ""))
        return EXIT_OK
    why = None
    if task.name_pending:  # no --name: ask the service for the task's own name, once
        task, why = asyncio.run(rt.name_now(task))
    shown = f" as {task.name!r}" if task.name else ""
    _say(f"watching {task.key}{shown} (profile {task.profile}) in {rt.watchlist.path}")
    if why:
        from tui.naming import unnamed_note

        print(_redactor(rt)(f"hcwatch: {unnamed_note(task, why)}"), file=sys.stderr)
    return EXIT_OK


def _remove(rt, args) -> int:
    task = rt.remove(args.ref)
    _say(f"stopped watching {task.key}" + (f" ({task.name})" if task.name else ""))
    return EXIT_OK


def _rename(rt, args) -> int:
    old = rt.find(args.ref)
    task = rt.rename(args.ref, args.name)
    _say(f"renamed {task.key}: {old.label!r} → {task.label!r}")
    return EXIT_OK


def _pause(rt, args) -> int:
    task = rt.set_paused(args.ref, True)
    _say(f"paused {task.key}" + (f" ({task.name})" if task.name else ""))
    return EXIT_OK


def _resume(rt, args) -> int:
    task = rt.set_paused(args.ref, False)
    _say(f"resumed {task.key}" + (f" ({task.name})" if task.name else ""))
    return EXIT_OK


async def _terminal_prompt(question: str) -> str:
    """Ask for a password on the terminal, masked; refuse when there is no terminal to ask on."""
    if not sys.stdin.isatty():
        raise UserError(f"{question}: no terminal to ask on; set HCWATCH_PASSWORD")
    return await asyncio.to_thread(getpass.getpass, f"{question}: ")


def _redactor(rt) -> Callable[[str], str]:
    """Mask every secret the runtime holds (also encoded, and long parts of it) in text we print."""
    return lambda text: rt.cloud.mask()(text)


def _progress(snap: Snapshot) -> str:
    return "" if snap.progress is None else f"{snap.progress:.0f}%"


def _status_word(snap: Snapshot) -> str:
    if snap.phase is None:
        return f"{NO_PHASE_GLYPH} {NO_PHASE}"
    text = f"{snap.phase.glyph} {snap.phase.value}"
    if snap.phase is Phase.UNKNOWN and snap.raw_status:
        text += f" ({clean_text(snap.raw_status, 20)})"
    if snap.outdated:
        text += " (stale)"  # the last fetch failed, or it is what the state folder remembered
    return text


def _message(snap: Snapshot) -> str:
    if snap.error is not None:
        return f"⚠ {snap.error.one_line()}"
    return snap.message


def _facts_json(rt, task: WatchedTask, snap: Snapshot) -> dict:
    """`url` and `eta` of a task's JSON object (tui.facts), from the history the poller knows."""
    from tui.facts import facts_of_runtime

    status = rt.status(task.key)
    facts = facts_of_runtime(rt, task, snap, status.history if status is not None else ())
    return facts.json_fields() if facts is not None else {"url": None, "eta": None}


def format_table(rows: list[tuple[WatchedTask, Snapshot]], width: int | None = None,
                 mask: Callable[[str], str] | None = None) -> str:
    """A plain aligned table: what a person reads after `hcwatch list` (fitted to `width` when given;
    a PROFILE column first when the tasks use more than one profile; cells masked before they are measured)."""
    from tui.cli.table import HEADER, LIST_FIT, render

    several = len({t.profile for t, _ in rows}) > 1
    lines = [
        (
            *(clean_text(t.profile, 20),) * several,
            t.ref.service.value,
            clean_text(t.label, 40),
            _status_word(s),
            _progress(s),
            clean_text(_message(s), 70),
            t.key,
        )
        for t, s in rows
    ]
    return render(lines, width, ("PROFILE",) * several + HEADER, LIST_FIT, mask)


def _exit_for_list(snaps: list[Snapshot]) -> int:
    errors = [s.error for s in snaps if s.error is not None]
    if errors and all(e.kind is ErrorKind.AUTH for e in errors):
        return EXIT_AUTH
    return EXIT_FAILED if errors else EXIT_OK


def _list(rt, args) -> int:
    tasks = rt.tasks()
    if not tasks:
        if not args.json:
            print(f"hcwatch: no tasks watched yet; add one with 'hcwatch add REF' ({rt.watchlist.path})",
                  file=sys.stderr)
        return EXIT_OK

    async def go() -> dict[str, Snapshot]:
        try:
            return await rt.sweep(tasks, prompt_password=_terminal_prompt)
        finally:
            await rt.stop()

    result = asyncio.run(go())
    redact = _redactor(rt)
    rows = [(t, result[t.key]) for t in rt.tasks() if t.key in result]  # re-read: names may have been learnt
    if args.json:
        for task, snap in rows:
            _say(redact(json_line({**snap.to_json(task.name, task.profile), **_facts_json(rt, task, snap)})))
    else:
        _say(redact(format_table(rows, STDOUT.width(), redact)))  # masked again whole: nothing slips between cells
    for profile, why in rt.auth_problems.items():
        print(visible(redact(f"hcwatch: profile {profile}: {why}")), file=sys.stderr)
    if (held := rt.throttled_until()) is not None:  # list waits at most poll.holds.SWEEP_WAIT_MAX for it
        print(f"hcwatch: throttled by the gateway until {held.astimezone():%H:%M}: "
              "the tasks it holds show their last known status", file=sys.stderr)
    return _exit_for_list([s for _, s in rows])


def _done(snap: Snapshot, status) -> bool:
    """A followed task is done when it finished, went idle, or can no longer be polled."""
    if status is not None and status.stopped_reason:
        return True
    if snap.error is not None:
        return snap.error.kind in (ErrorKind.NOT_FOUND, ErrorKind.CONFIG)
    return snap.phase is not None and (snap.phase.finished or snap.phase is Phase.IDLE)


def _line(task: WatchedTask, snap: Snapshot, text: str, at: datetime) -> str:
    """One line of `watch`: time, name, what happened, progress, message, then the REF."""
    stamp = at.astimezone().strftime("%H:%M:%S")
    parts = [stamp, clean_text(task.label, 40), text]
    if snap.progress is not None:
        parts.append(_progress(snap))
    if snap.message and snap.error is None:
        parts.append(clean_text(snap.message, 120))
    if task.name:
        parts.append(f"[{task.key}]")
    return "  ".join(parts)


def _watch(rt, args) -> int:
    tasks: list[WatchedTask] = []
    for text in args.refs:
        try:
            tasks.append(rt.find(text))
        except UserError:
            from tui.refs import parse_target

            profile = args.profile or rt.default_profile
            ref = parse_target(text, rt.default_project(profile)).ref  # a REF or a console URL
            tasks.append(WatchedTask(ref, None, profile, rt.clock.now()))
    if args.timeout is not None and not (math.isfinite(args.timeout) and args.timeout > 0):
        raise UserError(f"--timeout {args.timeout:g} must be a positive number of seconds")
    redact = _redactor(rt)
    by_key = {t.key: t for t in tasks}
    keys = set(by_key)
    final: dict[str, Snapshot] = {}
    done = asyncio.Event()

    def emit(task: WatchedTask, snap: Snapshot, text: str, change=None) -> None:
        if args.json:
            obj = {**snap.to_json(task.name, task.profile), **_facts_json(rt, task, snap)}
            obj["change"] = None if change is None else change.to_json()
            _say(redact(json_line(obj)))
        else:
            _say(redact(_line(task, snap, text, snap.checked_at or snap.fetched_at or rt.clock.now())))

    seen_error: dict[str, str | None] = {}
    finished_keys: set[str] = set()
    announced: set[str] = set()     # tasks whose first good answer has been printed
    warned = [len(rt.warnings)]

    notifier: list = []     # the Dispatcher, made on the loop in go()

    def on_update(update) -> None:
        if update.key not in keys:
            return
        for n in notifier:
            n.on_update(update)
        task = by_key[update.key]
        if len(rt.warnings) != warned[0]:  # e.g. the rate cap cannot keep the interval: said once
            warned[0] = len(rt.warnings)
            print_warnings(rt, rt.warnings_shown)
        snap = update.snapshot
        final[update.key] = snap
        err = snap.error.one_line() if snap.error else None
        changes = update.changes
        if err is None and update.key not in announced:
            # One line for a task's first answer: where it stands, or how it changed while
            # hcwatch was closed; a change of progress since the saved state needs no line of its own.
            announced.add(update.key)
            major = [c for c in changes if c.major]
            if major:
                emit(task, snap, f"{major[-1].to_phase.glyph} {major[-1].describe()}", major[-1])
            else:
                emit(task, snap, _status_word(snap))
            changes = []
        for change in changes:
            text = f"{change.to_phase.glyph} {change.describe()}" if change.major else _status_word(snap)
            if change.while_closed and not change.major:
                text += " (while hcwatch was closed)"
            emit(task, snap, text, change)
        if err != seen_error.get(update.key) and err is not None:
            emit(task, snap, f"⚠ {err}")
        seen_error[update.key] = err
        # Only this task can have become done: checking it alone keeps an update O(1).
        if _done(snap, rt.status(update.key)):
            finished_keys.add(update.key)
        if finished_keys >= keys or STDOUT.closed:
            done.set()  # all done, or nobody reads any more (`| head -1`)

    async def go() -> bool:
        from tui.cli.notify_cmd import watch_notifier

        dispatcher, out = watch_notifier(rt, {t.key: t for t in tasks}, redact)
        notifier.append(dispatcher)
        await rt.follow(tasks, on_update, _terminal_prompt)
        try:
            await asyncio.wait_for(done.wait(), args.timeout)
            # Output closed first: the status a timeout at this moment would have given.
            return finished_keys >= keys
        except TimeoutError:
            return False
        finally:
            await rt.stop()
            await dispatcher.close()    # the last change's notification and hooks before exiting
            out.close()

    try:
        finished = asyncio.run(go())
    except KeyboardInterrupt:
        return 130
    for profile, why in rt.auth_problems.items():
        print(visible(redact(f"hcwatch: profile {profile}: {why}")), file=sys.stderr)
    if not finished and not STDOUT.closed:
        print(f"hcwatch: timed out after {args.timeout:g}s", file=sys.stderr)
    if not args.exit_status:
        return EXIT_OK if finished else EXIT_TIMEOUT
    return _exit_status(list(final.values()), finished)


def _exit_status(snaps: list[Snapshot], finished: bool) -> int:
    if any(s.error is not None and s.error.kind is ErrorKind.AUTH for s in snaps):
        return EXIT_AUTH
    if not finished:
        return EXIT_TIMEOUT
    if any(s.phase is Phase.FAILED or (s.error is not None and s.error.kind is not ErrorKind.AUTH) for s in snaps):
        return EXIT_FAILED
    if any(s.phase is Phase.STOPPED for s in snaps):
        return EXIT_STOPPED
    return EXIT_OK
