"""The detail pane: every field the API returned, the request, the error, the history, the next poll."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual.binding import BindingType
from textual.containers import VerticalScroll
from textual.widget import Widget

from tui.app.actions import DETAIL_ACTIONS, bindings
from tui.app.colours import DARK, Scheme
from tui.app.formatting import error_label, last_change_at, progress_text, status_text
from tui.app.run_detail import LogTail, run_lines
from tui.app.theming import scheme_for
from tui.model import Change, Phase, Snapshot, WatchedTask, clean_text

if TYPE_CHECKING:
    from tui.facts import Facts
    from tui.poll.interface import TaskStatus


def _when(at: datetime | None, now: datetime) -> str:
    if at is None:
        return "never"
    # Absolute times only: a relative one would repaint the whole pane every few seconds.
    return at.astimezone().strftime("%Y-%m-%d %H:%M:%S")


def _value(value: Any) -> str:
    if isinstance(value, (dict, list, bool)) or value is None:
        # JSON spelling (true, null): these are the API's values, not Python's.
        value = json.dumps(value, ensure_ascii=False, sort_keys=True)
    return clean_text(value, 300)


class DetailText(Text):
    """The pane's text plus, per line, how far its wrapped continuation lines are indented."""

    hangs: list[int]


LABEL = 13  # width of the label column; a wrapped value continues under its first character


def render_detail(task: WatchedTask, snapshot: Snapshot | None, history: list[Change], *,
                  next_due: float | None, paused: bool, stopped_reason: str | None,
                  now: datetime, unseen: bool = False, scheme: Scheme = DARK, facts: Facts | None = None,
                  log: LogTail | None = None) -> DetailText:
    """The whole pane as one Text: network strings are appended as plain text, never markup."""
    lines: list[tuple[Text, int]] = []

    def head(title: str) -> None:
        lines.append((Text(), 0))
        lines.append((Text(title, style="bold underline"), 0))

    def row(label: str, value: str | Text, style: str = "") -> None:
        # The label's own span: a Text(style=) base style would dim the value as well.
        line = Text()
        line.append(f"{label:<{LABEL}}", style=scheme.muted)
        if isinstance(value, Text):
            line.append_text(value)
        else:
            line.append(clean_text(value, 500), style=style)
        lines.append((line, LABEL))

    title = Text()
    title.append(clean_text(task.label, 120), style="bold")
    title.append(f"  {task.key}", style=scheme.muted)
    lines.append((title, 2))
    row("service", f"{task.ref.service.product} (profile {task.profile})")
    if snapshot is not None:
        row("status", status_text(snapshot.phase, paused, scheme, short=False))
        if snapshot.raw_status is not None:
            row("raw status", _value(snapshot.raw_status))
        if snapshot.progress is not None:
            row("progress", progress_text(snapshot.progress, scheme))
        if snapshot.message:
            row("message", snapshot.message)
        changed = last_change_at(history)
        row("changed", _when(changed, now) if changed else "no change seen yet")
        if snapshot.fetched_at is None:
            row("fetched", "not yet: no fetch has worked")
        elif snapshot.stale:
            row("fetched", _when(snapshot.fetched_at, now) + " (saved before the restart)")
        else:
            row("fetched", _when(snapshot.fetched_at, now))
        if snapshot.checked_at and snapshot.checked_at != snapshot.fetched_at:
            row("last tried", _when(snapshot.checked_at, now))
    else:
        row("status", status_text(None, paused, scheme, short=False))
    if paused:
        row("polling", "paused (p resumes)", "bold")
    elif stopped_reason:
        # The label already says polling stopped; the poller's reason may say it again.
        reason = stopped_reason.removesuffix("; polling stopped")
        row("polling", f"stopped: {reason}", scheme.phase(Phase.FAILED))
    elif next_due is not None:
        due = datetime.fromtimestamp(next_due, UTC)
        row("next poll", due.astimezone().strftime("%H:%M:%S"))
    elif snapshot is None:
        row("next poll", "first poll soon (not fetched yet)")
    elif snapshot.phase is None:
        row("next poll", "not scheduled (not fetched yet)")
    elif snapshot.phase.finished:
        row("next poll", "not scheduled (finished)")
    else:
        row("next poll", "not scheduled")
    if task.muted:
        row("notify", "muted: flashes only (m unmutes)", "bold")
    if unseen:
        row("change", "not yet seen", scheme.marker)
    lines.extend(run_lines(snapshot, facts, log, scheme))  # link, estimate, outcome, recent runs, log (run_detail)

    if snapshot is not None and snapshot.error is not None:
        err = snapshot.error
        head("Error")
        row("kind", f"⚠ {error_label(err)} ({err.kind.value})", scheme.warn)
        if err.http_status:
            row("HTTP status", str(err.http_status))
        if err.code:
            row("error_code", err.code)
        if err.message:
            row("error_msg", err.message)
        if err.request_id:
            row("request id", err.request_id)
        if err.retry_after:
            row("retry after", f"{err.retry_after:g}s")

    if snapshot is not None and snapshot.request is not None:
        head("Request")
        method = clean_text(snapshot.request.method, 10)
        line = Text()
        line.append(method, style="bold")
        line.append(" " + clean_text(snapshot.request.url, 500))
        lines.append((line, len(method) + 1))

    if snapshot is not None and snapshot.fields:
        head("Fields")
        width = min(24, max(len(str(k)) for k in snapshot.fields) + 1)
        for key in sorted(snapshot.fields, key=str):
            line = Text()
            line.append(f"{clean_text(key, 60):<{width}}", style=scheme.names)
            line.append(" " + _value(snapshot.fields[key]))
            lines.append((line, width + 1))

    head("History" + (" (newest first)" if history else ""))
    if not history:
        lines.append((Text("no changes seen yet", style=scheme.muted), 0))
    for change in sorted(history, key=lambda c: c.at, reverse=True)[:50]:
        line = Text()
        line.append(change.at.astimezone().strftime("%m-%d %H:%M:%S"), style=scheme.muted)
        line.append("  ")
        line.append(clean_text(change.describe(), 200), style="bold" if change.major else "")
        lines.append((line, 16))
    return _join(lines)


