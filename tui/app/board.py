"""What the screen shows, without the screen: rows, unseen changes, filter, sort, batching, header facts.

A plain object over the Runtime (no Textual here), so tests drive it without a terminal.
The main screen asks it what to draw and draws exactly that.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from tui.app.formatting import MARK_CLOSED, MARK_NEW, SORTS, RowView, row_view, sort_key
from tui.app.header import Header, where_broken
from tui.app.row_memo import RowMemo
from tui.facts import facts_of_runtime
from tui.model import Change, ErrorKind, Phase, WatchedTask, clean_text
from tui.notify.policy import Policy, Verdict

if TYPE_CHECKING:
    from tui.poll.interface import TaskStatus, Update

OFFLINE_AFTER = 3   # consecutive network failures before the header says offline
CHANNELS = ("flash", "marker", "title", "bell", "toast")  # the [notify] switches the screen obeys


@dataclass
class Reaction:
    """What the screen should do about one task's changes (the board has already marked it)."""

    flash: bool = False
    bell: bool = False
    toast: str = ""     # the text of an error toast, or ""


@dataclass
class Batch:
    """What a flush must redraw: `changed` rows whose view differs, `touched` tasks with any news."""

    changed: set[str] = field(default_factory=set)
    touched: set[str] = field(default_factory=set)
    redraw: bool = False    # False: only the header may need a look (the sweep time moves)


