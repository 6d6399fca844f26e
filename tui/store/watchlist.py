"""watchlist.toml: the watched tasks; locked, merged and atomically written, never overwritten while broken."""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any, TypeVar

import tomli_w

from tui.config.toml_reader import key_lines, line_of, loads, syntax_error
from tui.errors import AlreadyWatched, RefError, WatchlistError
from tui.model import ID_PATTERN, ID_RE, Service, TaskRef, WatchedTask, clean_text, plain_text
from tui.store.atomic import atomic_write, locked, remove_stale_temps
from tui.store.records import saved_ref
from tui.store.toml_text import toml_str

__all__ = ["HEADER", "VERSION", "Document", "Watchlist", "quick_read"]

HEADER = "# Managed by hcwatch: edits are kept, comments are not.\n"
VERSION = 1
NAME_LIMIT = 200
_KNOWN = ("ref", "name", "profile", "added", "paused", "codearts_project", "name_pending")
T = TypeVar("T")


@dataclass
class Document:
    """The file as read: tasks in order plus whatever else a hand edit put there (kept on rewrite)."""

    tasks: list[WatchedTask] = field(default_factory=list)
    extras: dict[str, dict[str, Any]] = field(default_factory=dict)  # per task key
    top: dict[str, Any] = field(default_factory=dict)
    stamp: tuple[int, int, int] | None = None


# The exact layout _dump writes, one task per match: reading a 10,000-task list through this is
# about three times faster than TOML-parsing it. Any deviation (a hand edit, a comment, an
# escape) falls back to the full parser, which also words the errors.
_QUICK_HEAD = re.compile(r"(?:#[^\x00-\x08\x0a-\x1f\x7f]*\n)*version = 1\n")
_QUICK_TASK = re.compile(
    r'\n\[\[task\]\]\nref = "([A-Za-z0-9_:/-]{1,140})"\n'
    r'(?:name = "([^"\\\x00-\x1f\x7f]*)"\n)?'
    rf'profile = "({ID_PATTERN})"\n'
    r"(?:added = ([0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{6})?Z)\n)?"
    r"paused = (true|false)\n"
    rf'(?:codearts_project = "({ID_PATTERN})"\n)?'
    r"(?:name_pending = (true)\n)?"
)


def quick_read(text: str) -> Document | None:
    """The tasks of a file exactly as hcwatch writes it, or None to use the full parser."""
    head = _QUICK_HEAD.match(text)
    if head is None:
        return None
    pos, end = head.end(), len(text)
    tasks: list[WatchedTask] = []
    seen: set[str] = set()
    match = _QUICK_TASK.match
    while pos < end:
        m = match(text, pos)
        if m is None:
            return None
        ref_text, name, profile, added, paused, project, pending = m.groups()
        try:
            ref = saved_ref(ref_text)[1]
            when = datetime.fromisoformat(added) if added else None
        except ValueError:  # RefError included: the full parser says what and where
            return None
        key = str(ref)
        if key in seen:
            return None
        seen.add(key)
        tasks.append(WatchedTask(ref, name or None, profile, when, paused == "true", project, pending == "true"))
        pos = m.end()
    return Document(tasks)


def _utc(value: datetime) -> datetime:
    # A datetime written without an offset is taken as UTC, so the file means the same everywhere.
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _toml_time(value: datetime) -> str:
    return _utc(value).isoformat().replace("+00:00", "Z")


