"""The main screen: header, task table, detail pane, filter bar and footer; the keys of the actions table."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, ClassVar

from textual import events, on
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Container
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import DataTable, Footer, Input

from tui.app.actions import bindings
from tui.app.board import Board, Header
from tui.app.clipboard import copy_message
from tui.app.messages import TaskUpdated
from tui.app.screens.adding import open_add_dialog
from tui.app.screens.help import HelpScreen, help_rows
from tui.app.screens.mute import MuteAction
from tui.app.screens.simple import ConfirmScreen, TextScreen
from tui.app.screens.task_extras import TaskExtrasMixin
from tui.app.watchlist_sync import sync_watchlist
from tui.app.widgets.detail import DetailPane
from tui.app.widgets.filter_bar import FilterBar
from tui.app.widgets.task_table import TaskTable
from tui.app.widgets.top_bar import TopBar
from tui.errors import UserError
from tui.model import WatchedTask, clean_text

if TYPE_CHECKING:
    from tui.model import Change
    from tui.poll.interface import Update
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


class MainScreen(MuteAction, TaskExtrasMixin, Screen[None]):
    """Draws what the Board says and runs the actions; the App only starts and stops the runtime."""

    BINDINGS: ClassVar[list[BindingType]] = [*bindings()]

    def __init__(self, board: Board, runtime: Runtime, set_title: Callable[[str], None] | None = None) -> None:
        super().__init__()
        self.board = board
        self.runtime = runtime
        self.set_title = set_title      # the terminal's title (OSC 2), when [notify] title is on
        self._flush_timer: Timer | None = None
        self._flush_urgent = False
        self._seen_key: str | None = None
        self._moving = False            # the table's cursor moves because rows moved, not the user

    def compose(self) -> ComposeResult:
        yield TopBar(id="top")
        with Container(id="body"):
            yield TaskTable(id="table")
            yield DetailPane(id="detail")
        yield FilterBar(id="filter-bar")
        yield Footer(compact=True)

    @property
    def table(self) -> TaskTable:
        return self.query_one("#table", TaskTable)

    @property
    def detail(self) -> DetailPane:
        return self.query_one("#detail", DetailPane)

    @property
    def filter_bar(self) -> FilterBar:
        return self.query_one("#filter-bar", FilterBar)

    def on_mount(self) -> None:
        self.fit_layout(self.app.size.width)
        self.table.focus()
        self.board.rebuild()
        self.flush()
        self.set_interval(TICK_SECONDS, self.tick, name="tick")

    def fit_layout(self, width: int) -> None:
        """The detail pane to the right of the table from WIDE columns, below it otherwise."""
        for body in self.query("#body"):  # none yet before the first compose: on_mount fits it then
            body.set_class(width < WIDE, "-narrow")

    def fail(self, exc: Exception) -> None:
        self.notify(clean_text(str(exc), 300), severity="error", markup=False)

    # ----- poll results ------------------------------------------------------------------------

    @on(TaskUpdated)
    def _task_updated(self, message: TaskUpdated) -> None:
        update = message.update
        if update.changes:
            self.react(update.key, update.changes)
        self.note_update(update)

    def note_update(self, update: Update) -> None:
        """Note a poll result: shown within a tenth of a second if a phase changed, else with the next batch."""
        self.schedule_flush(urgent=self.board.note_update(update))

    def react(self, key: str, changes: list[Change]) -> None:
        """Flash, mark, ring and toast for the changes of one task (major changes only)."""
        reaction = self.board.on_changes(key, changes)
        if reaction.flash:
            self.table.flash(key, FLASH_SECONDS)
        if reaction.bell:
            self.app.bell()
        if reaction.toast:
            self.notify(reaction.toast, title="task failed", severity="error", markup=False, timeout=10)

    def rebuild(self) -> None:
        """Every row again from the runtime (after start and outside edits of the watch list)."""
        self.board.rebuild()
        self.schedule_flush()

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
        batch = self.board.take_batch(self.table.current_key)
        if batch.redraw:
            self.apply_views(batch.changed, batch.touched)
        else:
            self.refresh_header()  # the last sweep time moves with every round of polls

    def apply_views(self, changed: set[str] | None = None, touched: set[str] | None = None,
                    keep: str | None = None) -> None:
        """Show the views (the cursor on `keep`, else where it is); the detail pane again only if its task
        `changed`, was `touched` or is another."""
        table = self.table
        table.longest_name, table.known = self.board.longest_name, self.board.views
        with self.app.batch_update():
            self._moving = True
            try:
                table.apply(self.board.visible_rows(), keep_key=keep)
            finally:
                self._moving = False
            self.refresh_header()
            key = table.current_key
            if key is None or key != self.detail.key or key in (changed or ()) or key in (touched or ()):
                self.show_detail()

    def tick(self) -> None:
        """The slow tick: pick up outside edits of the watch list, bring relative times up to date."""
        self.sync_watchlist()
        changed = self.board.retime()
        if changed:
            self.apply_views(changed)
        if self.table.current_key not in changed:
            self.show_detail()  # its estimate ("running 38s") moves on even when the row's words do not

    def sync_watchlist(self) -> None:
        """Tasks added or removed by `hcwatch add`/`remove` or a hand edit show up within a tick."""
        sync_watchlist(self)

    def refresh_header(self) -> None:
        header = self.board.new_header()
        if header is None:
            return  # nothing the header or the title shows has changed
        self.show_header(header)

    def show_header(self, header: Header) -> None:
        self.query_one("#top", TopBar).show(
            summary=header.summary, compact=header.compact, unseen=header.unseen, swept=header.swept,
            offline=header.offline, auth=dict(header.auth), filter_text=header.filter_text, sort=header.sort,
            demo=header.demo, watchlist=header.watchlist, throttled=header.throttled, slow=header.slow)
        if self.board.wants("title") and self.set_title is not None:
            self.set_title(header.title)

    def show_detail(self) -> None:
        if not self.detail.display:
            return
        key = self.table.current_key
        status = self.board.status_of(key)
        task = status.task if status else (self.board.task_for(key) if key else None)
        if key is None or task is not None:
            self.detail.empty_text = self.board.empty_text
            self.detail.show_task(key, task, status, self.board.now(), unseen=key in self.board.unseen)

    # ----- seeing changes ----------------------------------------------------------------------

    @on(DataTable.RowHighlighted, "#table")
    def _row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        key = event.row_key.value if event.row_key else None
        if not self._moving and key != self._seen_key:
            self.mark_seen(key)
        self._seen_key = key
        self.show_detail()

    def mark_seen(self, key: str | None) -> None:
        if self.board.mark_seen(key):
            self.flush()

    @on(DataTable.RowSelected, "#table")
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        self.action_details()

    # ----- the filter bar ----------------------------------------------------------------------

    @on(events.DescendantFocus)
    def _focus_moved(self, event: events.DescendantFocus) -> None:
        self.filter_bar.pending = False

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        if event.value == self.filter_bar.box.value:  # else later keys of a burst are in: the last one applies
            self.board.set_filter(event.value)
            self.apply_views(set())

    @on(Input.Submitted, "#filter")
    def submit_filter(self) -> None:
        """Enter in the filter: keep it (an empty one closes the bar) and go back to the table."""
        if self.filter_bar.box.value.strip() != self.board.filter_text:  # typed in a burst: not applied yet
            self.board.set_filter(self.filter_bar.box.value)
            self.apply_views(set())
        if not self.filter_bar.box.value.strip():
            self.filter_bar.show(False)
        self.table.focus()

    # ----- actions (ids, keys and texts: tui/app/actions.py) ------------------------------------

    def selected_task(self) -> WatchedTask | None:
        key = self.table.current_key
        return self.board.task_for(key) if key else None

    def after_edit(self) -> None:
        self.board.rebuild()
        self.flush()

    def action_add(self) -> None:
        open_add_dialog(self)  # tui/app/screens/adding.py: the dialog, browse mode, the adds

    def action_remove(self) -> None:
        task = self.selected_task()
        if task is None:
            return

        def confirmed(yes: bool | None) -> None:
            if not yes:
                return
            try:
                self.runtime.remove(task.key)
            except UserError as exc:
                self.fail(exc)
                return
            self.board.forget(task.key)
            self.after_edit()
            self.notify(f"stopped watching {clean_text(task.label, 80)}", markup=False)

        self.app.push_screen(ConfirmScreen(f"Stop watching {clean_text(task.label, 80)} ({task.key})?", "Remove"),
                             confirmed)

    def action_rename(self) -> None:
        task = self.selected_task()
        if task is None:
            return

        def renamed(name: str | None) -> None:
            if name is None:
                return
            try:
                self.runtime.rename(task.key, name.strip())
            except UserError as exc:
                self.fail(exc)
                return
            self.after_edit()

        self.app.push_screen(TextScreen(f"Name for {task.key}", task.name or "", placeholder="empty: show the id"),
                             renamed)

    def action_refresh(self) -> None:
        task = self.selected_task()
        if task is not None:
            self.runtime.refresh(task.key)
            self.notify(self.board.refresh_note(task.key), markup=False, timeout=4)

    def action_refresh_all(self) -> None:
        self.runtime.refresh(None)
        self.notify(self.board.refresh_note(None), markup=False, timeout=4)

    def action_pause(self) -> None:
        task = self.selected_task()
        if task is None:
            return
        paused = self.board.is_paused(task.key)
        try:
            self.runtime.set_paused(task.key, not paused)
        except UserError as exc:
            self.fail(exc)
            return
        self.after_edit()
        self.notify(f"{'resumed' if paused else 'paused'} {clean_text(task.label, 80)}", markup=False, timeout=3)

    def action_filter(self) -> None:
        self.filter_bar.open(self.table.current_key)

    def action_clear_filter(self) -> None:
        # Nothing matched: back to the task selected before the filter, not the first row.
        keep = self.table.current_key or self.filter_bar.before
        self.filter_bar.box.value = ""
        self.filter_bar.show(False)
        self.board.set_filter("")
        self.apply_views(set(), keep=keep)
        self.table.focus()

    def action_back(self) -> None:
        # Screen has no action_back (App's pops screens); this one only leaves the filter.
        if self.board.filter_text or self.filter_bar.shown:
            self.action_clear_filter()
        else:
            self.table.focus()

    def action_sort(self) -> None:
        order = self.board.cycle_sort()
        self.apply_views(set())
        self.notify(f"sorted by {order}", markup=False, timeout=2)

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
        self.detail.display = not self.query_one("#body").toggle_class("-nodetail").has_class("-nodetail")
        self.show_detail() if self.detail.display else self.table.focus()

    def action_copy_id(self) -> None:
        task = self.selected_task()
        if task is None:
            return
        self.app.copy_to_clipboard(task.ref.task_id)
        text, warn = copy_message(task.ref.task_id)  # "sent", or how to make tmux let it through
        self.notify(text, severity="warning" if warn else "information", markup=False, timeout=10 if warn else 3)

    def action_mark_all_seen(self) -> None:
        self.board.mark_all_seen()
        self.flush()

    def action_retry_auth(self) -> None:
        profiles = sorted(getattr(self.runtime, "auth_problems", {}) or {})
        for profile in profiles:
            self.runtime.retry_auth(profile)
        self.notify(f"retrying authentication for profile {', '.join(profiles)}" if profiles
                    else "nothing to retry: all profiles authenticated", markup=False, timeout=4)

    def action_help(self) -> None:
        self.app.push_screen(HelpScreen(help_rows(self)))

    def action_quit(self) -> None:
        self.app.exit(0)
