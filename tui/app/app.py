"""The hcwatch Textual app: composes the screen, routes keys to the runtime, shows the poller's updates."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
from collections import Counter
from datetime import datetime
from typing import TYPE_CHECKING

from rich.text import Text
from textual import events, on, work
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Container, Horizontal
from textual.timer import Timer
from textual.widgets import DataTable, Footer, Input, Label

from tui.app.commands import HcwatchCommands
from tui.app.formatting import (MARK_CLOSED, MARK_NEW, SORTS, RowView, compact_summary, row_view, sort_key,
                                 summary)
from tui.app.messages import RuntimeFailed, TaskUpdated
from tui.app.screens.add import AddTaskScreen
from tui.app.screens.help import HelpScreen
from tui.app.screens.simple import ConfirmScreen, TextScreen
from tui.app.widgets.detail import DetailPane, render_detail
from tui.app.widgets.inputs import OrderedInput
from tui.app.widgets.task_table import TaskTable
from tui.model import ErrorKind, Phase, clean_text
from tui.errors import UserError

if TYPE_CHECKING:
    from tui.poll.poller import Update
    from tui.runtime import Runtime

WIDE = 140          # columns from which the detail pane sits to the right (below that the
                    # table needs the whole width for its message column)
FLASH_SECONDS = 3.0
TICK_SECONDS = 5.0  # relative times ("12s ago") move in 10 s steps, so 5 s is plenty
# Poll results are applied in batches: a change of phase within a tenth of a second, other
# news (progress, messages, next-poll times) at most every two seconds, so 200 running tasks
# cost one small repaint every two seconds instead of twenty a second.
FLUSH_DELAY = 2.0
FLUSH_DELAY_CHANGE = 0.1
TTY_CHECK_SECONDS = 3.0
OFFLINE_AFTER = 3   # consecutive network failures before the header says offline


def B(key: str, action: str, description: str, binding_id: str, tooltip: str, show: bool = True,
      key_display: str | None = None) -> Binding:
    return Binding(key, action, description, show=show, id=binding_id, tooltip=tooltip, key_display=key_display)


class HcwatchApp(App[int]):
    """The task table, detail pane and dialogs over one Runtime."""

    CSS_PATH = "app.tcss"
    TITLE = "hcwatch"
    COMMANDS = App.COMMANDS | {HcwatchCommands}
    ENABLE_COMMAND_PALETTE = True
    BINDINGS = [
        B("a", "add", "Add", "add", "Watch a new task"),
        B("d", "remove", "Remove", "remove", "Stop watching the selected task"),
        B("e", "rename", "Rename", "rename", "Rename the selected task", show=False),
        B("r", "refresh", "Refresh", "refresh", "Poll the selected task now"),
        B("R", "refresh_all", "Refresh all", "refresh_all", "Poll every task now", show=False),
        B("p", "pause", "Pause", "pause", "Pause or resume polling the selected task"),
        B("slash", "filter", "Filter", "filter", "Filter by name, id or status", key_display="/"),
        B("s", "sort", "Sort", "sort", "Cycle the sort order"),
        B("enter", "details", "Details", "details", "Show the selected task's details", show=False),
        B("i", "toggle_detail", "Info", "toggle_detail", "Hide or show the detail pane", show=False),
        B("y", "copy_id", "Copy id", "copy_id", "Copy the task id (OSC 52)", show=False),
        B("escape", "back", "Back", "back", "Back to the table; clear the filter", show=False),
        B("question_mark", "help", "Help", "help", "List every key", key_display="?"),
        B("q", "quit", "Quit", "quit", "Leave hcwatch"),
    ]

    def __init__(self, runtime: "Runtime", *, start_runtime: bool = True) -> None:
        super().__init__()
        self.runtime = runtime
        self.start_runtime = start_runtime
        self.notify_settings = getattr(runtime.settings, "notify", None)
        self.unseen: dict[str, bool] = {}           # key -> the change happened while closed
        self.sort_index = 0
        self.filter_text = ""
        self.views: dict[str, RowView] = {}
        self._dirty: set[str] = set()
        self._flush_timer: Timer | None = None
        self._flush_urgent = False
        self._dirty_views: set[str] = set()
        self._chrome: tuple | None = None           # what the header and title last showed
        self._rows_moved = False                    # tasks were added or removed since the last flush
        self._flash_timers: dict[str, Timer] = {}
        self._net_failures = 0
        self._terminal_title = ""
        self._seen_key: str | None = None
        self._moving = False
        self._tty_fd: int | None = None
        self._stopped = False
        self._filter_pending = False

    # ----- settings ----------------------------------------------------------------------

    def wants(self, what: str) -> bool:
        """Whether a notification channel (flash, marker, title, bell, toast) is on in config."""
        return bool(getattr(self.notify_settings, what, True))

    def now(self) -> datetime:
        return self.runtime.clock.now()

    # ----- layout --------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        from tui.app.widgets.top_bar import TopBar

        yield TopBar(id="top")
        with Container(id="body"):
            yield TaskTable(id="table")
            yield DetailPane(id="detail")
        with Horizontal(id="filter-bar"):
            yield Label("/", id="filter-prompt")
            yield OrderedInput(placeholder="name, id or status", id="filter")
            yield Label("enter keeps · esc clears", id="filter-hint")
        yield Footer(compact=True)

    @property
    def table(self) -> TaskTable:
        return self.query_one("#table", TaskTable)

    @property
    def detail(self) -> DetailPane:
        return self.query_one("#detail", DetailPane)

    def on_mount(self) -> None:
        keymap = getattr(self.runtime.settings, "keymap", None) or {}
        if keymap:
            self.set_keymap(dict(keymap))
        self._layout(self.size.width)
        self.table.focus()
        self.rebuild_all()
        self.flush()
        self.set_interval(TICK_SECONDS, self.tick, name="tick")
        for warning in getattr(self.runtime, "warnings", []) or []:
            self.notify(clean_text(warning, 300), severity="warning", markup=False, timeout=8)
        self._install_signal_handlers()
        if self.start_runtime:
            # After the first paint: restoring 10,000 tasks' state must not delay the screen.
            self.call_after_refresh(self.start_polling)

    def on_resize(self, event) -> None:
        self._layout(event.size.width)

    def _layout(self, width: int) -> None:
        self.query_one("#body").set_class(width < WIDE, "-narrow")

    # ----- runtime lifecycle -----------------------------------------------------------------

    @work(exit_on_error=False, group="runtime", name="runtime start")
    async def start_polling(self) -> None:
        try:
            await self.runtime.start(on_update=self._on_update, prompt_password=self.prompt_password)
        except UserError as exc:
            self.post_message(RuntimeFailed(str(exc)))
            return
        self.rebuild_all()
        self.schedule_flush()

    def _on_update(self, update: "Update") -> None:
        # Called by the poller on this loop. Changes go through Textual's queue (flash, bell,
        # toast in order); a report without changes only marks its row for the next batch, so
        # twenty polls a second cost twenty set insertions, not twenty dispatched messages.
        if update.changes:
            self.post_message(TaskUpdated(update))
        else:
            self._note_update(update)

    async def prompt_password(self, profile: str) -> str:
        future: asyncio.Future[str | None] = asyncio.get_running_loop().create_future()

        def done(value: str | None) -> None:
            if not future.done():
                future.set_result(value)

        reason = self.runtime.auth_problems.get(profile, "")
        self.push_screen(TextScreen(f"Password for profile {profile}", password=True,
                                    note=reason, placeholder="IAM password (never saved)"), done)
        value = await future
        if not value:
            raise UserError(f"no password given for profile {profile}")
        return value

    async def on_unmount(self) -> None:
        await self.stop_runtime()

    async def stop_runtime(self) -> None:
        if self._stopped:
            return
        self._stopped = True
        self._remove_signal_handlers()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.runtime.stop(), timeout=5)

    # ----- leaving when the terminal goes away ---------------------------------------------------

    def _install_signal_handlers(self) -> None:
        loop = asyncio.get_running_loop()
        for sig, code in ((signal.SIGHUP, 129), (signal.SIGTERM, 143)):
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.add_signal_handler(sig, self.exit, None, code)
        if not self.is_headless:
            # SIGHUP is not always sent (e.g. the tty is revoked under us); Textual's input
            # thread then just sees EOF forever, so check the tty now and then and leave.
            with contextlib.suppress(Exception):
                fd = sys.__stdin__.fileno()
                if os.isatty(fd):
                    self._tty_fd = fd
                    self.set_interval(TTY_CHECK_SECONDS, self._check_tty, name="tty check")

    def _remove_signal_handlers(self) -> None:
        with contextlib.suppress(Exception):
            loop = asyncio.get_running_loop()
            loop.remove_signal_handler(signal.SIGHUP)
            loop.remove_signal_handler(signal.SIGTERM)

    def _check_tty(self) -> None:
        import termios

        try:
            termios.tcgetattr(self._tty_fd)
        except (termios.error, OSError, TypeError):
            self.exit(None, 129)

    # ----- poll results --------------------------------------------------------------------

    @on(RuntimeFailed)
    def _runtime_failed(self, message: RuntimeFailed) -> None:
        self.notify(clean_text(message.reason, 300), title="hcwatch", severity="error", markup=False, timeout=15)

    @on(TaskUpdated)
    def _task_updated(self, message: TaskUpdated) -> None:
        update = message.update
        if update.changes:
            self.on_changes(update.key, update.changes)
        self._note_update(update)

    def _note_update(self, update: "Update") -> None:
        err = update.snapshot.error
        if err is not None and err.kind is ErrorKind.NETWORK:
            self._net_failures += 1
        elif err is None:
            self._net_failures = 0
        self._dirty.add(update.key)
        self.schedule_flush(urgent=any(c.major for c in update.changes))

    def on_changes(self, key: str, changes: list) -> None:
        """Flash, mark, ring and toast for the changes of one task (major changes only)."""
        majors = [c for c in changes if c.major]
        if not majors:
            return
        closed = all(c.while_closed for c in majors)
        if self.wants("marker"):
            self.unseen[key] = closed and self.unseen.get(key, True)
        if self.wants("flash") and not closed:
            self.flash(key)
        if closed:
            return  # reported once, summed up, by the header count; no bell per change
        last = majors[-1]
        if self.wants("bell") and last.to_phase.finished:
            self.bell()
        if self.wants("toast") and last.to_phase is Phase.FAILED:
            task = self.task_for(key)
            name = task.label if task else key
            status = self.status_of(key)
            msg = status.snapshot.message if status and status.snapshot else ""
            self.notify(clean_text(f"{name}: failed" + (f" — {msg}" if msg else ""), 300),
                        title="task failed", severity="error", markup=False, timeout=10)

    def flash(self, key: str) -> None:
        old = self._flash_timers.pop(key, None)
        if old is not None:
            old.stop()
        self.table.set_flash(key, True)
        self._flash_timers[key] = self.set_timer(FLASH_SECONDS, lambda: self.end_flash(key), name="flash")

    def end_flash(self, key: str) -> None:
        self._flash_timers.pop(key, None)
        with contextlib.suppress(Exception):
            self.table.set_flash(key, False)

    def end_all_flashes(self) -> None:
        """Stop every running flash now (tests and screenshots freeze the picture this way)."""
        for key, timer in list(self._flash_timers.items()):
            timer.stop()
            self.end_flash(key)

    # ----- building rows ---------------------------------------------------------------------

    def status_of(self, key: str | None):
        """The poller's TaskStatus, or None (not started yet, or the task is gone)."""
        if key is None:
            return None
        try:
            return self.runtime.status(key)
        except KeyError:
            return None

    def task_for(self, key: str):
        status = self.status_of(key)
        if status is not None:
            return status.task
        return next((t for t in self.runtime.tasks() if t.key == key), None)

    def build_view(self, task, now: datetime, status=None) -> RowView:
        status = status if status is not None else self.status_of(task.key)
        snapshot = status.snapshot if status else None
        history = list(status.history) if status else []
        paused = status.paused if status else task.paused
        marker = ""
        if task.key in self.unseen:
            marker = MARK_CLOSED if self.unseen[task.key] else MARK_NEW
        return row_view(task, snapshot, history, paused, marker, now)

    def rebuild_all(self) -> None:
        """Recompute every row from the runtime (after start, add, remove, rename)."""
        now = self.now()
        old = self.views
        self.views = {t.key: self.build_view(t, now) for t in self.runtime.tasks()}
        for key in [k for k in self.unseen if k not in self.views]:
            del self.unseen[key]
        # Only rows whose view differs get their cells rebuilt and compared.
        self._dirty.clear()
        self._dirty_views = {k for k, v in self.views.items() if old.get(k) != v}
        self._rows_moved = self._rows_moved or old.keys() != self.views.keys()

    def schedule_flush(self, urgent: bool = True) -> None:
        if self._flush_timer is not None and urgent and not self._flush_urgent:
            self._flush_timer.stop()
            self._flush_timer = None
        if self._flush_timer is None:
            self._flush_urgent = urgent
            self._flush_timer = self.set_timer(FLUSH_DELAY_CHANGE if urgent else FLUSH_DELAY, self.flush, name="flush")

    def flush(self) -> None:
        """Apply pending updates to the table, header, title and detail pane in one batch."""
        if self._flush_timer is not None:
            self._flush_timer.stop()
        self._flush_timer = None
        now = self.now()
        touched, self._dirty = self._dirty, set()
        changed, self._dirty_views = self._dirty_views, set()
        for key in touched:
            old = self.views.get(key)
            if old is None:
                continue
            status = self.status_of(key)
            task = status.task if status is not None else self.task_for(key)
            if task is None:
                continue
            new = self.build_view(task, now, status)
            # Most polls of a running task change nothing the row shows: leave those rows alone.
            if new != old:
                self.views[key] = new
                changed.add(key)
        if changed or self._rows_moved or self.table.current_key in touched:
            self._rows_moved = False
            self.apply_views(changed, touched)
        else:
            self.refresh_chrome()  # the last sweep time moves with every round of polls

    def visible_rows(self) -> list[RowView]:
        rows = list(self.views.values())
        if self.filter_text:
            needle = self.filter_text.lower()
            rows = [r for r in rows if needle in r.search_text()]
        order = SORTS[self.sort_index]
        rows.sort(key=lambda r: sort_key(order, r))
        return rows

    def apply_views(self, changed: set[str] | None = None, touched: set[str] | None = None) -> None:
        """Show the views; `changed`: rows whose view differs, `touched`: tasks with any news
        (the detail pane is redrawn only when its task was touched or another task is selected)."""
        table = self.table
        table.longest_name = max((len(v.name) for v in self.views.values()), default=0)
        with self.batch_update():
            self._moving = True
            try:
                table.apply(self.visible_rows(), changed=changed)
            finally:
                self._moving = False
            self.refresh_chrome()
            key = table.current_key
            if key is None or key != self.detail.key or key in (changed or ()) or key in (touched or ()):
                self.show_detail()

    def tick(self) -> None:
        """The slow tick: pick up outside edits of the watch list, bring relative times up to date."""
        self.sync_watchlist()
        now = self.now()
        changed = set()
        for key, view in self.views.items():
            new = view.retimed(now)
            if new is not view:
                self.views[key] = new
                changed.add(key)
        if changed:
            self.apply_views(changed)
        # else nothing on screen depends on the time: the detail pane shows absolute times only

    def sync_watchlist(self) -> None:
        """Tasks added or removed by `hcwatch add`/`remove` or a hand edit show up within a tick."""
        try:
            changed, removed = self.runtime.sync_watchlist()
        except Exception as exc:  # a cache of the user's file: never worth crashing over
            self.notify(clean_text(f"watch list not reloaded: {exc}", 300), severity="warning", markup=False)
            return
        if changed or removed:
            self.rebuild_all()
            self.schedule_flush()

    def refresh_chrome(self) -> None:
        from tui.app.widgets.top_bar import TopBar

        phases = [v.phase for v in self.views.values()]
        tasks = len(self.views)
        facts = dict(
            unseen=len(self.unseen),
            swept=getattr(self.runtime, "last_sweep_at", None),
            offline=self._net_failures >= min(OFFLINE_AFTER, max(1, tasks)),
            auth=dict(getattr(self.runtime, "auth_problems", {}) or {}),
            filter_text=self.filter_text,
            sort=SORTS[self.sort_index],
            demo=bool(getattr(self.runtime, "demo", False)),
        )
        counts = tuple(sorted(Counter(phases).items(), key=lambda kv: kv[0].value))
        state = (counts, tuple(sorted(facts["auth"].items())), *(v for k, v in facts.items() if k != "auth"))
        if state == self._chrome:
            return  # nothing the header or the title shows has changed
        self._chrome = state
        text = summary(phases)
        self.query_one("#top", TopBar).show(summary=text, compact=compact_summary(phases), **facts)
        if self.wants("title"):
            self.set_terminal_title(f"hcwatch: {text}" + (f" ({len(self.unseen)} new)" if self.unseen else ""))

    def set_terminal_title(self, title: str) -> None:
        """OSC 2, only when the text changes (tmux shows it as the pane/window title)."""
        if title == self._terminal_title:
            return
        self._terminal_title = title
        self.title = title
        if self._driver is not None and not self.is_headless:
            safe = clean_text(title, 120).replace("\x07", "")
            self._driver.write(f"\x1b]2;{safe}\x07")

    def show_detail(self) -> None:
        detail = self.detail
        if not detail.display:
            return
        key = self.table.current_key
        if key is None:
            detail.show(None, Text("No task selected. Press a to add one.", style="dim"))
            return
        status = self.status_of(key)
        task = status.task if status else self.task_for(key)
        if task is None:
            return
        text = render_detail(
            task,
            status.snapshot if status else None,
            list(status.history) if status else [],
            next_due=status.next_due if status else None,
            paused=status.paused if status else task.paused,
            stopped_reason=status.stopped_reason if status else None,
            now=self.now(),
            unseen=key in self.unseen,
        )
        detail.show(key, text)

    # ----- seeing changes ----------------------------------------------------------------------

    @on(DataTable.RowHighlighted, "#table")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        key = event.row_key.value if event.row_key else None
        if not self._moving and key != self._seen_key:
            self.mark_seen(key)
        self._seen_key = key
        self.show_detail()

    def mark_seen(self, key: str | None) -> None:
        if key is not None and self.unseen.pop(key, None) is not None:
            self._dirty.add(key)
            self.flush()

    @on(DataTable.RowSelected, "#table")
    def _selected(self, event: DataTable.RowSelected) -> None:
        self.action_details()

    # ----- actions -----------------------------------------------------------------------------

    def key_for_action(self, action: str) -> str:
        """The key now bound to an action on the main screen (after [keymap]), for the palette."""
        main = self.screen_stack[0]
        for key, active in main.active_bindings.items():
            if active.binding.action == action:
                return self.get_key_display(active.binding)
        # Shadowed keys still work: enter is the table's own "select", which opens the details.
        for _, bindings in main._binding_chain:
            for bound in bindings.key_to_bindings.values():
                for binding in bound:
                    if binding.action == action:
                        return self.get_key_display(binding)
        return ""

    def _selected_task(self):
        key = self.table.current_key
        return self.task_for(key) if key else None

    def _fail(self, exc: Exception) -> None:
        self.notify(clean_text(str(exc), 300), severity="error", markup=False)

    def action_add(self) -> None:
        try:
            default = self.runtime.default_project()
        except UserError:
            default = None

        def added(result) -> None:
            if not result:
                return
            ref_text, name = result
            try:
                task = self.runtime.add(ref_text, name)
            except UserError as exc:
                self._fail(exc)
                return
            self.rebuild_all()
            self.flush()
            with contextlib.suppress(Exception):
                self.table.move_cursor(row=self.table.get_row_index(task.key), animate=False)
            self.notify(f"watching {task.key}", markup=False)

        self.push_screen(AddTaskScreen(default), added)

    def action_remove(self) -> None:
        task = self._selected_task()
        if task is None:
            return

        def confirmed(yes: bool | None) -> None:
            if not yes:
                return
            try:
                self.runtime.remove(task.key)
            except UserError as exc:
                self._fail(exc)
                return
            self.unseen.pop(task.key, None)
            self.rebuild_all()
            self.flush()
            self.notify(f"stopped watching {clean_text(task.label, 80)}", markup=False)

        self.push_screen(ConfirmScreen(f"Stop watching {clean_text(task.label, 80)} ({task.key})?", "Remove"),
                         confirmed)

    def action_rename(self) -> None:
        task = self._selected_task()
        if task is None:
            return

        def renamed(name: str | None) -> None:
            if name is None:
                return
            try:
                self.runtime.rename(task.key, name.strip())
            except UserError as exc:
                self._fail(exc)
                return
            self.rebuild_all()
            self.flush()

        self.push_screen(TextScreen(f"Name for {task.key}", task.name or "", placeholder="empty: show the id"),
                         renamed)

    def action_refresh(self) -> None:
        task = self._selected_task()
        if task is not None:
            self.runtime.refresh(task.key)
            self.notify(f"refreshing {clean_text(task.label, 80)}", markup=False, timeout=2)

    def action_refresh_all(self) -> None:
        self.runtime.refresh(None)
        self.notify("refreshing every task", markup=False, timeout=2)

    def action_pause(self) -> None:
        task = self._selected_task()
        if task is None:
            return
        status = self.status_of(task.key)
        paused = status.paused if status else task.paused
        try:
            self.runtime.set_paused(task.key, not paused)
        except UserError as exc:
            self._fail(exc)
            return
        self._dirty.add(task.key)
        self.rebuild_all()
        self.flush()
        self.notify(f"{'resumed' if paused else 'paused'} {clean_text(task.label, 80)}", markup=False, timeout=3)

    def _show_filter_bar(self, on: bool) -> None:
        self.query_one("#filter-bar").set_class(on, "-active")
        self.query_one("#filter", Input).set_class(on, "-active")

    def action_filter(self) -> None:
        self._show_filter_bar(True)
        self.query_one("#filter", Input).focus()
        self._filter_pending = True  # until the box has focus, typed keys still reach the table

    async def _on_key(self, event: events.Key) -> None:
        # Keys typed right after `/` in one burst (a slow link, tmux send-keys) were sent to the
        # table before the filter box took focus; they bubble up here and would run bindings
        # (`/fa` would open the add dialog). An Input keeps every printable key it is sent, so a
        # printable key that bubbles up while the box has or is getting focus belongs in it.
        box = self.query_one("#filter", Input) if self.screen is self.screen_stack[0] else None
        if (box is not None and event.is_printable and event.character
                and (self._filter_pending or self.focused is box)):
            event.stop()
            event.prevent_default()  # App._on_key (bindings) runs after this one unless prevented
            box.insert_text_at_cursor(event.character)

    @on(events.DescendantFocus)
    def _focus_moved(self, event: events.DescendantFocus) -> None:
        self._filter_pending = False

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.filter_text = event.value.strip()
        self.apply_views(set())

    @on(Input.Submitted, "#filter")
    def _filter_done(self) -> None:
        box = self.query_one("#filter", Input)
        if not box.value.strip():
            self._show_filter_bar(False)
        self.table.focus()

    def action_clear_filter(self) -> None:
        box = self.query_one("#filter", Input)
        box.value = ""
        self._show_filter_bar(False)
        self.filter_text = ""
        self.apply_views(set())
        self.table.focus()

    def action_back(self) -> None:
        if self.filter_text or self.query_one("#filter", Input).has_class("-active"):
            self.action_clear_filter()
        else:
            self.table.focus()

    def action_sort(self) -> None:
        self.sort_index = (self.sort_index + 1) % len(SORTS)
        self.apply_views(set())
        self.notify(f"sorted by {SORTS[self.sort_index]}", markup=False, timeout=2)

    def action_details(self) -> None:
        self.query_one("#body").remove_class("-nodetail")
        self.detail.display = True
        self.mark_seen(self.table.current_key)
        self.show_detail()
        if self.focused is self.detail:
            self.table.focus()
        else:
            self.detail.focus()

    def action_toggle_detail(self) -> None:
        body = self.query_one("#body")
        body.toggle_class("-nodetail")
        self.detail.display = not body.has_class("-nodetail")
        if self.detail.display:
            self.show_detail()
        else:
            self.table.focus()

    def action_copy_id(self) -> None:
        task = self._selected_task()
        if task is None:
            return
        self.copy_to_clipboard(task.ref.task_id)
        self.notify(f"copied {task.ref.task_id}", markup=False, timeout=2)

    def action_mark_all_seen(self) -> None:
        keys = list(self.unseen)
        self.unseen.clear()
        self._dirty.update(keys)
        self.flush()

    def action_retry_auth(self) -> None:
        retry = getattr(self.runtime, "retry_auth", None)
        for profile in list(getattr(self.runtime, "auth_problems", {}) or {}):
            if retry is not None:
                retry(profile)

    # Keys of the table's cell cursor that do nothing useful with a row cursor.
    HELP_SKIP = frozenset({"cursor_left", "cursor_right", "page_left", "page_right", "select_cursor"})

    def action_help(self) -> None:
        rows: dict[str, tuple[list[str], str, str]] = {}
        # The whole binding chain (keymap applied), not only the active keys: `enter` is
        # shadowed by the table's own enter binding, yet it is still a key worth listing.
        try:
            chain = [b for _, bmap in self.screen._binding_chain for bs in bmap.key_to_bindings.values() for b in bs]
        except Exception:
            chain = [a.binding for a in self.screen.active_bindings.values()]
        for b in chain:
            if not b.description or b.action in self.HELP_SKIP:
                continue
            # One row per action: j and ↓ both move down, q and ctrl+q both quit.
            keys, text, ident = rows.setdefault(b.action, ([], b.tooltip or b.description, b.id or ""))
            if b.id:
                keys.insert(0, self.get_key_display(b))  # hcwatch's own key first: j before ↓
            else:
                keys.append(self.get_key_display(b))
            if b.id and not ident:
                rows[b.action] = (keys, b.tooltip or b.description, b.id)
        listed = [(", ".join(dict.fromkeys(k)), text, ident) for k, text, ident in rows.values()]
        # hcwatch's own keys first, in BINDINGS order, then the table's and widgets' keys.
        own = [b.id for b in self.BINDINGS if isinstance(b, Binding)]
        listed.sort(key=lambda r: own.index(r[2]) if r[2] in own else len(own) + (not r[2]))
        self.push_screen(HelpScreen(listed))

    async def action_quit(self) -> None:
        self.exit(0)


def run(runtime: "Runtime") -> int:
    """Run the TUI until the user quits or the terminal goes away; returns the exit status."""
    app = HcwatchApp(runtime)
    result = app.run()
    code = app.return_code
    if code is None:
        code = result if isinstance(result, int) else 0
    return code
