"""The state folder: each task's last snapshot and bounded change history, written in the background."""

from __future__ import annotations

import asyncio
import gc
import json
import os
import threading
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, NamedTuple

from tui.clock import Clock
from tui.history import EMPTY, ChangeLog, Changes
from tui.model import Change, Snapshot, TaskRef
from tui.runs import RunBook, advance
from tui.store.atomic import atomic_write, locked, remove_stale_temps
from tui.store.legacy_format import history_from_json, snapshot_from_json
from tui.store.records import iso, saved_ref
from tui.store.state_format import PHASE_CODES, Codes, decode_histories, decode_runs, decode_task, encode_task
from tui.store.state_lines import FileId, file_id, lines_of, old_lines, write_order

__all__ = ["STATE_FILE", "VERSION", "StateStore", "TaskState"]

STATE_FILE = "state.jsonl"
VERSION = 2  # 2: compact array lines (tui.store.state_format); 1: objects, still read
_READABLE = (1, 2)


_NO_RUNS = RunBook()  # frozen: one for every task without runs (asked for per row of the table)


class TaskState(NamedTuple):  # a tuple: 10,000 are built at every load, and the store keeps the same ones
    """What the state folder remembers of one task."""

    snapshot: Snapshot
    # A ChangeLog from load(), which the poller it seeds appends to too; a view of it from get().
    history: Sequence[Change] = EMPTY
    runs: RunBook = _NO_RUNS
    # (the store's own) history.total when it last recorded: changes after it were appended by whoever
    # shares the log (the poller), and are still news to the run book.
    seen: int = 0


def _unseen(history: Changes, new: list[Change]) -> list[Change]:
    """The changes of `new` not in `history`: none older than its last, none of its last time twice."""
    if not history or not new:
        return new
    last = history[-1].at
    new = [c for c in new if c.at >= last]
    if new and new[0].at == last:
        same_time = {c for c in history[-len(new):] if c.at == last}
        new = [c for c in new if c.at > last or c not in same_time]
    return new


def _encode(key: str, entry: TaskState) -> str:
    return encode_task(key, entry.snapshot, entry.history, entry.runs)


