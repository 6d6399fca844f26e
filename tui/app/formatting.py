"""Turns tasks, snapshots and changes into the short texts the table and header show (no widgets here)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields, replace
from datetime import datetime
from typing import Any

from rich.text import Text

from tui.app.colours import DARK, MUTED, WARN, Scheme
from tui.app.eta_cell import progress_cell
from tui.errors import TIMEOUT_CODE
from tui.eta import Eta
from tui.facts import Facts
from tui.history import Changes
from tui.model import NO_PHASE, NO_PHASE_GLYPH, Change, ErrorKind, Phase, Snapshot, TaskError, WatchedTask, clean_text

# Glyph + word + colour: the glyph and word carry the meaning, the colour only helps (so
# NO_COLOR and colour-blind users lose nothing). The colours come from a Scheme (colours.py)
# chosen for the theme and the terminal's colour depth.

ERROR_LABEL: dict[ErrorKind, str] = {
    ErrorKind.AUTH: "auth",
    ErrorKind.NOT_FOUND: "gone",
    ErrorKind.THROTTLED: "throttled",
    ErrorKind.SERVER: "server error",
    ErrorKind.NETWORK: "network",
    ErrorKind.BAD_RESPONSE: "bad response",
    ErrorKind.CONFIG: "config",
}


def error_label(err: TaskError) -> str:
    """The short words a row shows for a failed fetch: its kind ("timeout" for a request cut off), and
    "until HH:MM" (local) while its host is held by a throttling gateway."""
    if err.kind is ErrorKind.NETWORK and err.code == TIMEOUT_CODE:
        return "timeout"
    label = ERROR_LABEL.get(err.kind, err.kind.value)
    return f"{label} until {err.until_local}" if err.until is not None else label


# Sort orders cycled by `s`; the order a glance wants first is trouble, then activity.
SORTS = ("name", "status", "changed", "service")
PHASE_RANK: dict[Phase | None, int] = {
    Phase.FAILED: 0, Phase.STOPPED: 1, Phase.RUNNING: 2, Phase.PENDING: 3, None: 4,
    Phase.UNKNOWN: 5, Phase.SUCCEEDED: 6, Phase.IDLE: 7,
}
# The status cell of a task never fetched (the column is 11 wide; the message says "not fetched yet").
NO_PHASE_CELL = f"{NO_PHASE_GLYPH} not yet"

MARK_NEW = "◆"
MARK_CLOSED = "◇"
MARK_MUTED = "⊘"    # the row of a task whose changes flash but never notify (`m`)
BAR_WIDTH = 6


def status_text(phase: Phase | None, paused: bool = False, scheme: Scheme = DARK, short: bool = True) -> Text:
    """Glyph and word in the scheme's style; a task never fetched has no phase ("· not yet" in
    the table, else "· not fetched yet")."""
    if phase is None:
        text = Text(NO_PHASE_CELL if short else f"{NO_PHASE_GLYPH} {NO_PHASE}", style=scheme.muted)
    else:
        text = Text(f"{phase.glyph} {phase.value}", style=scheme.phase(phase))
    if paused:
        text.append(" ⏸", style=scheme.muted)
    return text


def progress_text(progress: float | None, scheme: Scheme = DARK) -> Text:
    """A small bar and a percent: '███▌   42%'; blank when the API gives no progress."""
    if progress is None:
        return Text("")
    pct = max(0.0, min(100.0, float(progress)))
    eighths = round(pct / 100 * BAR_WIDTH * 8)
    full, part = divmod(eighths, 8)
    bar = "█" * full + (" ▏▎▍▌▋▊▉"[part] if part else "")
    bar = bar.ljust(BAR_WIDTH)
    text = Text(bar, style=scheme.bar)
    text.append(f" {pct:3.0f}%")
    return text


def ago(then: datetime | None, now: datetime) -> str:
    """'12s ago' with a coarseness that only changes about as often as the slow tick runs."""
    if then is None:
        return ""
    secs = max(0, int((now - then).total_seconds()))
    if secs < 10:
        return "just now"
    if secs < 60:
        return f"{secs // 10 * 10}s ago"
    if secs < 3600:
        return f"{secs // 60}m ago"
    if secs < 86400:
        return f"{secs // 3600}h ago"
    return f"{secs // 86400}d ago"


def duration(secs: float) -> str:
    secs = int(max(0, secs))
    if secs < 60:
        return f"{secs}s"
    if secs < 3600:
        return f"{secs // 60}m"
    if secs < 86400:
        return f"{secs // 3600}h{secs % 3600 // 60:02d}m"
    return f"{secs // 86400}d{secs % 86400 // 3600:02d}h"


def message_text(snapshot: Snapshot | None, gone: bool = False) -> Text:
    """The API's message, or the last error's kind first when the last poll failed."""
    if snapshot is None or (snapshot.phase is None and snapshot.error is None):
        return Text(NO_PHASE, style=MUTED)
    text = Text()
    message = snapshot.message
    if snapshot.error is not None:
        text.append(f"⚠ {error_label(snapshot.error)}", style=WARN)
        # Nothing known about the task yet (e.g. it never existed): the server's words say more.
        message = message or snapshot.error.message or ""
        if message:
            text.append(" · ")
    elif snapshot.stale:
        text.append("(saved) ", style=MUTED)
    text.append(clean_text(message, 200))
    return text


def last_change_at(history: Sequence[Change]) -> datetime | None:
    """When the task's status, progress or message last changed (None: no change seen yet).

    Never the time of the last poll: a column that says "just now" after every poll of a
    quiet task would hide the one thing it is for, how long a task has shown the same thing.
    """
    if isinstance(history, Changes):
        return history.last_at()  # a packed history (the poller's): no change decoded but the last
    return max((c.at for c in history), default=None) if history else None


def run_span(history: Sequence[Change]) -> tuple[datetime | None, datetime | None]:
    """When the latest run started and (if it has) finished, from the change history."""
    started = ended = None
    if not history:
        return None, None
    if isinstance(history, Changes) and (span := history.run_span()) is not None:
        return span  # read backwards from the newest, when the times are in order
    for change in sorted(history, key=lambda c: c.at):
        if not change.major:
            continue
        if change.to_phase is Phase.RUNNING:
            started, ended = change.at, None
        elif started is not None and ended is None and change.to_phase.finished:
            ended = change.at
    return started, ended


def elapsed_text(phase: Phase | None, started: datetime | None, ended: datetime | None, now: datetime) -> str:
    if started is None:
        return ""
    if phase is Phase.RUNNING and ended is None:
        secs = (now - started).total_seconds()
        # Whole minutes (and "<1m" before the first) keep the slow tick from rewriting every running row.
        return "<1m" if secs < 60 else duration(secs // 60 * 60)
    if ended is not None:
        return duration((ended - started).total_seconds())
    return ""


@dataclass(frozen=True)
class RowView:
    """Everything one table row shows, plus what sorting, filtering and the slow tick need."""

    key: str
    marker: str
    service: str
    name: str
    phase: Phase | None     # None: never fetched yet
    paused: bool
    progress: float | None
    message: Text
    changed_at: datetime | None
    run_start: datetime | None
    run_end: datetime | None
    updated: str = ""
    elapsed: str = ""
    id_name: bool = False   # no display name: `name` is the task's id (cut in the middle when long)
    profile: str = ""      # "" while every task uses one profile (the table then has no profile column)
    muted: bool = False
    # tui.facts: the ETA as computed at `eta_at`, and how long the last finished run took.
    eta: Eta | None = None
    eta_at: datetime | None = None
    took_s: float | None = None
    eta_text: str = ""

    def _times(self, now: datetime) -> dict[str, Any] | None:
        """The relative-time fields as of `now`, or None when they read as they do."""
        updated = ago(self.changed_at, now) or "—"
        if self.took_s is not None and self.phase is not None and self.phase.finished:
            took = duration(self.took_s)
        else:
            took = elapsed_text(self.phase, self.run_start, self.run_end, now)
        eta = self.eta.aged((now - self.eta_at).total_seconds()) if self.eta and self.eta_at else self.eta
        eta_text = eta.compact() if eta is not None else ""
        if updated == self.updated and took == self.elapsed and eta_text == self.eta_text:
            return None
        return {"updated": updated, "elapsed": took, "eta": eta, "eta_at": now if eta else None, "eta_text": eta_text}

    def retimed(self, now: datetime) -> RowView:
        """This row with its relative times brought up to `now` (itself when nothing changed)."""
        times = self._times(now)
        return self if times is None else replace(self, **times)

    def cells(self, scheme: Scheme = DARK) -> tuple[Text, ...]:
        return (
            Text(self.marker, style=scheme.marker),
            Text(self.service),
            Text(self.name),
            status_text(self.phase, scheme=scheme),
            scheme.paint(progress_cell(self.progress, self.eta, progress_text(self.progress, scheme))),
            scheme.paint(self._message_cell()),
            Text(self.updated, style=scheme.muted if self.changed_at is None else ""),
            Text(self.elapsed),
            Text(self.profile, style="italic"),  # last: the table places it (CELLS), older indexes stay
        )

    def _message_cell(self) -> Text:
        prefix = ("⏸ paused · " if self.paused else "") + (f"{MARK_MUTED} muted · " if self.muted else "")
        if not prefix:
            return self.message.copy()
        return Text.assemble((prefix, "bold"), self.message)

    def search_text(self) -> str:
        """What a filter matches, lower case: name, id, status, flags, error kind, profile (made once per view)."""
        text = self.__dict__.get("_search")
        if text is None:
            extra = self.message.plain.split(" · ")[0] if self.message.plain.startswith("⚠") else ""
            phase = self.phase.value if self.phase is not None else NO_PHASE
            flags = ("paused " if self.paused else "") + ("muted" if self.muted else "")
            text = f"{self.name} {self.key} {phase} {flags} {extra} {self.profile}".lower()
            object.__setattr__(self, "_search", text)  # a cache, not a field: equality ignores it
        return text


_VIEW_FIELDS = ("key", "marker", "service", "name", "phase", "paused", "progress", "message", "changed_at",
                "run_start", "run_end", "updated", "elapsed", "id_name", "profile", "muted", "eta", "eta_at",
                "took_s", "eta_text")
# Rows are built by filling __dict__ (a frozen dataclass's __init__ is most of the cost of 10,000
# rows at start) while RowView has exactly these fields; a new field falls back to the constructor.
_FAST_VIEW = tuple(f.name for f in fields(RowView)) == _VIEW_FIELDS


def row_view(task: WatchedTask, snapshot: Snapshot | None, history: Sequence[Change], paused: bool,
             marker: str, now: datetime, show_profile: bool = False, *, facts: Facts | None = None) -> RowView:
    start, end = run_span(history)
    if facts is not None and facts.since is not None:
        start, end = facts.since, None  # the service's start time, else when hcwatch first saw it running
    values: dict[str, Any] = {
        "key": task.key, "marker": marker, "service": task.ref.service.value, "name": clean_text(task.label, 80),
        "phase": snapshot.phase if snapshot else None, "paused": paused,
        "progress": snapshot.progress if snapshot else None, "message": message_text(snapshot),
        "changed_at": last_change_at(history), "run_start": start, "run_end": end, "updated": "", "elapsed": "",
        "id_name": not task.name, "profile": clean_text(task.profile, 40) if show_profile else "",
        "muted": task.muted, "eta": facts.eta if facts is not None else None,
        "eta_at": now if facts is not None and facts.eta is not None else None,
        "took_s": facts.took_s if facts is not None else None, "eta_text": "",
    }
    if _FAST_VIEW:
        view = object.__new__(RowView)
        view.__dict__.update(values)
    else:  # pragma: no cover - only if RowView changes shape
        view = RowView(**values)
    times = view._times(now)
    if times is not None:
        # A view nobody holds yet: its times set in place, not a second instance built by
        # replace() (10,000 rows at every start).
        view.__dict__.update(times)
    return view


def sort_key(order: str, row: RowView):
    if order == "status":
        return (PHASE_RANK[row.phase], row.name.lower(), row.key)
    if order == "changed":
        return (-(row.changed_at.timestamp() if row.changed_at else 0.0), row.name.lower(), row.key)
    if order == "service":
        return (row.service, row.name.lower(), row.key)
    return (row.name.lower(), row.key)


# The order a glance cares about first; None (never fetched) after the phases that mean work.
SUMMARY_ORDER: tuple[Phase | None, ...] = (Phase.RUNNING, Phase.FAILED, Phase.STOPPED, Phase.PENDING, None,
                                           Phase.SUCCEEDED, Phase.IDLE, Phase.UNKNOWN)


def _counted(phases: Iterable[Phase | None] | Mapping[Phase | None, int]) -> Mapping[Phase | None, int]:
    return phases if isinstance(phases, Mapping) else Counter(phases)


def compact_summary(phases: Iterable[Phase | None] | Mapping[Phase | None, int]) -> str:
    """'●2 ✘1 ✔3': the header's summary when the words do not fit (the glyphs are in the table).

    `phases`: one phase per task, or the count of each (10,000 tasks are counted once, not per phase).
    """
    counts = _counted(phases)
    parts = [f"{NO_PHASE_GLYPH if p is None else p.glyph}{counts[p]}"
             for p in SUMMARY_ORDER if counts.get(p)]
    return " ".join(parts) if parts else "no tasks"


def summary(phases: Iterable[Phase | None] | Mapping[Phase | None, int]) -> str:
    """'2 running, 1 failed, 3 idle' for the header and title: every task counted once, so the
    counts add up to the number of rows (a task never fetched counts as "not fetched yet")."""
    counts = _counted(phases)
    parts = []
    for phase in SUMMARY_ORDER:
        n = counts.get(phase)
        if n:
            parts.append(f"{n} {NO_PHASE if phase is None else phase.value}")
    return ", ".join(parts) if parts else "no tasks"