def _join(lines: list[tuple[Text, int]]) -> DetailText:
    out = DetailText()
    for i, (line, _) in enumerate(lines):
        if i:
            out.append("\n")
        out.append_text(line)
    out.hangs = [hang for _, hang in lines]
    return out


def wrap_hanging(text: Text, width: int, console) -> list[Text]:
    """Lines of `text` no wider than `width`; a wrapped value continues under its own column."""
    hangs = getattr(text, "hangs", None) or []
    out: list[Text] = []
    for i, line in enumerate(text.split("\n", allow_blank=True)):
        hang = hangs[i] if i < len(hangs) else 0
        if line.cell_len <= width:
            out.append(line)
            continue
        if hang and width - hang >= 12:
            head, body = line.divide([hang])
            parts = body.wrap(console, width - hang)
            out.append(Text.assemble(head, parts[0]))
            out.extend(Text.assemble(" " * hang, part) for part in parts[1:])
        else:
            out.extend(line.wrap(console, width))
    return out


class DetailBody(Widget):
    """The pane's text. Re-laid out only when its height changes: Static.update() would ask
    for a new layout of the whole screen on every poll of a running task."""

    DEFAULT_CSS = "DetailBody { height: auto; }"

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.text = Text("")
        self._height = 0
        self._wrapped: tuple[int, list[Text]] | None = None

    def render(self) -> Text:
        # Already wrapped (with hanging indents) to the width, so Textual has nothing to re-wrap.
        return Text("\n").join(self.wrapped(self.size.width or 80))

    def get_content_height(self, container, viewport, width: int) -> int:
        return self._lines(width)

    def wrapped(self, width: int) -> list[Text]:
        """The text as shown at `width`: wrapped, continuation lines under their own column."""
        width = max(1, width)
        if self._wrapped is None or self._wrapped[0] != width:
            lines = wrap_hanging(self.text, width, self.app.console) if self.text else []
            self._wrapped = (width, lines)
        return self._wrapped[1]

    def _lines(self, width: int) -> int:
        return len(self.wrapped(width))

    def update(self, text: Text) -> None:
        self.text = text
        self._wrapped = None
        height = self._lines(self.size.width or 80)
        self.refresh(layout=height != self._height)
        self._height = height