class StateStore:
    """Last snapshots and histories in `state_dir/state.jsonl`; a cache, so problems only warn.

    The file is JSON Lines: a header object (`{"hcwatch_state": 2, ...}`), then one compact
    array per task (tui.store.state_format; version 1 object lines are still read). One line per task
    lets a save re-encode only the tasks that changed since the last one (lines read at start
    are reused as they are) and a damaged line lose only its task.
    """

    def __init__(self, state_dir: Path | str, history_limit: int = 200, *, clock: Clock | None = None) -> None:
        self.dir = Path(state_dir)
        self.path = self.dir / STATE_FILE
        self.history_limit = max(1, history_limit)
        self.warnings: list[str] = []
        self._clock = clock or Clock()
        self._entries: dict[str, TaskState] = {}
        # Where each entry's line is in the file last read or written (state_lines.span), until the
        # entry changes: a save copies those lines from that file (if it is still there) instead.
        self._kept: dict[str, int] = {}
        self._touched: set[str] = set()  # tasks recorded or forgotten since the last flush began
        self._file: FileId | None = None
        self._lock = threading.Lock()  # guards the fields below; held briefly
        # One flush at a time, so a slower, older write never lands after a newer one.
        self._flush_lock = threading.Lock()
        self._dirty = False
        self._event: asyncio.Event | None = None
        self._write_failed = False

    # -- reading --

    def _set_aside(self, reason: str, kept: str = "starting without it") -> None:
        stamp = self._clock.now().strftime("%Y%m%dT%H%M%SZ")
        aside = self.path.with_name(f"{STATE_FILE}.corrupt-{stamp}")
        try:
            os.replace(self.path, aside)
            where = f"moved it to {aside.name}"
        except OSError as exc:
            where = f"could not move it aside ({exc.strerror or exc})"
        self.warnings.append(f"{self.path}: saved state damaged ({reason}); {where}; {kept}")

    def load(self, known: Mapping[str, TaskRef] | None = None) -> dict[str, TaskState]:
        """Read the saved state; every snapshot comes back stale. Never raises for a bad file.

        `known`: the watch list's TaskRef of each key; a task's snapshot and changes share that one
        instead of each line's REF being parsed into another (10,000 fewer objects, and faster).
        """
        try:
            with open(self.path, "rb") as fh:
                read_from = file_id(os.fstat(fh.fileno()))
                raw = fh.read()
        except FileNotFoundError:
            return {}
        except OSError as exc:
            self._set_aside(f"cannot read it: {exc.strerror or exc}")
            return {}
        start = raw.find(b"\n")
        start = len(raw) if start < 0 else start
        try:
            header = json.loads(raw[:start])
            if not isinstance(header, dict) or "hcwatch_state" not in header:
                raise ValueError("not a hcwatch state file")
            if header["hcwatch_state"] not in _READABLE:
                raise ValueError(f"unsupported version {header['hcwatch_state']!r}")
            codes = Codes(header.get("phases", PHASE_CODES))
        except (ValueError, UnicodeDecodeError, RecursionError) as exc:
            self._set_aside("not valid JSON" if isinstance(exc, json.JSONDecodeError) else str(exc))
            return {}
        # Decoding builds ~100,000 objects that all stay alive: the cyclic GC would walk the
        # growing heap again and again (half the load time) while finding nothing to free.
        gc_was_on = gc.isenabled()
        gc.disable()
        try:
            result, entries, kept, bad = self._decode(raw, start + 1, codes, known or {})
        finally:
            if gc_was_on:
                gc.enable()
        del raw
        if bad:
            self._set_aside(f"{bad} unreadable line{'s' if bad > 1 else ''}", f"kept the other {len(result)} tasks")
        with self._lock:
            # Anything recorded before load() is newer than the file.
            for key in self._entries:
                kept.pop(key, None)
            entries.update(self._entries)
            self._entries, self._kept, self._file = entries, kept, None if bad else read_from
            self._dirty = self._dirty or bad > 0
        return result

    def _decode(self, raw: bytes, start: int, codes: Codes, known: Mapping[str, TaskRef]
                ) -> tuple[dict[str, TaskState], dict[str, TaskState], dict[str, int], int]:
        limit = self.history_limit
        result: dict[str, TaskState] = {}
        entries: dict[str, TaskState] = {}
        kept: dict[str, int] = {}
        bad = 0
        memo: dict[str, str] = {}  # one string for each message (and build number), however many repeat it
        for chunk in lines_of(raw, start):
            rows: list[tuple[Any, ...]] = []  # (key, snapshot, runs, history, span to reuse or None)
            refs: list[TaskRef] = []  # the tasks whose history is decoded after the chunk's loop, all at once
            flats: list[Any] = []
            for place, text, item in zip(*chunk, strict=True):
                try:
                    if item is None:  # the chunk's one-shot parse failed: this line on its own
                        item = json.loads(text)
                    if item.__class__ is list:
                        key, ref, snap = decode_task(item, codes, memo, known)
                        runs = decode_runs(item[3], codes, memo) if len(item) > 3 else None
                        history: int | ChangeLog | None = None
                        # As written: our phase numbers (a file that numbers them otherwise is written
                        # anew under our header), the same key, every change kept (not cut to a smaller limit).
                        reusable = codes.table is None and text.startswith(f'["{key}",') and (
                            len(item) < 3 or len(item[2]) <= 4 * limit)
                        if len(item) > 2:
                            history = len(refs)
                            refs.append(ref)
                            flats.append(item[2])
                    else:  # a version 1 object (or a hand-written one)
                        _, ref = saved_ref(item["ref"])
                        snap = snapshot_from_json(ref, item["snapshot"])
                        history = ChangeLog(limit, history_from_json(ref, item.get("history") or ())[-limit:])
                        key, reusable, runs = str(ref), False, None
                except (KeyError, TypeError, ValueError, AttributeError, IndexError, RecursionError, OverflowError):
                    bad += 1
                    continue
                rows.append((key, snap, runs, history, place if reusable else None))
            logs = decode_histories(refs, flats, codes, limit, memo)
            del chunk, refs, flats
            for key, snap, runs, held, place in rows:
                history = logs[held] if held.__class__ is int else held
                if history is None:
                    if held is not None:  # its history is malformed
                        bad += 1
                        continue
                    history = ChangeLog(limit)  # a log to share with the poller, for the changes to come
                result[key] = entries[key] = TaskState(snap, history, runs or _NO_RUNS, history.total)
                if place is not None:
                    kept[key] = place  # copied as is from the file at the next save
                else:
                    kept.pop(key, None)
        return result, entries, kept, bad

    def get(self, key: str) -> TaskState | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        history = entry.history
        return entry._replace(history=history.view()) if isinstance(history, ChangeLog) else entry

    def runs(self, key: str) -> RunBook:
        """The runs hcwatch saw of a task (when the current one began, the last few durations)."""
        entry = self._entries.get(key)
        return entry.runs if entry is not None else _NO_RUNS

    # -- recording (memory only: this is on the poll path) --

    def record(self, key: str, snapshot: Snapshot, changes: Iterable[Change] = (), log: ChangeLog | None = None
               ) -> None:
        """Remember a task's latest snapshot and its changes.

        `changes` may be just the new changes or the task's whole history: changes not
        newer than the last one remembered (and not already in it) are not added twice.
        The history may be shared (the poller seeded with the loaded log appends to it): changes
        it appended since the last record() are news to the run book but not appended again.
        `log`: the poller's own log of the task, which already holds `changes`; a task the store has
        no entry for (added in this session) shares it, so its changes are held once, not twice.
        """
        with self._lock:
            old = self._entries.get(key)
            history = old.history if old is not None else EMPTY
            new = list(changes)
            if old is None and log is not None and log.cap == self.history_limit:
                # Shared from now on, as a loaded log is: the last len(new) changes in it are this record's news.
                history = log
                old = TaskState(snapshot, log, _NO_RUNS, log.total - len(new))
            assert isinstance(history, ChangeLog | Changes)  # the store's own entries: never a list
            if new:
                if not isinstance(history, ChangeLog):
                    history = ChangeLog(self.history_limit)
                view = history.view()
                new = _unseen(view.upto(old.seen) if old is not None else view, new)
                history.extend(_unseen(view, new))
            runs = advance(old.runs if old else None, snapshot, new)
            self._entries[key] = TaskState(snapshot, history, _NO_RUNS if runs.empty else runs, history.total)
            self._kept.pop(key, None)
            self._touched.add(key)
            self._dirty = True
        if self._event is not None:
            self._event.set()

    def forget(self, key: str) -> None:
        with self._lock:
            if self._entries.pop(key, None) is not None:
                self._kept.pop(key, None)
                self._touched.add(key)
                self._dirty = True
        if self._event is not None:
            self._event.set()

    def retain(self, keys: Iterable[str]) -> None:
        """Forget every task not in keys (tasks removed from the watch list while closed)."""
        keep = set(keys)
        for key in [k for k in self._entries if k not in keep]:
            self.forget(key)

    # -- writing --

    def flush(self) -> bool:
        """Write the state file atomically if anything changed; True if it wrote. Safe from a thread."""
        with self._flush_lock:
            return self._flush()

    def _flush(self) -> bool:
        with self._lock:
            if not self._dirty:
                return False
            self._dirty = False
            keys = list(self._entries)
            kept = dict(self._kept)
            self._touched = set()
            known = self._file
        places: dict[str, int] = {}

        def line(key: str) -> bytes | None:
            # The task's entry as it is when its line is written, not a copy of all of them taken
            # first: a copy kept every entry the poller replaced during the write alive until its
            # end (at 10,000 tasks, a write of seconds overlaps thousands of polls). A task changed
            # meanwhile is in _touched, so its line is written again at the next save either way.
            with self._lock:
                entry = self._entries.get(key)
            return None if entry is None else _encode(key, entry).encode("utf-8")

        try:
            header = json.dumps({"hcwatch_state": VERSION, "saved_at": iso(self._clock.now()),
                                 "phases": PHASE_CODES}, separators=(",", ":")).encode("utf-8")
            with locked(self.path):
                remove_stale_temps(self.path)
                old = old_lines(self.path, known) if kept else None
                try:
                    atomic_write(self.path, write_order(header, keys, kept, old, line, places))
                finally:
                    if old is not None:
                        old.close()
                written = file_id(os.stat(self.path))
        except BaseException:
            with self._lock:
                self._dirty = True
            raise
        with self._lock:
            for k in self._touched:  # changed again while this write was under way: encoded at the next
                places.pop(k, None)
            self._kept = places
            self._file = written
        self._write_failed = False
        return True

    def _flush_quietly(self) -> None:
        try:
            self.flush()
        except Exception as exc:  # noqa: BLE001 - a bug must not end the background saves silently
            if not self._write_failed:  # say it once, not every few seconds
                why = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
                self.warnings.append(f"{self.path}: cannot save state ({why})")
            self._write_failed = True

    async def run(self, every: float = 5.0) -> None:
        """Write in the background at most every `every` seconds while there are changes; flush at exit."""
        self._event = asyncio.Event()
        if self._dirty:
            self._event.set()
        try:
            while True:
                await self._event.wait()
                await self._clock.sleep(every)  # gather the changes of the next few seconds into one write
                self._event.clear()
                await asyncio.to_thread(self._flush_quietly)
        finally:
            self._event = None
            try:
                await asyncio.shield(asyncio.to_thread(self._flush_quietly))
            except (asyncio.CancelledError, RuntimeError):
                # Cancelled again, or the loop's executor is gone: write from here instead.
                self._flush_quietly()