class Board:
    """The rows, markers, filter, sort and pending changes of one Runtime's tasks."""

    def __init__(self, runtime: Any, notify_settings: Any = None) -> None:
        self.runtime = runtime
        self.notify_settings = notify_settings
        # `on`, mute and quiet hours decide the bell, as they decide desktop notifications.
        self.policy = Policy.from_settings(notify_settings, getattr(runtime, "clock", None))
        self.views: dict[str, RowView] = {}
        self.unseen: dict[str, bool] = {}   # key -> the change happened while hcwatch was closed
        self.sort_index = 0
        self.filter_text = ""
        self._touched: set[str] = set()     # tasks with news since the last flush
        self._changed: set[str] = set()     # rows whose view rebuild() found different
        self._rows_moved = False            # tasks were added or removed since the last flush
        self._net_failures = 0
        self._header: Header | None = None  # what the header last showed
        # Every row in the current sort order, kept between keystrokes: a filter is then one
        # pass over it (a keystroke never sorts), and a key that narrows the filter (typing on)
        # passes over the rows the last one let through only.
        self._sorted: list[RowView] | None = None
        self._position: dict[str, int] = {}
        self._filtered: tuple[str, list[RowView]] | None = None
        self._longest: int | None = None    # longest_name and the header's counts, kept while no
        self._counts: tuple[tuple[Phase | None, int], ...] | None = None  # row changes (not per keystroke)
        self.several_profiles = False       # the rows name their profile (tasks of more than one profile)
        self.memo = RowMemo()               # what each row was built from: a poll with no news skips it

    # ----- settings and lookups --------------------------------------------------------------

    def wants(self, channel: str) -> bool:
        """Whether a notification channel (flash, marker, title, bell, toast) is on in config."""
        return bool(getattr(self.notify_settings, channel, True))

    def now(self) -> datetime:
        return self.runtime.clock.now()

    def status_of(self, key: str | None) -> TaskStatus | None:
        """The poller's TaskStatus, or None (not started yet, or the task is gone)."""
        if key is None:
            return None
        try:
            return self.runtime.status(key)
        except KeyError:
            return None

    def task_for(self, key: str) -> WatchedTask | None:
        status = self.status_of(key)
        if status is not None:
            return status.task
        return next((t for t in self.runtime.tasks() if t.key == key), None)

    def is_paused(self, key: str) -> bool:
        status = self.status_of(key)
        if status is not None:
            return status.paused
        task = self.task_for(key)
        return bool(task and task.paused)

    @property
    def sort(self) -> str:
        return SORTS[self.sort_index]

    @property
    def pending(self) -> frozenset[str]:
        """The tasks whose news the next flush will look at."""
        return frozenset(self._touched | self._changed)

    @property
    def longest_name(self) -> int:
        """Longest name among all tasks, filtered out or not (the name column does not move)."""
        if self._longest is None:
            self._longest = max((len(v.name) for v in self.views.values()), default=0)
        return self._longest

    # ----- rows ----------------------------------------------------------------------------

    def marker(self, key: str) -> str:
        if key not in self.unseen:
            return ""
        return MARK_CLOSED if self.unseen[key] else MARK_NEW

    def build_view(self, task: WatchedTask, now: datetime, status: TaskStatus | None = None) -> RowView:
        status = status if status is not None else self.status_of(task.key)
        snapshot = status.snapshot if status else None
        history = status.history if status else ()  # packed (tui.history): the row reads only what it shows
        paused = status.paused if status else task.paused
        facts = facts_of_runtime(self.runtime, task, snapshot, history, with_url=False, with_runs=False)  # ETA, elapsed
        return row_view(task, snapshot, history, paused, self.marker(task.key), now, self.several_profiles,
                        facts=facts)

    def rebuild(self) -> None:
        """Recompute every row from the runtime (after start, add, remove, rename)."""
        now = self.now()
        old = self.views
        tasks = self.runtime.tasks()
        self.several_profiles = len({t.profile for t in tasks}) > 1
        self.views = {t.key: self.build_view(t, now) for t in tasks}
        self.memo.clear()
        self._sorted = self._filtered = self._longest = self._counts = None
        for key in [k for k in self.unseen if k not in self.views]:
            del self.unseen[key]
        # Only rows whose view differs get their cells rebuilt and compared.
        self._touched.clear()
        self._changed = {k for k, v in self.views.items() if old.get(k) != v}
        self._rows_moved = self._rows_moved or old.keys() != self.views.keys()

    def sorted_rows(self) -> list[RowView]:
        """Every row in the current sort order (sorted again only after rows or the order changed)."""
        if self._sorted is None:
            order = self.sort
            self._sorted = sorted(self.views.values(), key=lambda r: sort_key(order, r))
            self._position = {r.key: i for i, r in enumerate(self._sorted)}
        return self._sorted

    def visible_rows(self) -> list[RowView]:
        """The rows the filter lets through, in the current sort order: at most one pass over the rows."""
        rows = self.sorted_rows()
        needle = self.filter_text.lower()
        if not needle:
            return list(rows)
        if self._filtered is not None and self._filtered[0] in needle:
            rows = self._filtered[1]  # what a part of this filter let through is all it can let through
        shown = [r for r in rows if needle in r.search_text()]
        self._filtered = (needle, shown)
        return list(shown)

    def _set_view(self, key: str, view: RowView) -> None:
        """Replace one row's view, keeping the sorted rows when its place in them stays the same."""
        old = self.views.get(key)
        self.views[key] = view
        self._filtered = None
        if old is None or old.name != view.name:
            self._longest = None
        if old is None or old.phase is not view.phase:
            self._counts = None
        if self._sorted is None:
            return
        if old is None or sort_key(self.sort, old) != sort_key(self.sort, view):
            self._sorted = None
        else:
            self._sorted[self._position[key]] = view

    @property
    def empty_text(self) -> str:
        """What the detail pane says when no row is selected."""
        if self.filter_text and self.views:
            return f"No task matches {clean_text(self.filter_text, 40)!r} (Esc clears the filter)."
        return "No task selected. Press a to add one."

    def set_filter(self, text: str) -> None:
        self.filter_text = text.strip()

    def cycle_sort(self) -> str:
        """Move to the next sort order; returns its name."""
        self.sort_index = (self.sort_index + 1) % len(SORTS)
        self._sorted = self._filtered = None
        return self.sort

    def retime(self) -> set[str]:
        """Bring relative times ("12s ago") up to now; returns the rows whose text changed."""
        now = self.now()
        changed = set()
        for key, view in self.views.items():
            new = view.retimed(now)
            if new is not view:
                self._set_view(key, new)
                changed.add(key)
        return changed

    # ----- poll results and batching -----------------------------------------------------------

    def touch(self, key: str) -> None:
        """Have the next flush look at this task again."""
        self._touched.add(key)

    def note_update(self, update: Update) -> bool:
        """Record one poll result for the next flush; returns whether that flush is urgent.

        A change of phase is urgent (shown within a tenth of a second); other news (progress,
        messages, next-poll times) waits for the next batch.
        """
        err = update.snapshot.error
        if err is not None and err.kind is ErrorKind.NETWORK:
            self._net_failures += 1
        elif err is None:
            self._net_failures = 0
        self._touched.add(update.key)
        return any(c.major for c in update.changes)

    def on_changes(self, key: str, changes: list[Change]) -> Reaction:
        """Mark the task for its changes and say what else to do (major changes only)."""
        majors = [c for c in changes if c.major]
        if not majors:
            return Reaction()
        closed = all(c.while_closed for c in majors)
        if self.wants("marker"):
            self.unseen[key] = closed and self.unseen.get(key, True)
        if closed:
            return Reaction()  # reported once, summed up, by the header count; no bell per change
        reaction = Reaction(flash=self.wants("flash"))
        last = majors[-1]
        task = self.task_for(key)
        reaction.bell = self.wants("bell") and self.policy.verdict(task, last) is Verdict.SEND
        if self.wants("toast") and last.to_phase is Phase.FAILED and not (task and task.muted):
            name = task.label if task else key
            status = self.status_of(key)
            msg = status.snapshot.message if status and status.snapshot else ""
            reaction.toast = clean_text(f"{name}: failed" + (f" — {msg}" if msg else ""), 300)
        return reaction

    def take_batch(self, current: str | None = None) -> Batch:
        """Rebuild the rows with news since the last flush; `current`: the task under the cursor."""
        now = self.now()
        touched, self._touched = self._touched, set()
        changed, self._changed = self._changed, set()
        for key in touched:
            old = self.views.get(key)
            if old is None:
                continue
            status = self.status_of(key)
            task = status.task if status is not None else self.task_for(key)
            if task is None or (status is not None and self.memo.unchanged(
                    key, status, self.marker(key), self.several_profiles, self.memo.book(self.runtime, key), old)):
                continue  # (the 5 s tick moves its times on)
            new = self.build_view(task, now, status)
            # Most polls of a running task change nothing the row shows: leave those rows alone.
            if new != old:
                self._set_view(key, new)
                changed.add(key)
        redraw = bool(changed) or self._rows_moved or current in touched
        if redraw:
            self._rows_moved = False
        return Batch(changed, touched, redraw)

    # ----- seeing changes --------------------------------------------------------------------

    def mark_seen(self, key: str | None) -> bool:
        """The user has looked at this task; returns whether it had an unseen change."""
        if key is not None and self.unseen.pop(key, None) is not None:
            self._touched.add(key)
            return True
        return False

    def mark_all_seen(self) -> None:
        self._touched.update(self.unseen)
        self.unseen.clear()

    def forget(self, key: str) -> None:
        """The task is no longer watched."""
        self.unseen.pop(key, None)

    # ----- the header --------------------------------------------------------------------------

    @property
    def offline(self) -> bool:
        """Several network failures in a row (fewer with fewer tasks): the header says offline."""
        return self._net_failures >= min(OFFLINE_AFTER, max(1, len(self.views)))

    def header(self) -> Header:
        if self._counts is None:
            phases = Counter(v.phase for v in self.views.values())
            self._counts = tuple(sorted(phases.items(), key=lambda kv: kv[0].value if kv[0] else ""))
        return Header(
            counts=self._counts,
            unseen=len(self.unseen),
            swept=getattr(self.runtime, "last_sweep_at", None),
            offline=self.offline,
            auth=tuple((getattr(self.runtime, "auth_problems", {}) or {}).items()),
            filter_text=self.filter_text,
            sort=self.sort,
            demo=bool(getattr(self.runtime, "demo", False)),
            slow=self._slow(),
            watchlist=where_broken(getattr(self.runtime, "watchlist_problem", None)),
            throttled=self.throttled_until(None),
        )

    def _slow(self) -> tuple[str, ...]:
        watch = getattr(self.runtime, "cadence", None)
        if watch is None or not watch.note_text:
            return ()
        return (watch.note_text, "; ".join(s.line() for s in watch.current))

    def throttled_until(self, key: str | None) -> datetime | None:
        """When the task's (or any) throttled host may be asked again (UTC); None when none is held."""
        until = getattr(self.runtime, "throttled_until", None)
        return until(key) if until is not None else None

    def refresh_note(self, key: str | None) -> str:
        """What `r` / `R` say: what is polled now and, when a throttled host holds some, until when they wait."""
        if key is not None:
            task = self.task_for(key)
            name = clean_text(task.label if task else key, 80)
            until = self.throttled_until(key)
            if until is None:
                return f"refreshing {name}"
            return f"{name} waits: its host is throttled until {until.astimezone():%H:%M} (Retry-After)"
        held = [k for k in self.views if self.throttled_until(k) is not None]
        latest = self.throttled_until(None)
        if not held or latest is None:
            return "refreshing every task"
        return (f"refreshing every task; {len(held)} wait for a throttled host until "
                f"{latest.astimezone():%H:%M} (Retry-After)")

    def new_header(self) -> Header | None:
        """The header's facts if any changed since the last call, else None (nothing to repaint)."""
        header = self.header()
        if header == self._header:
            return None
        self._header = header
        return header