class DetailPane(VerticalScroll, can_focus=True):
    """A scrollable pane holding one rendered task; repaints only when its text changes.

    Focused (enter), it scrolls with j/k and the arrows, J/K (shift+↓/↑), PgUp/PgDn and
    Home/End, and below the table it takes most of the height; J/K scroll it from the table too.
    """

    BINDINGS: ClassVar[list[BindingType]] = [*bindings(DETAIL_ACTIONS)]

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.border_title = "details"
        self._body = DetailBody(id="detail-body")
        self._last: Text | None = None
        self._shown: tuple | None = None  # the last show_task() arguments, to redraw in a new scheme
        self.key: str | None = None
        self.scheme: Scheme = DARK
        self.empty_text = "No task selected. Press a to add one."

    def compose(self):
        yield self._body

    def on_mount(self) -> None:
        self.scheme = scheme_for(self.app)
        self.app.theme_changed_signal.subscribe(self, lambda _theme: self._restyle())

    def _restyle(self) -> None:
        self.scheme = scheme_for(self.app)
        if self._shown is not None:
            args, kwargs = self._shown
            self.show_task(*args, **kwargs)

    def on_focus(self) -> None:
        if self.parent is not None:
            self.parent.add_class("-detail-focus")

    def on_blur(self) -> None:
        if self.parent is not None:
            self.parent.remove_class("-detail-focus")

    def action_detail_page(self, direction: int) -> None:
        """J/K in the focused pane: as from the table."""
        self.scroll_page(direction)

    def scroll_page(self, direction: int) -> None:
        """Scroll half a pane down (1) or up (-1), focused or not."""
        self.scroll_relative(y=direction * max(1, self.scrollable_content_region.height // 2), animate=False)

    @property
    def text(self) -> Text:
        """What the pane shows now, unwrapped."""
        return self._last if self._last is not None else Text("")

    def lines(self) -> list[Text]:
        """What the pane shows now, line by line as wrapped to its width."""
        return self._body.wrapped(self._body.size.width)

    def show_task(self, key: str | None, task: WatchedTask | None, status: TaskStatus | None, now: datetime, *,
                  unseen: bool = False) -> None:
        """Show one task as the poller knows it (`status` None: not polled yet), or no task."""
        self._shown = ((key, task, status, now), {"unseen": unseen})
        if key is None or task is None:
            self.show(None, Text(self.empty_text, style=self.scheme.muted))
            return
        self.show(key, render_detail(
            task,
            status.snapshot if status else None,
            list(status.history) if status else [],
            next_due=status.next_due if status else None,
            paused=status.paused if status else task.paused,
            stopped_reason=status.stopped_reason if status else None,
            now=now,
            unseen=unseen,
            scheme=self.scheme,
            facts=self._facts(task, status),
            log=getattr(self.screen, "log_tails", {}).get(key),
        ))

    def _facts(self, task: WatchedTask, status: TaskStatus | None) -> Facts | None:
        from tui.facts import facts_of_runtime

        return facts_of_runtime(getattr(self.app, "runtime", None), task, status.snapshot if status else None,
                                status.history if status else ())

    def show(self, key: str | None, text: Text) -> None:
        if key != self.key:
            self.scroll_home(animate=False)
        self.key = key
        if self._last is not None and text == self._last and text.spans == self._last.spans:
            return
        self._last = text
        self._body.update(text)