class Watchlist:
    """The user's watch list file. Every mutation: lock, re-read the disk, apply, write atomically."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self.tasks: list[WatchedTask] = []
        self._doc: Document | None = None

    # ---- reading -------------------------------------------------------------------------

    def _fail(self, line: int | None, message: str) -> WatchlistError:
        return WatchlistError(f"{self.path}:{line}: {message}" if line else f"{self.path}: {message}")

    def _read(self) -> Document:
        try:
            with open(self.path, "rb") as fh:
                st = os.fstat(fh.fileno())
                raw = fh.read()
        except FileNotFoundError:
            return Document()
        except IsADirectoryError:
            raise self._fail(None, "is a folder, not a watch list file") from None
        except PermissionError:
            raise self._fail(None, "cannot read it (permission denied)") from None
        except OSError as exc:
            raise self._fail(None, f"cannot read it ({exc.strerror or exc})") from None
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise self._fail(raw[: exc.start].count(b"\n") + 1, "not UTF-8 text") from None
        quick = quick_read(text)
        if quick is not None:
            quick.stamp = (st.st_mtime_ns, st.st_size, st.st_ino)
            return quick
        try:
            data = loads(text)
        except tomllib.TOMLDecodeError as exc:
            line, message = syntax_error(exc, text)
            raise self._fail(line, message) from None
        doc = self._validate(data, text)
        doc.stamp = (st.st_mtime_ns, st.st_size, st.st_ino)
        return doc

    def _validate(self, data: dict[str, Any], text: str) -> Document:
        index: dict[tuple[Any, ...], int] | None = None

        def fail(path: tuple[Any, ...], message: str) -> WatchlistError:
            nonlocal index
            index = key_lines(text) if index is None else index
            return self._fail(line_of(text, path, index), message)

        doc = Document()
        version = data.get("version", VERSION)  # files written by hand may leave it out
        if isinstance(version, bool) or not isinstance(version, int):
            raise fail(("version",), f"version must be a whole number, not {version!r}")
        if version != VERSION:
            newer = " (written by a newer hcwatch?)" if version > VERSION else ""
            raise fail(("version",), f"unsupported version {version}{newer}; this hcwatch reads version {VERSION}")
        entries = data.get("task", [])
        if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
            raise fail(("task",), "task entries must be [[task]] tables")
        doc.top = {k: v for k, v in data.items() if k not in ("version", "task")}
        seen: dict[str, int] = {}
        for i, entry in enumerate(entries):
            here = ("task", i)
            ref_text = entry.get("ref")
            if ref_text is None:
                raise fail(here, f"task {i + 1} has no ref (like ref = \"check:TASK_ID\")")
            if not isinstance(ref_text, str):
                raise fail(here + ("ref",), f"task {i + 1}: ref must be text in quotes, not {ref_text!r}")
            try:
                ref = saved_ref(ref_text)[1]
            except RefError as exc:
                raise fail(here + ("ref",), f"task {i + 1}: {exc}") from None
            key = str(ref)
            if key in seen:
                raise fail(here + ("ref",), f"task {i + 1}: {key} is listed twice (also task {seen[key] + 1})")
            seen[key] = i
            name = entry.get("name")
            if name is not None and not isinstance(name, str):
                raise fail(here + ("name",), f"task {i + 1}: name must be text in quotes, not {name!r}")
            profile = entry.get("profile", "default")
            if not isinstance(profile, str) or not ID_RE.fullmatch(profile):
                raise fail(here + ("profile",), f"task {i + 1}: profile must be a profile name "
                           f"(letters, digits, '_' and '-'), not {profile!r}")
            added = entry.get("added")
            if isinstance(added, str):
                try:
                    added = datetime.fromisoformat(added)
                except ValueError:
                    raise fail(here + ("added",), f"task {i + 1}: added must be a date and time, "
                               f"like 2026-01-31T09:30:00Z, not {added!r}") from None
            if isinstance(added, date) and not isinstance(added, datetime):
                added = datetime.combine(added, time())
            if added is not None and not isinstance(added, datetime):
                raise fail(here + ("added",), f"task {i + 1}: added must be a date and time, not {added!r}")
            paused = entry.get("paused", False)
            if not isinstance(paused, bool):
                raise fail(here + ("paused",), f"task {i + 1}: paused must be true or false, not {paused!r}")
            project, pending = entry.get("codearts_project"), entry.get("name_pending", False)
            if project is not None and not (isinstance(project, str) and ID_RE.fullmatch(project)):
                raise fail(here + ("codearts_project",), f"task {i + 1}: codearts_project must be an id")
            if not isinstance(pending, bool):
                raise fail(here + ("name_pending",), f"task {i + 1}: name_pending must be true or false")
            doc.tasks.append(WatchedTask(ref, name or None, profile, added and _utc(added), paused, project, pending))
            extra = {k: v for k, v in entry.items() if k not in _KNOWN}
            if extra:
                doc.extras[key] = extra
        return doc

    def _set(self, doc: Document) -> list[WatchedTask]:
        self._doc = doc
        self.tasks = list(doc.tasks)
        return list(doc.tasks)

    def load(self) -> list[WatchedTask]:
        """Read the file (a missing one is an empty list); raises WatchlistError if it is broken."""
        return self._set(self._read())

    def changed_on_disk(self) -> bool:
        """True if the file differs (mtime, size or inode) from what this object last read or wrote."""
        try:
            st = self.path.stat()
            stamp: tuple[int, int, int] | None = (st.st_mtime_ns, st.st_size, st.st_ino)
        except OSError:
            stamp = None
        return self._doc is None or stamp != self._doc.stamp

    # ---- writing -------------------------------------------------------------------------

    def _dump(self, doc: Document) -> bytes:
        if doc.extras:
            return self._dump_general(doc)
        parts = [HEADER, f"version = {VERSION}\n"]
        if doc.top:
            parts.append(tomli_w.dumps(doc.top))
        for t in doc.tasks:
            lines = [f"\n[[task]]\nref = {toml_str(t.key)}\n"]
            if t.name is not None:
                lines.append(f"name = {toml_str(t.name)}\n")
            lines.append(f"profile = {toml_str(t.profile)}\n")
            if t.added is not None:
                lines.append(f"added = {_toml_time(t.added)}\n")
            lines.append("paused = true\n" if t.paused else "paused = false\n")
            lines.append(f"codearts_project = {toml_str(t.codearts_project)}\n" if t.codearts_project else "")
            lines.append("name_pending = true\n" if t.name_pending else "")
            parts.append("".join(lines))
        return "".join(parts).encode("utf-8")

    def _dump_general(self, doc: Document) -> bytes:
        """Slow path for hand-added keys inside tasks: tomli_w lays out whatever shape they have."""
        entries = []
        for t in doc.tasks:
            entry: dict[str, Any] = {"ref": t.key}
            if t.name is not None:
                entry["name"] = t.name
            entry["profile"] = t.profile
            if t.added is not None:
                entry["added"] = _utc(t.added)
            entry["paused"] = t.paused
            if t.codearts_project is not None:
                entry["codearts_project"] = t.codearts_project
            if t.name_pending:
                entry["name_pending"] = True
            entry.update(doc.extras.get(t.key, {}))
            entries.append(entry)
        body = tomli_w.dumps({"version": VERSION, **doc.top, "task": entries})
        return (HEADER + body).encode("utf-8")

    def _mutate(self, change: Callable[[Document], tuple[T, bool]]) -> T:
        """Lock, re-read the disk, apply `change`, write if it changed anything."""
        try:
            with locked(self.path):
                remove_stale_temps(self.path)
                doc = self._read()  # a broken file raises here, before anything is written
                result, changed = change(doc)
                if changed:
                    atomic_write(self.path, self._dump(doc))
                    st = self.path.stat()
                    doc.stamp = (st.st_mtime_ns, st.st_size, st.st_ino)
                self._set(doc)
                return result
        except PermissionError as exc:
            raise self._fail(None, f"cannot write it (permission denied: {exc.filename})") from None
        except OSError as exc:
            raise self._fail(None, f"cannot write it ({exc.strerror or exc})") from None

    def save(self) -> None:
        """Write the current tasks as they are (merge-free); used to create a fresh list."""
        tasks = list(self.tasks)

        def change(doc: Document) -> tuple[None, bool]:
            doc.tasks = tasks
            return None, True

        self._mutate(change)

    def add(self, task: WatchedTask, default_project: str | None = None) -> WatchedTask:
        """Add a task (its DWS project filled from default_project); AlreadyWatched if it is there."""
        name = plain_text(task.name, NAME_LIMIT) if task.name else None
        if not ID_RE.fullmatch(task.profile or ""):
            raise WatchlistError(f"profile name {task.profile!r} may only use letters, digits, '_' and '-'")
        added = _utc(task.added) if task.added else datetime.now(UTC).replace(microsecond=0)
        new = replace(task, ref=task.ref.with_project(default_project), name=name or None, added=added)

        def change(doc: Document) -> tuple[WatchedTask, bool]:
            for t in doc.tasks:
                if t.key == new.key:
                    shown = f" as {t.name!r}" if t.name else ""
                    raise AlreadyWatched(f"{new.key} is already in the watch list{shown}", t)
            doc.tasks.append(new)
            return new, True

        return self._mutate(change)

    def remove(self, key_or_name: str) -> WatchedTask:
        """Stop watching a task given by REF or name; returns the entry removed."""

        def change(doc: Document) -> tuple[WatchedTask, bool]:
            task = _match(doc.tasks, key_or_name)
            doc.tasks = [t for t in doc.tasks if t.key != task.key]
            doc.extras.pop(task.key, None)
            return task, True

        return self._mutate(change)

    def _update(self, key_or_name: str, **fields: Any) -> WatchedTask:
        def change(doc: Document) -> tuple[WatchedTask, bool]:
            old = _match(doc.tasks, key_or_name)
            new = replace(old, **fields)
            doc.tasks = [new if t.key == old.key else t for t in doc.tasks]
            return new, new != old

        return self._mutate(change)

    def rename(self, key_or_name: str, name: str | None) -> WatchedTask:
        """Set a task's display name (empty clears it); a name the user gives is never replaced by the task's own."""
        return self._update(key_or_name, name=plain_text(name, NAME_LIMIT) or None if name else None,
                            name_pending=False)

    def take_name(self, key: str, name: str) -> WatchedTask | None:
        """Name a task that was waiting for its own name; None when the user named it meanwhile (or it is gone)."""

        def change(doc: Document) -> tuple[WatchedTask | None, bool]:
            old = next((t for t in doc.tasks if t.key == key), None)
            if old is None or not old.name_pending:
                return None, False
            new = replace(old, name=plain_text(name, NAME_LIMIT) or old.name, name_pending=False)
            doc.tasks = [new if t.key == old.key else t for t in doc.tasks]
            return new, True

        return self._mutate(change)

    def set_paused(self, key_or_name: str, paused: bool) -> WatchedTask:
        return self._update(key_or_name, paused=bool(paused))

    def find(self, text: str) -> WatchedTask:
        """The task a REF or display name means (loads the file on first use)."""
        if self._doc is None:
            self.load()
        return _match(self.tasks, text)


def _match(tasks: list[WatchedTask], text: str) -> WatchedTask:
    """Resolve a REF or display name among tasks; WatchlistError if none or several match."""
    text = text.strip()
    for t in tasks:
        if t.key == text:
            return t
    candidates: list[WatchedTask] = []
    try:
        ref = TaskRef.parse(text)
    except RefError:
        ref = None
    if ref is not None:
        candidates = [t for t in tasks if t.ref == ref]
        if not candidates and ref.service is Service.DWS and ref.project_id is None:
            # `dws:JOB` without a project matches that job in whichever project it was added under.
            candidates = [t for t in tasks if t.ref.service is Service.DWS and t.ref.task_id == ref.task_id]
    if not candidates:
        candidates = [t for t in tasks if t.name == text]
    if not candidates:
        folded = text.casefold()
        candidates = [t for t in tasks if t.name and t.name.casefold() == folded]
    if len(candidates) == 1:
        return candidates[0]
    shown = clean_text(text, 80)
    if not candidates:
        raise WatchlistError(f"no watched task matches {shown!r} (give its REF or its name)")
    refs = ", ".join(t.key for t in candidates[:10]) + (", …" if len(candidates) > 10 else "")
    raise WatchlistError(f"{shown!r} matches {len(candidates)} watched tasks ({refs}): give the REF")
